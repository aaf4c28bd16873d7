import type { Logger } from 'pino';
import { KioskError, toKioskError } from '../../errors/index.js';
import { STATUS_CLOSED, STATUS_ONLINE, TypedEmitter, isUsable } from '../../hal/index.js';
import type {
  Clock, DeviceEvents, DeviceHealth, DeviceIdentity, DeviceStatistics, DeviceStatus, Display, DisplayFrame, DisplayGeometry,
  TimerHandle, Timers,
} from '../../hal/index.js';
import type { J5IoHandle, J5IoOpener, J5IoPlugin } from '../../hal/j5-io.js';
import { loadJohnnyFive, startBoard, stopBoardTimer, type J5Board, type J5Lcd, type JohnnyFive } from '../io-board/index.js';
import { diffRuns, toGlassLine } from './text.js';

export interface Hd44780Options {
  readonly id?: string;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger?: Logger;
  /** The IO plugin the PCF8574 backpack hangs off (firmata-io, the Pi's I²C bus, a simulator). */
  readonly openIo: J5IoOpener;
  /** PCF8574 address: 0x27 (PCF8574/T) or 0x3F (PCF8574A/AT) by default. */
  readonly address: number;
  /** johnny-five LCD controller; all PCF8574 aliases share one pin map. Defaults to `PCF8574`. */
  readonly controller?: string;
  /** How long the IO plugin may take to become ready (Arduino reset + Firmata handshake). Default 10 s. */
  readonly readyTimeoutMs?: number;
  /** How long a presence read may take, after queued writes. Default 2 s (57600-baud Firmata is slow). */
  readonly probeTimeoutMs?: number;
  /** Replaces the lazy `import('johnny-five')` (tests count loads). */
  readonly loadFive?: () => Promise<JohnnyFive>;
  readonly onListenerError?: (err: unknown, event: string) => void;
}

const GEOMETRY: DisplayGeometry = { cols: 20, rows: 4, charset: 'ascii' };
const STATUS_LOST: DeviceStatus = { state: 'offline', reason: 'no-reply', text: 'LCD backpack does not answer on I²C' };
// HD44780 "display control": display on, cursor off, blink off.
const DISPLAY_ON_CURSOR_OFF = 0x0c;

interface Connection {
  readonly handle: J5IoHandle;
  readonly board: J5Board;
  /** Absent until the LCD is initialised (the presence probe runs first). */
  readonly lcd: J5Lcd | undefined;
  readonly detach: () => void;
}

type Phase = 'closed' | 'online' | 'offline';

/**
 * HD44780 20×4 character LCD behind a PCF8574 I²C backpack, driven through johnny-five's `LCD` class.
 * johnny-five writes I²C fire-and-forget and never learns of a NACK, so presence is checked with a
 * one-byte read of the PCF8574 port (queued behind the writes, so it also marks them done): no answer in
 * time, an IO `error` or a transport close → offline, and show() fails fast until open() or
 * checkHealth() reconnects.
 */
export class Hd44780Display implements Display {
  readonly kind = 'display' as const;
  readonly id: string;
  private readonly o: Hd44780Options;
  private readonly events: TypedEmitter<DeviceEvents>;
  private phase: Phase = 'closed';
  private st: DeviceStatus = STATUS_CLOSED;
  private conn: Connection | undefined;
  private opening: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private glass: string[] = blank();
  private shown: DisplayFrame = { lines: ['', '', '', ''] };
  private failProbe: ((err: KioskError) => void) | undefined;
  private readonly stats = { frames: 0, cellsWritten: 0, probeFailures: 0, connects: 0 };

