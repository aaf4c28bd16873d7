import type { Logger } from 'pino';
import { KioskError, toKioskError } from '../../errors/index.js';
import { STATUS_CLOSED, STATUS_ONLINE, TypedEmitter, isUsable } from '../../hal/index.js';
import type {
  DeviceEvents, DeviceHealth, DeviceIdentity, DeviceStatistics, DeviceStatus, Display, DisplayFrame, DisplayGeometry,
} from '../../hal/index.js';
import { COLS, ROWS, initSequence, layoutRow, rowText, rowUpdate } from './codec.js';
import type { SpiLink } from './spi-link.js';

export interface St7920Options {
  readonly id?: string;
  readonly logger?: Logger;
  readonly openSpi: () => Promise<SpiLink>;
  /** Recorded in identify(); e.g. `spidev0.0`. */
  readonly path?: string;
  readonly onListenerError?: (err: unknown, event: string) => void;
}

const GEOMETRY: DisplayGeometry = { cols: COLS, rows: ROWS, charset: 'gb2312' };
const STATUS_LOST: DeviceStatus = { state: 'offline', reason: 'no-transport', text: 'SPI device not available' };

/**
 * ST7920 128×64 in text mode with its GB2312 font ROM, over the serial (SPI-like) interface: 16 half-width
 * cells or 8 hanzi per row, 4 rows. The serial interface cannot read back, so a missing module is
 * invisible; only a failing spidev makes it offline.
 */
export class St7920Display implements Display {
  readonly kind = 'display' as const;
  readonly id: string;
  private readonly o: St7920Options;
  private readonly events: TypedEmitter<DeviceEvents>;
  private st: DeviceStatus = STATUS_CLOSED;
  private link: SpiLink | undefined;
  private phase: 'closed' | 'online' | 'offline' = 'closed';
  private opening: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private rows: (Uint8Array | undefined)[] = [];
  private shown: DisplayFrame = { lines: ['', '', '', ''] };
  private readonly stats = { frames: 0, bytesSent: 0, transferErrors: 0 };

  constructor(opts: St7920Options) {
    this.o = opts;
    this.id = opts.id ?? 'display';
    this.events = new TypedEmitter<DeviceEvents>(opts.onListenerError);
  }

  geometry(): DisplayGeometry { return GEOMETRY; }
  current(): DisplayFrame { return this.shown; }
  status(): DeviceStatus { return this.st; }
  statistics(): DeviceStatistics { return { ...this.stats }; }
  on<K extends keyof DeviceEvents & string>(event: K, listener: (payload: DeviceEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }
  async enable(): Promise<void> {}
  async disable(): Promise<void> {}
  async identify(): Promise<DeviceIdentity> {
    return { model: 'ST7920 128x64', serial: this.o.path ?? 'spi', firmware: 'GB2312 ROM', protocol: 'st7920-serial', extra: { cols: COLS, rows: ROWS, charset: 'gb2312' } };
  }

  async checkHealth(): Promise<DeviceHealth> {
    if (this.phase === 'offline') await this.open().catch(() => undefined);
    return { ok: isUsable(this.st), status: this.st };
  }

  async open(): Promise<void> {
    if (this.phase === 'online') return;
    this.opening ??= this.connect().finally(() => { this.opening = undefined; });
    return this.opening;
  }

  async close(): Promise<void> {
    await this.opening?.catch(() => undefined);
    this.phase = 'closed';
    const link = this.link;
    this.link = undefined;
    await link?.close().catch(() => undefined);
    this.setStatus(STATUS_CLOSED);
  }

  show(frame: DisplayFrame): Promise<void> {
    return this.serial(async () => {
      if (this.phase === 'closed') throw new KioskError('KIOSK_E_DEVICE_STATE', `${this.id}: display not open`);
      const link = this.link;
      if (this.phase !== 'online' || link === undefined) throw this.offline();
      const next = Array.from({ length: ROWS }, (_, r) => layoutRow(frame.lines[r] ?? ''));
      const bytes = next.flatMap((row, r) => rowUpdate(r, this.rows[r], row));
      await this.send(link, bytes);
      this.rows = next;
      this.shown = { lines: next.map(rowText) };
      this.stats.frames += 1;
    });
  }

  private async connect(): Promise<void> {
    try {
      this.link ??= await this.o.openSpi();
      const blank = Array.from({ length: ROWS }, () => layoutRow(''));
      await this.send(this.link, [...initSequence(), ...blank.flatMap((row, r) => rowUpdate(r, undefined, row))]);
      this.rows = blank;
      this.shown = { lines: ['', '', '', ''] };
      this.phase = 'online';
      this.setStatus(STATUS_ONLINE);
    } catch (err) {
      const link = this.link;
      this.link = undefined;
      await link?.close().catch(() => undefined);
      this.phase = 'offline';
      this.setStatus(STATUS_LOST);
      this.o.logger?.warn({ code: toKioskError(err).code }, 'ST7920 not available');
      throw this.offline(err);
    }
  }

  private async send(link: SpiLink, bytes: number[]): Promise<void> {
    if (bytes.length === 0) return;
    try {
      await link.transfer(Uint8Array.from(bytes));
      this.stats.bytesSent += bytes.length;
    } catch (err) {
      this.stats.transferErrors += 1;
      if (this.phase === 'online') {
        this.phase = 'offline';
        this.link = undefined;
        void link.close().catch(() => undefined);
        this.setStatus(STATUS_LOST);
      }
      throw this.offline(err);
    }
  }

  private offline(cause?: unknown): KioskError {
    return new KioskError('KIOSK_E_DEVICE_OFFLINE', `${this.id}: SPI display not available`, { disconnected: true, retryable: true, cause });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private setStatus(s: DeviceStatus): void {
    if (s.state === this.st.state && s.reason === this.st.reason && s.text === this.st.text) return;
    this.st = s;
    this.events.emit('status', s);
  }
}
