import type { Logger } from 'pino';
import { KioskError, toKioskError } from '../../errors/index.js';
import { STATUS_CLOSED, STATUS_ONLINE, TypedEmitter, isUsable } from '../../hal/index.js';
import type {
  DeviceHealth, DeviceIdentity, DeviceStatistics, DeviceStatus, Panel, PanelButton, PanelEvents, PanelLed, TimerHandle, Timers,
} from '../../hal/index.js';
import type { GpioLevel, GpioPort } from '../../hal/gpio.js';

export const PANEL_BUTTONS = ['cash', 'card', 'cancel', 'confirm', 'moreTime'] as const satisfies readonly PanelButton[];
export type PanelInput = PanelButton | 'door' | 'tamper';
export type PanelOutput = 'ledReady' | 'ledCash' | 'ledCard' | 'ledFault' | 'buzzer';
export const PANEL_INPUTS: readonly PanelInput[] = [...PANEL_BUTTONS, 'door', 'tamper'];
export const PANEL_OUTPUTS: readonly PanelOutput[] = ['ledReady', 'ledCash', 'ledCard', 'ledFault', 'buzzer'];
const LED_LINE: Readonly<Record<PanelLed, PanelOutput>> = { ready: 'ledReady', cash: 'ledCash', card: 'ledCard', fault: 'ledFault' };

/** Which lines read or drive 0 when active. Buttons usually pull to ground (active-low). */
export interface ActiveLow {
  readonly buttons: boolean;
  /** Door switch: active = door open. */
  readonly door: boolean;
  /** Tamper loop: active = tampered. */
  readonly tamper: boolean;
  readonly leds: boolean;
  readonly buzzer: boolean;
}

/** The lines of one panel, acquired together and released together. */
export interface PanelLines {
  readonly inputs: Readonly<Record<PanelInput, GpioPort>>;
  readonly outputs: Readonly<Record<PanelOutput, GpioPort>>;
  /** Releases whatever the lines hang off (sysfs exports, the I/O board's transport). */
  release(): Promise<void>;
}

export interface PanelCoreOptions {
  readonly id?: string;
  readonly timers: Timers;
  readonly logger?: Logger;
  readonly activeLow: ActiveLow;
  /** Software debounce for buttons, door and tamper. */
  readonly debounceMs: number;
  readonly identity: DeviceIdentity;
  /** Acquires the lines; `lost` is called when the transport under them goes away. */
  readonly openLines: (lost: (err: unknown) => void) => Promise<PanelLines>;
  readonly onListenerError?: (err: unknown, event: string) => void;
}

const STATUS_TAMPER: DeviceStatus = { state: 'fraud', reason: 'tamper', text: 'tamper switch active' };
const STATUS_LOST: DeviceStatus = { state: 'offline', reason: 'no-reply', text: 'panel I/O not available' };
const MAX_BEEP_MS = 5000;

interface InputState {
  stable: boolean;
  raw: boolean;
  timer: TimerHandle | undefined;
}

/**
 * Buttons, LEDs, buzzer, door and tamper switches over GpioPort lines. Every input is debounced in
 * software on the injected timers: an edge (re)starts a quiet period and only a level that held for
 * `debounceMs` counts. Buttons report only while enabled; door and tamper whenever open. An active
 * tamper switch makes the status `fraud`. Outputs start inactive and are switched off again at close.
 */
export class PanelCore implements Panel {
  readonly kind = 'panel' as const;
  readonly id: string;
  private readonly o: PanelCoreOptions;
  private readonly events: TypedEmitter<PanelEvents>;
  private st: DeviceStatus = STATUS_CLOSED;
  private lines: PanelLines | undefined;
  private unwatch: (() => void)[] = [];
  private opening: Promise<void> | undefined;
  private enabled = false;
  private failed = false;
  private readonly inputs = new Map<PanelInput, InputState>();
  private beepTimer: TimerHandle | undefined;
  private readonly stats = { presses: 0, ignoredPresses: 0, bounces: 0, doorOpenings: 0, tamperEvents: 0, beeps: 0 };

  constructor(opts: PanelCoreOptions) {
    this.o = opts;
    this.id = opts.id ?? 'panel';
    this.events = new TypedEmitter<PanelEvents>(opts.onListenerError);
  }