  constructor(opts: Hd44780Options) {
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

  async open(): Promise<void> {
    if (this.phase === 'online') return;
    this.opening ??= this.connect().finally(() => { this.opening = undefined; });
    return this.opening;
  }

  async enable(): Promise<void> {}
  async disable(): Promise<void> {}

  async close(): Promise<void> {
    await this.opening?.catch(() => undefined);
    this.phase = 'closed';
    await this.teardown();
    this.setStatus(STATUS_CLOSED);
  }

  async checkHealth(): Promise<DeviceHealth> {
    if (this.phase === 'online') {
      await this.serial(() => this.probe()).catch(() => undefined);
    } else if (this.phase === 'offline') {
      await this.open().catch(() => undefined);
    }
    return { ok: isUsable(this.st), status: this.st };
  }

  async identify(): Promise<DeviceIdentity> {
    return {
      model: 'HD44780 20x4', serial: `i2c-0x${this.o.address.toString(16)}`, firmware: this.conn?.handle.io.name ?? 'unknown',
      protocol: 'hd44780-pcf8574', extra: { cols: GEOMETRY.cols, rows: GEOMETRY.rows, charset: GEOMETRY.charset, address: this.o.address },
    };
  }

  show(frame: DisplayFrame): Promise<void> {
    return this.serial(async () => {
      const conn = this.requireOnline();
      const lines = Array.from({ length: GEOMETRY.rows }, (_, r) => toGlassLine(frame.lines[r] ?? '', GEOMETRY.cols));
      const runs = diffRuns(this.glass, lines);
      try {
        for (const run of runs) {
          conn.lcd.setCursor(run.col, run.row);
          conn.lcd.print(run.text, { dontProcessSpecials: true });
          this.stats.cellsWritten += run.text.length;
        }
      } catch (err) {
        this.lost(toKioskError(err, 'KIOSK_E_DEVICE_OFFLINE'));
        throw this.offlineError(err);
      }
      this.glass = lines;
      this.shown = { lines: lines.map((l) => l.trimEnd()) };
      this.stats.frames += 1;
      await this.probe();
    });
  }

  // ---- connection ----

  private async connect(): Promise<void> {
    await this.teardown();
    let handle: J5IoHandle | undefined;
    try {
      handle = await this.o.openIo();
      const five = await (this.o.loadFive ?? loadJohnnyFive)();
      const io = handle.io;
      const board = await startBoard(five, io, {
        timers: this.o.timers, readyTimeoutMs: this.o.readyTimeoutMs ?? 10_000, onError: (e) => this.lost(toKioskError(e, 'KIOSK_E_DEVICE_OFFLINE')),
      });
      const detach = this.watchIo(io);
      this.conn = { handle, board, detach, lcd: undefined };
      this.phase = 'offline';
      io.i2cConfig({ address: this.o.address });
      // Probe before the ~40 init writes: an absent backpack fails here, fast.
      await this.probe();
      const lcd = new five.LCD({ board, controller: this.o.controller ?? 'PCF8574', address: this.o.address, rows: GEOMETRY.rows, cols: GEOMETRY.cols });
      // johnny-five's PCF8574 init ORs the entry-mode bits into its display-control state and leaves the
      // cursor on; its own noCursor() then sends 0x04 (an entry-mode instruction). Set display control directly.
      lcd.command(DISPLAY_ON_CURSOR_OFF);
      this.conn = { handle, board, detach, lcd };
      this.glass = blank();
      this.shown = { lines: ['', '', '', ''] };
      await this.probe();
      this.phase = 'online';
      this.stats.connects += 1;
      this.setStatus(STATUS_ONLINE);
    } catch (err) {
      if (this.conn === undefined && handle !== undefined) await handle.close().catch(() => undefined);
      await this.teardown();
      this.phase = 'offline';
      this.setStatus(STATUS_LOST);
      this.o.logger?.warn({ err: toKioskError(err).code }, 'LCD not available');
      throw this.offlineError(err);
    }
  }

  private watchIo(io: J5IoPlugin): () => void {
    const onError = (e: unknown): void => this.lost(toKioskError(e, 'KIOSK_E_DEVICE_OFFLINE'));
    const onClose = (): void => this.lost(new KioskError('KIOSK_E_DEVICE_OFFLINE', 'IO transport closed', { disconnected: true }));
    io.on('error', onError);
    io.on('close', onClose);
    io.on('disconnect', onClose);
    return () => {
      io.removeListener('error', onError);
      io.removeListener('close', onClose);
      io.removeListener('disconnect', onClose);
    };
  }

  private async teardown(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    if (conn === undefined) return;
    conn.detach();
    stopBoardTimer(conn.board);
    // A late johnny-five `error` must not throw out of an EventEmitter with no listener.
    conn.handle.io.on('error', () => {});
    await conn.handle.close().catch(() => undefined);
  }

  /** The link or the backpack is gone: fail the waiting probe, go offline, free the transport. */
  private lost(err: KioskError): void {
    this.failProbe?.(err);
    if (this.phase !== 'online') return;
    this.phase = 'offline';
    this.stats.probeFailures += 1;
    this.setStatus(STATUS_LOST);
    this.o.logger?.warn({ code: err.code }, 'LCD lost');
    void this.teardown();
  }

  private probe(): Promise<void> {
    const io = this.conn?.handle.io;
    if (io === undefined) return Promise.reject(this.offlineError());
    return new Promise<void>((resolve, reject) => {
      let done = false;
      let timer: TimerHandle | undefined;
      const finish = (err?: KioskError): void => {
        if (done) return;
        done = true;
        this.failProbe = undefined;
        this.o.timers.clearTimeout(timer);
        if (err) {
          this.lost(err);
          reject(this.offlineError(err));
        } else {
          resolve();
        }
      };
      this.failProbe = (e) => finish(e);
      timer = this.o.timers.setTimeout(() => finish(new KioskError('KIOSK_E_DEVICE_TIMEOUT', 'no I²C answer', { retryable: true })), this.o.probeTimeoutMs ?? 2000);
      try {
        io.i2cReadOnce(this.o.address, 1, () => finish());
      } catch (e) {
        finish(toKioskError(e, 'KIOSK_E_DEVICE_OFFLINE'));
      }
    });
  }

  private requireOnline(): Connection & { readonly lcd: J5Lcd } {
    if (this.phase === 'closed') throw new KioskError('KIOSK_E_DEVICE_STATE', `${this.id}: display not open`);
    const conn = this.conn;
    if (this.phase !== 'online' || conn?.lcd === undefined) throw this.offlineError();
    return { ...conn, lcd: conn.lcd };
  }

  private offlineError(cause?: unknown): KioskError {
    return new KioskError('KIOSK_E_DEVICE_OFFLINE', `${this.id}: LCD not connected`, { disconnected: true, retryable: true, cause });
  }

  /** One bus user at a time: frames and health probes never interleave their I²C traffic. */
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

function blank(): string[] {
  return Array.from({ length: GEOMETRY.rows }, () => ' '.repeat(GEOMETRY.cols));
}
