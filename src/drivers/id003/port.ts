import { KioskError, isKioskError } from '../../errors/index.js';
import type { ByteLink, TimerHandle, Timers } from '../../hal/index.js';
import { Id003Decoder, type Id003Frame } from './frame.js';

export interface PortCounters {
  frameErrors: number;
  crcErrors: number;
  timeouts: number;
  unsolicited: number;
}

/** Which frames can answer a request; others are stale answers to an earlier, timed-out request. */
export type ReplyFilter = (frame: Id003Frame) => boolean;

interface Pending {
  accepts: ReplyFilter;
  resolve(frame: Id003Frame): void;
  reject(err: KioskError): void;
  timer: TimerHandle;
  lastError: KioskError | undefined;
}

/**
 * One request, one reply over a ByteLink: the host is master, so at most one request is outstanding.
 * The caller serialises requests; this only pairs each write with the next good frame.
 */
export class Id003Port {
  private readonly decoder = new Id003Decoder();
  private pending: Pending | undefined;
  private readonly offData: () => void;

  constructor(
    private readonly link: ByteLink,
    private readonly timers: Timers,
    private readonly replyTimeoutMs: number,
    /** Shared with the driver so counts survive reconnects. */
    readonly counters: PortCounters = { frameErrors: 0, crcErrors: 0, timeouts: 0, unsolicited: 0 },
  ) {
    this.offData = link.onData((chunk) => this.onChunk(chunk));
  }

  get isOpen(): boolean { return this.link.isOpen; }

  private onChunk(chunk: Buffer): void {
    for (const r of this.decoder.push(chunk)) {
      if (r.error) {
        if (r.error.code === 'KIOSK_E_FRAME_CRC') this.counters.crcErrors++;
        else this.counters.frameErrors++;
        if (this.pending) this.pending.lastError = r.error;
        continue;
      }
      const p = this.pending;
      if (!p || !p.accepts(r.frame)) { this.counters.unsolicited++; continue; }
      this.pending = undefined;
      this.timers.clearTimeout(p.timer);
      p.resolve(r.frame);
    }
  }

  /**
   * Writes a frame and resolves with the next good frame `accepts` lets through; rejects on timeout
   * (with the last frame error seen, if any).
   */
  async request(frame: Uint8Array, accepts: ReplyFilter = () => true): Promise<Id003Frame> {
    if (this.pending) throw new KioskError('KIOSK_E_INTERNAL', 'ID-003 request while another is outstanding');
    const reply = new Promise<Id003Frame>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        const p = this.pending;
        this.pending = undefined;
        this.counters.timeouts++;
        // A late or partial answer must not prefix the next reply.
        this.decoder.reset();
        reject(p?.lastError ?? new KioskError('KIOSK_E_DEVICE_TIMEOUT', 'no answer from the bill validator', { retryable: true }));
      }, this.replyTimeoutMs);
      this.pending = { accepts, resolve, reject, timer, lastError: undefined };
    });
    try {
      await this.link.write(frame);
    } catch (err) {
      const p = this.pending as Pending | undefined;
      this.pending = undefined;
      if (p) this.timers.clearTimeout(p.timer);
      reply.catch(() => {});
      throw isKioskError(err) ? err : new KioskError('KIOSK_E_DEVICE_OFFLINE', 'write failed', { retryable: true, disconnected: true, cause: err });
    }
    return reply;
  }

  /** Writes a frame that has no answer (ACK to VEND VALID). */
  async send(frame: Uint8Array): Promise<void> {
    try {
      await this.link.write(frame);
    } catch (err) {
      throw isKioskError(err) ? err : new KioskError('KIOSK_E_DEVICE_OFFLINE', 'write failed', { retryable: true, disconnected: true, cause: err });
    }
  }

  /** Fails any outstanding request and releases the link. */
  async close(): Promise<void> {
    this.offData();
    const p = this.pending;
    this.pending = undefined;
    if (p) {
      this.timers.clearTimeout(p.timer);
      p.reject(new KioskError('KIOSK_E_DEVICE_OFFLINE', 'link closed', { retryable: true, disconnected: true }));
    }
    try { await this.link.close(); } catch { /* already gone */ }
  }
}