  status(): DeviceStatus { return this.st; }
  statistics(): DeviceStatistics { return { ...this.stats }; }
  async identify(): Promise<DeviceIdentity> { return this.o.identity; }
  on<K extends keyof PanelEvents & string>(event: K, listener: (payload: PanelEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  doorOpen(): boolean { return this.inputs.get('door')?.stable ?? false; }

  async open(): Promise<void> {
    if (this.lines !== undefined) return;
    this.opening ??= this.acquire().finally(() => { this.opening = undefined; });
    return this.opening;
  }

  async enable(): Promise<void> {
    this.requireOpen();
    this.enabled = true;
  }

  async disable(): Promise<void> { this.enabled = false; }

  async close(): Promise<void> {
    await this.opening?.catch(() => undefined);
    this.enabled = false;
    this.failed = false;
    await this.release(true);
    this.refresh();
  }

  async checkHealth(): Promise<DeviceHealth> {
    return { ok: isUsable(this.st), status: this.st };
  }

  async setLed(led: PanelLed, on: boolean): Promise<void> {
    await this.drive(LED_LINE[led], on, this.o.activeLow.leds);
  }

  /** Sounds the buzzer for `ms` (capped at 5 s); resolves once it sounds. A new beep restarts the time. */
  async beep(ms: number): Promise<void> {
    const lines = this.requireOpen();
    const dur = Math.max(1, Math.min(MAX_BEEP_MS, Math.round(ms)));
    this.o.timers.clearTimeout(this.beepTimer);
    await this.drive('buzzer', true, this.o.activeLow.buzzer);
    this.stats.beeps += 1;
    this.beepTimer = this.o.timers.setTimeout(() => {
      this.beepTimer = undefined;
      if (this.lines === lines) void this.drive('buzzer', false, this.o.activeLow.buzzer).catch(() => undefined);
    }, dur);
  }

  // ---- lines ----

  private async acquire(): Promise<void> {
    let lines: PanelLines | undefined;
    try {
      lines = await this.o.openLines((err) => this.lost(err));
      // Fail-safe start: every output inactive before anything else happens.
      for (const out of PANEL_OUTPUTS) await lines.outputs[out].write(this.level(false, out === 'buzzer' ? this.o.activeLow.buzzer : this.o.activeLow.leds));
      for (const name of PANEL_INPUTS) {
        const port = lines.inputs[name];
        const active = this.active(name, await port.read());
        this.inputs.set(name, { stable: active, raw: active, timer: undefined });
      }
      const current = lines;
      for (const name of PANEL_INPUTS) {
        this.unwatch.push(current.inputs[name].watch((v) => { if (this.lines === current) this.edge(name, v); }));
      }
      this.lines = lines;
      this.failed = false;
      this.refresh();
    } catch (err) {
      for (const u of this.unwatch.splice(0)) u();
      await lines?.release().catch(() => undefined);
      this.inputs.clear();
      this.failed = true;
      this.refresh();
      const e = toKioskError(err, 'KIOSK_E_DEVICE_OFFLINE');
      this.o.logger?.warn({ code: e.code }, 'panel I/O not available');
      throw new KioskError('KIOSK_E_DEVICE_OFFLINE', `${this.id}: panel I/O not available`, { disconnected: true, retryable: true, cause: e, details: e.details });
    }
  }

  private async release(switchOff: boolean): Promise<void> {
    const lines = this.lines;
    this.lines = undefined;
    this.o.timers.clearTimeout(this.beepTimer);
    this.beepTimer = undefined;
    for (const u of this.unwatch.splice(0)) u();
    for (const s of this.inputs.values()) this.o.timers.clearTimeout(s.timer);
    this.inputs.clear();
    if (lines === undefined) return;
    if (switchOff) {
      for (const out of PANEL_OUTPUTS) {
        await lines.outputs[out].write(this.level(false, out === 'buzzer' ? this.o.activeLow.buzzer : this.o.activeLow.leds)).catch(() => undefined);
      }
    }
    await lines.release().catch(() => undefined);
  }

  private lost(err: unknown): void {
    if (this.lines === undefined) return;
    this.o.logger?.warn({ code: toKioskError(err).code }, 'panel I/O lost');
    this.failed = true;
    void this.release(false);
    this.refresh();
  }

  private edge(name: PanelInput, value: GpioLevel): void {
    const s = this.inputs.get(name);
    if (s === undefined) return;
    s.raw = this.active(name, value);
    if (s.timer !== undefined) this.stats.bounces += 1;
    this.o.timers.clearTimeout(s.timer);
    s.timer = this.o.timers.setTimeout(() => {
      s.timer = undefined;
      if (s.raw === s.stable) return;
      s.stable = s.raw;
      this.settled(name, s.stable);
    }, this.o.debounceMs);
  }

  private settled(name: PanelInput, active: boolean): void {
    if (name === 'door') {
      if (active) this.stats.doorOpenings += 1;
      this.events.emit('door', { open: active });
    } else if (name === 'tamper') {
      if (active) this.stats.tamperEvents += 1;
      this.events.emit('tamper', { active });
      this.refresh();
    } else if (active) {
      if (!this.enabled) { this.stats.ignoredPresses += 1; return; }
      this.stats.presses += 1;
      this.events.emit('button', { button: name });
    }
  }

  private async drive(out: PanelOutput, on: boolean, activeLow: boolean): Promise<void> {
    const lines = this.requireOpen();
    await lines.outputs[out].write(this.level(on, activeLow));
  }

  private requireOpen(): PanelLines {
    if (this.lines !== undefined) return this.lines;
    if (this.failed) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', `${this.id}: panel I/O not available`, { disconnected: true, retryable: true });
    throw new KioskError('KIOSK_E_DEVICE_STATE', `${this.id}: panel not open`);
  }

  private active(name: PanelInput, v: GpioLevel): boolean {
    const low = name === 'door' ? this.o.activeLow.door : name === 'tamper' ? this.o.activeLow.tamper : this.o.activeLow.buttons;
    return (v === 1) !== low;
  }

  private level(on: boolean, activeLow: boolean): GpioLevel {
    return on !== activeLow ? 1 : 0;
  }

  private refresh(): void {
    let s: DeviceStatus;
    if (this.lines !== undefined) s = this.inputs.get('tamper')?.stable === true ? STATUS_TAMPER : STATUS_ONLINE;
    else s = this.failed ? STATUS_LOST : STATUS_CLOSED;
    if (s.state === this.st.state && s.reason === this.st.reason && s.text === this.st.text) return;
    this.st = s;
    this.events.emit('status', s);
  }
}
