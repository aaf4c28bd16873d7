import type { Device, DeviceEvents } from './device.js';

export interface ScanEvent {
  /** Decoded payload text (bill barcode or wallet payment code). Treated as personal data: never logged. */
  readonly data: string;
  /** AIM symbology identifier (e.g. `]C1` for GS1-128) when the scanner reports one. */
  readonly symbology?: string;
}

export interface ScannerEvents extends DeviceEvents {
  scan: ScanEvent;
}

export interface Scanner extends Device<ScannerEvents> {
  readonly kind: 'scanner';
}
