import { constants } from 'node:fs';
import { open as fsOpen } from 'node:fs/promises';
import { KioskError } from '../../errors/index.js';
import { systemTimers, type ByteLink, type TimerHandle, type Timers } from '../../hal/index.js';

/** The part of a node:fs FileHandle the link uses (tests pass a fake). */
export interface LpHandle {
  read(buffer: Buffer, offset: number, length: number, position: null): Promise<{ bytesRead: number }>;
  write(buffer: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }>;
  close(): Promise<void>;
}

export interface UsbLpOptions {
  /** The USB printer class device, e.g. `/dev/usb/lp0`. */
  readonly path: string;
  /** How often the read side is polled for status replies. Defaults to 20 ms. */
  readonly readPollMs?: number;
  /** How long a write may keep getting EAGAIN (printer buffer full) before it fails. Defaults to 10 s. */
  readonly writeTimeoutMs?: number;
  readonly timers?: Timers;
  /** Opens the device; defaults to fs `open(path, O_RDWR | O_NONBLOCK | O_NOCTTY)`. */
  readonly openHandle?: (path: string) => Promise<LpHandle>;
}

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;
const offline = (message: string, cause?: unknown): KioskError => new KioskError('KIOSK_E_DEVICE_OFFLINE', message, { disconnected: true, retryable: true, cause });

/**
 * A ByteLink over the Linux USB printer class driver (usblp). The device is opened read/write and
 * non-blocking: bidirectional printers answer DLE EOT / GS r / GS I on the bulk-in endpoint, which the
 * same fd reads. A blocking read would pin a libuv pool thread while the printer is silent, so reads are
 * polled on a timer and EAGAIN means "nothing yet". Any other error (ENODEV, EIO after an unplug) closes
 * the link.
 */
export class UsbLpLink implements ByteLink {
  private closed = false;
  private readonly dataListeners = new Set<(chunk: Buffer) => void>();
  private readonly closeListeners = new Set<(err?: Error) => void>();
  private readTimer: TimerHandle | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly buf = Buffer.alloc(512);
  private readonly timers: Timers;
  private readonly pollMs: number;
  private readonly writeTimeoutMs: number;

  private constructor(private readonly fh: LpHandle, o: UsbLpOptions) {
    this.timers = o.timers ?? systemTimers;
    this.pollMs = o.readPollMs ?? 20;
    this.writeTimeoutMs = o.writeTimeoutMs ?? 10_000;
    this.scheduleRead();
  }

  static async open(o: UsbLpOptions): Promise<UsbLpLink> {
    const opener = o.openHandle ?? ((p: string) => fsOpen(p, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOCTTY));
    try {
      return new UsbLpLink(await opener(o.path), o);
    } catch (e) {
      throw offline(`cannot open ${o.path}: ${(e as Error).message}`, e);
    }
  }

  get isOpen(): boolean { return !this.closed; }

  write(data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(offline('usblp link closed'));
    const run = this.writing.then(() => this.writeAll(Buffer.from(data)));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async writeAll(data: Buffer): Promise<void> {
    let off = 0;
    let waited = 0;
    while (off < data.length) {
      if (this.closed) throw offline('usblp link closed');
      try {
        const { bytesWritten } = await this.fh.write(data, off, data.length - off);
        off += bytesWritten;
        if (bytesWritten > 0) { waited = 0; continue; }
      } catch (e) {
        if (errno(e) !== 'EAGAIN') { this.fail(e as Error); throw offline(`usblp write failed: ${(e as Error).message}`, e); }
      }
      // The printer's buffer is full (EAGAIN or a zero-byte write): retry after a poll period, bounded.
      if (waited >= this.writeTimeoutMs) throw new KioskError('KIOSK_E_DEVICE_TIMEOUT', 'usblp printer does not take data', { retryable: true });
      await new Promise<void>((r) => this.timers.setTimeout(r, this.pollMs));
      waited += this.pollMs;
    }
  }

  private scheduleRead(): void {
    if (this.closed) return;
    this.readTimer = this.timers.setTimeout(() => { this.readTimer = undefined; void this.readOnce(); }, this.pollMs);
  }

  private async readOnce(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      let n = 0;
      try {
        n = (await this.fh.read(this.buf, 0, this.buf.length, null)).bytesRead;
      } catch (e) {
        if (errno(e) === 'EAGAIN' || errno(e) === 'EWOULDBLOCK') break;
        this.fail(e as Error);
        return;
      }
      // usblp returns 0 when the printer has nothing to say; it is not an end of file.
      if (n === 0 || this.closed) break;
      const chunk = Buffer.from(this.buf.subarray(0, n));
      for (const fn of [...this.dataListeners]) fn(chunk);
      if (n < this.buf.length) break;
    }
    this.scheduleRead();
  }

  private fail(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.timers.clearTimeout(this.readTimer);
    this.readTimer = undefined;
    void this.fh.close().catch(() => undefined);
    for (const fn of [...this.closeListeners]) fn(err);
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    this.dataListeners.add(listener);
    return () => { this.dataListeners.delete(listener); };
  }

  onClose(listener: (err?: Error) => void): () => void {
    this.closeListeners.add(listener);
    return () => { this.closeListeners.delete(listener); };
  }

  async close(): Promise<void> {
    this.fail();
  }
}
