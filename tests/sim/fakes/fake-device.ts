import { KioskError } from '../../../src/errors/index.js';
import { STATUS_CLOSED, STATUS_ONLINE, TypedEmitter, isUsable } from '../../../src/hal/index.js';
import type {
  Device, DeviceClass, DeviceEvents, DeviceHealth, DeviceIdentity, DeviceStatistics, DeviceStatus,
} from '../../../src/hal/index.js';

export interface FakeDeviceOptions {
  /** Device id; defaults to `fake-<kind>`. */
  readonly id?: string;
  /** Serial number reported by identify(). */
  readonly serial?: string;
  /** Receives errors thrown by event listeners (the device keeps running). */
  readonly onListenerError?: (err: unknown, event: string) => void;
}

const STATUS_NO_REPLY: DeviceStatus = { state: 'offline', reason: 'no-reply', text: 'device does not answer' };

function sameStatus(a: DeviceStatus, b: DeviceStatus): boolean {
  return a.state === b.state && a.reason === b.reason && a.text === b.text;
}

/**
 * The shared lifecycle of every HAL fake: open/enable/disable/close idempotent, a `status` event on every
 * change (and only then), checkHealth/identify/statistics, plus the unplug()/replug() test controls.
 *
 * Rules the subclasses rely on:
 * - status is derived, never set: closed → offline/closed (offline/no-reply after a failed open);
 *   unplugged → offline/no-reply; else the subclass's faultStatus() or online;
 * - operations need an open device (KIOSK_E_DEVICE_STATE) that is plugged in (KIOSK_E_DEVICE_OFFLINE,
 *   `disconnected`); customer input additionally needs enable();
 * - device events are emitted only while the host listens (open and plugged in): a closed driver hears
 *   nothing, and the status computed at open() tells it about faults that happened meanwhile;
 * - replug() restores the previous enable state, as a driver supervisor re-applies it after reconnecting.
 */
export abstract class FakeDevice<E extends DeviceEvents> implements Device<E> {
  abstract readonly kind: DeviceClass;
  readonly id: string;
  protected readonly events: TypedEmitter<E>;
  protected readonly counters: Record<string, number>;
  private readonly identity: DeviceIdentity;
  private opened = false;
  private enabled = false;
  private plugged = true;
  private openFailed = false;
  private statusNow: DeviceStatus = STATUS_CLOSED;

  protected constructor(
    opts: FakeDeviceOptions,
    defaults: { readonly id: string; readonly identity: DeviceIdentity; readonly counters: readonly string[] },
  ) {
    this.id = opts.id ?? defaults.id;
    this.events = new TypedEmitter<E>(opts.onListenerError);
    this.identity = opts.serial === undefined ? defaults.identity : { ...defaults.identity, serial: opts.serial };
    this.counters = Object.fromEntries(defaults.counters.map((c) => [c, 0]));
  }

  async open(): Promise<void> {
    if (!this.plugged) {
      this.openFailed = !this.opened;
      this.refreshStatus();
      throw new KioskError('KIOSK_E_DEVICE_OFFLINE', `${this.id}: no device on the transport`, { disconnected: true });
    }
    if (this.opened) return;
    this.opened = true;
    this.openFailed = false;
    this.onOpened();
    this.refreshStatus();
  }

  async enable(): Promise<void> {
    this.requireOpen('enable');
    if (this.enabled) return;
    this.enabled = true;
    this.onEnabledChange(true);
  }

  async disable(): Promise<void> {
    if (!this.opened || !this.enabled) return;
    this.enabled = false;
    this.onEnabledChange(false);
  }

  async close(): Promise<void> {
    if (this.opened) {
      this.onClosing();
      this.enabled = false;
      this.opened = false;
    }
    this.openFailed = false;
    this.refreshStatus();
  }

  status(): DeviceStatus { return this.statusNow; }

  async checkHealth(): Promise<DeviceHealth> {
    return { ok: isUsable(this.statusNow), status: this.statusNow };
  }

  async identify(): Promise<DeviceIdentity> { return this.identity; }

  statistics(): DeviceStatistics { return { ...this.counters }; }

  on<K extends keyof E & string>(event: K, listener: (payload: E[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  // ---- test controls shared by every fake ----

  /** Cuts power or the cable: status goes offline, open() rejects with `disconnected` until replug(). */
  unplug(): void {
    if (!this.plugged) return;
    if (this.listening) this.onUnplugging();
    this.plugged = false;
    this.refreshStatus();
  }

  /** Reconnects; an open device comes back with its enable state and faults as they were. */
  replug(): void {
    if (this.plugged) return;
    this.plugged = true;
    this.openFailed = false;
    this.refreshStatus();
  }

  isEnabled(): boolean { return this.opened && this.enabled && this.plugged; }
  isOpen(): boolean { return this.opened; }
  isPluggedIn(): boolean { return this.plugged; }

  // ---- for subclasses ----

  /** True while a driver would hear the device: open and plugged in. */
  protected get listening(): boolean { return this.opened && this.plugged; }

  /** A fault the device reports now, if any; the base class wraps it into the status rules. */
  protected faultStatus(): DeviceStatus | undefined { return undefined; }
  protected onOpened(): void {}
  protected onClosing(): void {}
  protected onEnabledChange(_enabled: boolean): void {}
  /** Called while still listening, just before the device goes away. */
  protected onUnplugging(): void {}

  protected bump(counter: string, by = 1): void {
    this.counters[counter] = (this.counters[counter] ?? 0) + by;
  }

  protected requireOpen(op: string): void {
    if (!this.opened) throw new KioskError('KIOSK_E_DEVICE_STATE', `${this.id}: ${op} needs an open device`);
    if (!this.plugged) {
      throw new KioskError('KIOSK_E_DEVICE_OFFLINE', `${this.id}: ${op}: device is not connected`, { disconnected: true });
    }
  }

  protected requireEnabled(op: string): void {
    this.requireOpen(op);
    if (!this.enabled) throw new KioskError('KIOSK_E_DEVICE_STATE', `${this.id}: ${op} needs an enabled device`);
  }

  /** Recomputes the status and emits `status` when it changed. Call after every state change. */
  protected refreshStatus(): void {
    const next = !this.opened ? (this.openFailed ? STATUS_NO_REPLY : STATUS_CLOSED)
      : !this.plugged ? STATUS_NO_REPLY
      : this.faultStatus() ?? STATUS_ONLINE;
    if (sameStatus(next, this.statusNow)) return;
    this.statusNow = next;
    // E extends DeviceEvents, so its `status` payload is a DeviceStatus; the cast only widens the map.
    (this.events as unknown as TypedEmitter<DeviceEvents>).emit('status', next);
  }
}
