import type { Device, DeviceEvents } from './device.js';

export type PanelButton = 'cash' | 'card' | 'cancel' | 'confirm' | 'moreTime';
export type PanelLed = 'ready' | 'cash' | 'card' | 'fault';

export interface PanelEvents extends DeviceEvents {
  button: { readonly button: PanelButton };
  door: { readonly open: boolean };
  tamper: { readonly active: boolean };
}

export interface Panel extends Device<PanelEvents> {
  readonly kind: 'panel';
  setLed(led: PanelLed, on: boolean): Promise<void>;
  beep(ms: number): Promise<void>;
  doorOpen(): boolean;
}
