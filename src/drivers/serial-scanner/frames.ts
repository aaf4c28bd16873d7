import { DEFAULT_MAX_LENGTH, decodeScanText, rejectScan, type ScanDecoder, type ScanResult } from './scan-text.js';

/** The line end the scanner appends to every read (programmed on the scanner). */
export type ScanSuffix = 'cr' | 'lf' | 'crlf';

export interface ScanFramerOptions {
  /** Defaults to `cr`. */
  readonly suffix?: ScanSuffix;
  /** Split a leading AIM identifier (`]C1`) into `symbology`. Defaults to true. */
  readonly aim?: boolean;
  /** Longest read in bytes, suffix excluded, AIM prefix included. Defaults to 512. */
  readonly maxLength?: number;
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * Splits a serial scanner's byte stream (any chunking) into reads. A run longer than `maxLength` is
 * reported once as `oversize` and skipped up to the next terminator; a read with control bytes is
 * `garbage`. With `crlf`, a CR not followed by LF stays in the read (and so makes it garbage). A scanner
 * that sends CR LF while `cr` or `lf` is configured still reads cleanly: the extra byte is dropped.
 */
export class ScanFramer implements ScanDecoder<Uint8Array> {
  private readonly suffix: ScanSuffix;
  private readonly aim: boolean;
  private readonly maxLength: number;
  private readonly buf: Uint8Array;
  private len = 0;
  /** Skipping the rest of an oversize run until the next terminator. */
  private discarding = false;
  /** crlf mode: a CR arrived and waits to see whether LF follows. */
  private heldCr = false;
  /** `cr` mode: the previous byte ended a read, so an LF now is the second half of CR LF. */
  private justEnded = false;
  steps = 0;

  constructor(opts: ScanFramerOptions = {}) {
    this.suffix = opts.suffix ?? 'cr';
    this.aim = opts.aim ?? true;
    this.maxLength = opts.maxLength ?? DEFAULT_MAX_LENGTH;
    if (!Number.isInteger(this.maxLength) || this.maxLength < 1) throw new RangeError(`maxLength must be a positive integer, got ${this.maxLength}`);
    // One spare byte: in `lf` mode a read of exactly maxLength may still be followed by the CR of CR LF.
    this.buf = new Uint8Array(this.maxLength + 1);
  }

  get pending(): boolean { return this.len > 0 || this.discarding || this.heldCr; }

  reset(): void {
    this.len = 0;
    this.discarding = false;
    this.heldCr = false;
    this.justEnded = false;
  }

  push(chunk: Uint8Array): ScanResult[] {
    const out: ScanResult[] = [];
    for (let i = 0; i < chunk.length; i++) {
      this.steps++;
      const b = chunk[i]!;
      if (this.suffix === 'crlf') {
        if (this.heldCr) {
          this.heldCr = false;
          if (b === LF) { this.endFrame(out); continue; }
          this.append(CR, out);
        }
        if (b === CR) { this.heldCr = true; continue; }
        this.append(b, out);
        continue;
      }
      const ended = this.justEnded;
      this.justEnded = false;
      if (this.suffix === 'cr') {
        if (b === CR) { this.endFrame(out); this.justEnded = true; continue; }
        if (b === LF && ended) continue;
      } else if (b === LF) {
        if (!this.discarding && this.len > 0 && this.buf[this.len - 1] === CR) this.len--;
        this.endFrame(out);
        continue;
      }
      this.append(b, out);
    }
    return out;
  }

  flush(): ScanResult[] {
    const partial = this.len > 0 || this.heldCr;
    const wasDiscarding = this.discarding;
    this.reset();
    // An oversize run was already reported when it crossed the limit.
    if (!partial || wasDiscarding) return [];
    return [rejectScan('garbage', 'timeout', 'read without terminator timed out')];
  }

  private append(b: number, out: ScanResult[]): void {
    if (this.discarding) return;
    if (this.len >= this.maxLength && !(this.len === this.maxLength && b === CR && this.suffix === 'lf')) {
      this.len = 0;
      this.discarding = true;
      out.push(rejectScan('oversize', 'max-length', `read longer than ${this.maxLength} bytes`, { maxLength: this.maxLength }));
      return;
    }
    this.buf[this.len++] = b;
  }

  private endFrame(out: ScanResult[]): void {
    if (this.discarding) { this.reset(); return; }
    if (this.len === 0) return; // a bare line end carries no read
    const bytes = this.buf.slice(0, this.len);
    this.len = 0;
    out.push(decodeScanText(bytes, { aim: this.aim }));
  }
}
