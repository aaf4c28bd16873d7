import type { DeviceStatus, Panel, PanelButton, PanelEvents, PanelLed } from '../../../src/hal/index.js';
import { FakeDevice, type FakeDeviceOptions } from './fake-device.js';
import { remember } from './history.js';

export interface LedChange {
  readonly led: PanelLed;
  readonly on: boolean;
}

/**
 * Buttons, LEDs, buzzer, door and tamper switches. Buttons are customer input (only while enabled); the
 * door and tamper switches report whenever the panel is open, since they matter most out of service.
 * An active tamper switch puts the panel in `fraud` status.
 */
export class FakePanel extends FakeDevice<PanelEvents> implements Panel {
  readonly kind = 'panel' as const;
  /** Every setLed() call, in order. */
  readonly ledLog: LedChange[] = [];
  /** Every beep() duration in ms, in order. */
  readonly beeps: number[] = [];
  private readonly ledState: Record<PanelLed, boolean> = { ready: false, cash: false, card: false, fault: false };
  private door = false;
  private tamper = false;

  constructor(opts: FakeDeviceOptions = {}) {
    super(opts, {
      id: 'fake-panel',
      identity: { model: 'FakePanel', serial: 'FAKE-PN-0001', firmware: '1.0.0', protocol: 'fake-hal', vendor: 'kioskd' },
      counters: ['presses', 'ignoredPresses', 'beeps', 'ledChanges', 'doorOpenings', 'tamperEvents'],
    });
  }

  async setLed(led: PanelLed, on: boolean): Promise<void> {
    this.requireOpen('setLed');
    remember(this.ledLog, { led, on });
    if (this.ledState[led] !== on) this.bump('ledChanges');
    this.ledState[led] = on;
  }

  async beep(ms: number): Promise<void> {
    this.requireOpen('beep');
    remember(this.beeps, ms);
    this.bump('beeps');
  }

  doorOpen(): boolean { return this.door; }

  // ---- test controls ----

  /** A customer presses a button; true when a `button` event went out. */
  press(button: PanelButton): boolean {
    if (!this.isEnabled()) {
      this.bump('ignoredPresses');
      return false;
    }
    this.bump('presses');
    this.events.emit('button', { button });
    return true;
  }

  setDoor(open: boolean): void {
    if (this.door === open) return;
    this.door = open;
    if (open) this.bump('doorOpenings');
    if (this.listening) this.events.emit('door', { open });
  }

  setTamper(active: boolean): void {
    if (this.tamper === active) return;
    this.tamper = active;
    if (active) this.bump('tamperEvents');
    if (this.listening) this.events.emit('tamper', { active });
    this.refreshStatus();
  }

  /** The LEDs as last set. */
  leds(): Readonly<Record<PanelLed, boolean>> { return { ...this.ledState }; }

  protected override faultStatus(): DeviceStatus | undefined {
    return this.tamper ? { state: 'fraud', reason: 'tamper', text: 'tamper switch active' } : undefined;
  }
}
