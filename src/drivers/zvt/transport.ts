import { KioskError, isKioskError } from '../../errors/index.js';
import type { ByteLink, TimerHandle, Timers } from '../../hal/index.js';
import { ApduStreamDecoder, parseApdu, type Apdu } from './apdu.js';
import { ACK, NAK, SerialFrameDecoder, encodeSerialFrame } from './frame.js';

export interface TransportCounters {
  crcErrors: number;
  frameErrors: number;
  naksSent: number;
  naksReceived: number;
  retransmits: number;
  ackTimeouts: number;
}

export const newTransportCounters = (): TransportCounters => ({ crcErrors: 0, frameErrors: 0, naksSent: 0, naksReceived: 0, retransmits: 0, ackTimeouts: 0 });

/**
 * APDUs over one ByteLink, whatever carries them: the serial transport frames (DLE STX … DLE ETX CRC)
 * and acknowledges each frame; the TCP transport writes APDUs as they are.
 */
export interface ZvtTransport {
  /** Sends one APDU. Serial: resolves once the PT ACKed the frame (≤ 3 retransmissions on NAK/timeout). */
  send(apdu: Uint8Array): Promise<void>;
  /** Each APDU received (serial: already ACKed at link level). */
  onApdu(fn: (apdu: Apdu) => void): () => void;
  /** Link-level faults the transport survived (bad CRC, broken framing, wrong APDU length). */
  onError(fn: (err: KioskError) => void): () => void;
  onClose(fn: (err?: Error) => void): () => void;
  close(): Promise<void>;
  readonly isOpen: boolean;
  readonly counters: TransportCounters;
}

abstract class BaseTransport implements ZvtTransport {
  protected readonly apduListeners = new Set<(a: Apdu) => void>();
  protected readonly errorListeners = new Set<(e: KioskError) => void>();
  private readonly offData: () => void;

  constructor(protected readonly link: ByteLink, readonly counters: TransportCounters) {
    this.offData = link.onData((chunk) => this.onChunk(chunk));
  }

  abstract send(apdu: Uint8Array): Promise<void>;
  protected abstract onChunk(chunk: Buffer): void;

  get isOpen(): boolean { return this.link.isOpen; }
  onApdu(fn: (apdu: Apdu) => void): () => void { this.apduListeners.add(fn); return () => { this.apduListeners.delete(fn); }; }
  onError(fn: (err: KioskError) => void): () => void { this.errorListeners.add(fn); return () => { this.errorListeners.delete(fn); }; }
  onClose(fn: (err?: Error) => void): () => void { return this.link.onClose(fn); }

  protected emitApdu(a: Apdu): void { for (const fn of [...this.apduListeners]) fn(a); }
  protected emitError(e: KioskError): void { for (const fn of [...this.errorListeners]) fn(e); }

  protected async write(bytes: Uint8Array): Promise<void> {
    try {
      await this.link.write(bytes);
    } catch (err) {
      throw isKioskError(err) ? err : new KioskError('KIOSK_E_DEVICE_OFFLINE', 'write failed', { retryable: true, disconnected: true, cause: err });
    }
  }

  async close(): Promise<void> {
    this.offData();
    this.apduListeners.clear();
    try { await this.link.close(); } catch { /* already gone */ }
  }
}

export interface SerialTransportOptions {
  /** Wait for the PT's ACK to one frame. Defaults to 2000 ms. */
  readonly ackTimeoutMs?: number;
  /** Retransmissions after a NAK or a missing ACK. Defaults to 3. */
  readonly maxRetries?: number;
}

interface AckWaiter { resolve(ok: boolean): void; timer: TimerHandle }

/** RS-232 transport (9600 8N2): DLE framing, CRC, ACK 06 / NAK 15, retransmission. */
export class SerialZvtTransport extends BaseTransport {
  private readonly decoder = new SerialFrameDecoder();
  private readonly ackTimeoutMs: number;
  private readonly maxRetries: number;
  private waiter: AckWaiter | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(link: ByteLink, private readonly timers: Timers, opts: SerialTransportOptions = {}, counters = newTransportCounters()) {
    super(link, counters);
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 2000;
    this.maxRetries = opts.maxRetries ?? 3;
  }

  send(apdu: Uint8Array): Promise<void> {
    const run = this.chain.then(() => this.sendFramed(apdu));
    this.chain = run.then(() => undefined, () => undefined);
    return run;
  }

  private async sendFramed(apdu: Uint8Array): Promise<void> {
    const frame = encodeSerialFrame(apdu);
    let lastNak = false;
    for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
      if (attempt > 0) this.counters.retransmits++;
      const acked = new Promise<boolean | undefined>((resolve) => {
        const timer = this.timers.setTimeout(() => { this.waiter = undefined; resolve(undefined); }, this.ackTimeoutMs);
        this.waiter = { resolve: (ok) => { this.timers.clearTimeout(timer); this.waiter = undefined; resolve(ok); }, timer };
      });
      try {
        await this.write(frame);
      } catch (err) {
        this.dropWaiter();
        throw err;
      }
      const ok = await acked;
      if (ok === true) return;
      if (ok === false) { this.counters.naksReceived++; lastNak = true; } else { this.counters.ackTimeouts++; lastNak = false; }
      if (!this.link.isOpen) break;
    }
    if (!this.link.isOpen) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'serial link closed', { retryable: true, disconnected: true });
    throw lastNak
      ? new KioskError('KIOSK_E_FRAME_CRC', 'terminal kept refusing the frame (NAK)', { retryable: true })
      : new KioskError('KIOSK_E_DEVICE_TIMEOUT', 'terminal did not acknowledge the frame', { retryable: true });
  }

  private dropWaiter(): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) this.timers.clearTimeout(w.timer);
  }

  protected onChunk(chunk: Buffer): void {
    for (const item of this.decoder.push(chunk)) {
      switch (item.type) {
        case 'ack': this.waiter?.resolve(true); break;
        case 'nak': this.waiter?.resolve(false); break;
        case 'error':
          if (item.error.code === 'KIOSK_E_FRAME_CRC') {
            this.counters.crcErrors++;
            this.counters.naksSent++;
            this.write(Uint8Array.of(NAK)).catch(() => {});
          } else {
            this.counters.frameErrors++;
          }
          this.emitError(item.error);
          break;
        case 'frame': {
          this.write(Uint8Array.of(ACK)).catch(() => {});
          let apdu: Apdu;
          try {
            apdu = parseApdu(item.apdu);
          } catch (err) {
            this.counters.frameErrors++;
            this.emitError(isKioskError(err) ? err : new KioskError('KIOSK_E_FRAME_SYNTAX', 'unparsable APDU'));
            break;
          }
          this.emitApdu(apdu);
          break;
        }
      }
    }
  }

  override async close(): Promise<void> {
    this.waiter?.resolve(false);
    await super.close();
  }
}

/** TCP transport (default port 20007): raw APDUs, no framing, no link-level ACK. */
export class TcpZvtTransport extends BaseTransport {
  private readonly decoder = new ApduStreamDecoder();

  send(apdu: Uint8Array): Promise<void> {
    return this.write(apdu);
  }

  protected onChunk(chunk: Buffer): void {
    for (const a of this.decoder.push(chunk)) this.emitApdu(a);
  }
}
