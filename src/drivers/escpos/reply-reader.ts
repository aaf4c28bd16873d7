import { KioskError } from '../../errors/index.js';
import { decodeStatusByte, type PrinterCondition, type StatusRequest } from './status.js';

/** What the next reply bytes should be, in the order the requests were sent. */
export type Expectation =
  | { readonly kind: 'status'; readonly n: StatusRequest }
  /** GS r 1: any one byte; it only proves that everything sent before it was processed. */
  | { readonly kind: 'sync' }
  /** GS I 1/2/3: one byte. */
  | { readonly kind: 'id-byte' }
  /** GS I 0x41..: `5F text 00`. */
  | { readonly kind: 'id-text' };

export type ReplyItem =
  | { readonly kind: 'status'; readonly n: StatusRequest; readonly byte: number; readonly flags: Partial<PrinterCondition> }
  | { readonly kind: 'sync'; readonly byte: number }
  | { readonly kind: 'id-byte'; readonly byte: number }
  | { readonly kind: 'id-text'; readonly text: string }
  /** Bytes that break the expected reply. `consumed`: the expectation is gone (its reply cannot come any more). */
  | { readonly kind: 'invalid'; readonly expected: Expectation['kind']; readonly bytes: Buffer; readonly error: KioskError; readonly consumed: boolean }
  | { readonly kind: 'unsolicited'; readonly bytes: Buffer };

/** Longest `GS I` text reply kept before it counts as garbage. */
export const MAX_ID_TEXT = 80;

/**
 * Matches the printer's unframed replies to the requests sent, byte by byte, in any chunking. Status bytes
 * are checked against the fixed bits (a stray byte is reported and skipped, the request still waits);
 * bytes nobody asked for are reported as unsolicited. Pure: no timers, no I/O.
 */
export class ReplyReader {
  private readonly queue: Expectation[] = [];
  private text: number[] | undefined;
  /** One per byte examined (the fuzzer's hang check). */
  steps = 0;

  expect(...e: Expectation[]): void { this.queue.push(...e); }

  /** Drops the waiting expectations and any half-read text (after a timeout). */
  cancel(): void { this.queue.length = 0; this.text = undefined; }

  get waiting(): number { return this.queue.length; }

  push(chunk: Uint8Array): ReplyItem[] {
    const out: ReplyItem[] = [];
    let stray: number[] = [];
    const flushStray = (): void => { if (stray.length) { out.push({ kind: 'unsolicited', bytes: Buffer.from(stray) }); stray = []; } };
    for (const byte of chunk) {
      this.steps++;
      const e = this.queue[0];
      if (!e) { stray.push(byte); continue; }
      flushStray();
      switch (e.kind) {
        case 'status':
          try {
            out.push({ kind: 'status', n: e.n, byte, flags: decodeStatusByte(e.n, byte) });
            this.queue.shift();
          } catch (err) {
            out.push({ kind: 'invalid', expected: 'status', bytes: Buffer.of(byte), error: err as KioskError, consumed: false });
          }
          break;
        case 'sync': out.push({ kind: 'sync', byte }); this.queue.shift(); break;
        case 'id-byte': out.push({ kind: 'id-byte', byte }); this.queue.shift(); break;
        case 'id-text': this.textByte(byte, out); break;
      }
    }
    flushStray();
    return out;
  }

  private textByte(byte: number, out: ReplyItem[]): void {
    if (this.text === undefined) {
      if (byte === 0x5f) { this.text = []; return; }
      out.push({ kind: 'invalid', expected: 'id-text', bytes: Buffer.of(byte), error: new KioskError('KIOSK_E_DEVICE_PROTOCOL', 'GS I text reply does not start with 0x5F', { retryable: true }), consumed: false });
      return;
    }
    if (byte === 0x00) {
      const text = Buffer.from(this.text).toString('latin1').replace(/[^\x20-\x7e]/g, '').trim();
      this.text = undefined;
      this.queue.shift();
      out.push({ kind: 'id-text', text });
      return;
    }
    this.text.push(byte);
    if (this.text.length > MAX_ID_TEXT) {
      const bytes = Buffer.from([0x5f, ...this.text]);
      this.text = undefined;
      this.queue.shift();
      out.push({ kind: 'invalid', expected: 'id-text', bytes, error: new KioskError('KIOSK_E_DEVICE_PROTOCOL', 'GS I text reply longer than allowed', { retryable: true }), consumed: true });
    }
  }
}
