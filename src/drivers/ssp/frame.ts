import { KioskError } from '../../errors/index.js';
import { sspCrc16 } from './crc.js';

/** Start of every SSP frame; also the byte that is doubled inside a frame. */
export const STX = 0x7f;

export interface SspFrame {
  /** The raw SEQ/ID byte: bit 7 = sequence flag, bits 6..0 = slave address. */
  readonly seqId: number;
  readonly address: number;
  readonly seq: 0 | 1;
  /** LEN bytes of DATA (command or generic response + parameters), unstuffed. */
  readonly data: Buffer;
}

export function seqIdByte(address: number, seq: 0 | 1): number {
  return ((seq << 7) | (address & 0x7f)) & 0xff;
}

/** Builds STX SEQ/ID LEN DATA CRCL CRCH and doubles every 0x7F after the STX (§1.2). */
export function encodeFrame(seqId: number, data: Uint8Array): Buffer {
  if (data.length < 1 || data.length > 255) throw new KioskError('KIOSK_E_FRAME_LENGTH', `SSP DATA must be 1..255 bytes, got ${data.length}`);
  const body = Buffer.allocUnsafe(data.length + 4);
  body[0] = seqId & 0xff;
  body[1] = data.length;
  body.set(data, 2);
  const crc = sspCrc16(body, 0, data.length + 2);
  body[data.length + 2] = crc & 0xff;
  body[data.length + 3] = crc >> 8;
  let extra = 0;
  for (const b of body) if (b === STX) extra++;
  const out = Buffer.allocUnsafe(1 + body.length + extra);
  out[0] = STX;
  let j = 1;
  for (const b of body) { out[j++] = b; if (b === STX) out[j++] = STX; }
  return out;
}

export type DecodeItem =
  | { readonly kind: 'frame'; readonly frame: SspFrame }
  | { readonly kind: 'error'; readonly error: KioskError };

const enum St { Idle, Junk, InFrame }

/**
 * Incremental SSP receiver (§1.2 receiver rule). Push any chunking; get frames and typed errors back,
 * never a throw. `7F 7F` inside a frame is one literal 0x7F; a lone `7F` abandons the frame so far and
 * starts a new one, which is how the decoder resynchronises after noise.
 */
export class FrameDecoder {
  private st = St.Idle;
  private buf = Buffer.alloc(260);
  private n = 0;
  private escape = false;
  /** Loop iterations so far (one per input byte): the fuzz harness budgets this to detect hangs. */
  steps = 0;

  push(chunk: Uint8Array): DecodeItem[] {
    const out: DecodeItem[] = [];
    for (let i = 0; i < chunk.length; i++) {
      this.steps++;
      const b = chunk[i]!;
      if (this.st !== St.InFrame) {
        if (b === STX) { this.begin(); continue; }
        if (this.st === St.Idle) {
          this.st = St.Junk; // report a run of noise once, not per byte
          out.push({ kind: 'error', error: syntax('bytes outside a frame') });
        }
        continue;
      }
      if (this.escape) {
        this.escape = false;
        if (b !== STX) {
          out.push({ kind: 'error', error: syntax('lone 0x7F inside a frame; frame abandoned') });
          this.begin();
          this.add(b, out);
          continue;
        }
        this.add(STX, out);
        continue;
      }
      if (b === STX) { this.escape = true; continue; }
      this.add(b, out);
    }
    return out;
  }

  /** Drops a partial frame (e.g. after a reply timeout). */
  reset(): void { this.st = St.Idle; this.n = 0; this.escape = false; }

  private begin(): void { this.st = St.InFrame; this.n = 0; this.escape = false; }

  private add(b: number, out: DecodeItem[]): void {
    this.buf[this.n++] = b;
    if (this.n === 2 && b === 0) {
      out.push({ kind: 'error', error: new KioskError('KIOSK_E_FRAME_LENGTH', 'SSP frame with LEN 0') });
      this.st = St.Idle;
      return;
    }
    if (this.n < 2 || this.n < this.buf[1]! + 4) return;
    const len = this.buf[1]!;
    const crc = this.buf[len + 2]! | (this.buf[len + 3]! << 8);
    this.st = St.Idle;
    if (sspCrc16(this.buf, 0, len + 2) !== crc) {
      out.push({ kind: 'error', error: new KioskError('KIOSK_E_FRAME_CRC', 'SSP frame CRC mismatch', { retryable: true }) });
      return;
    }
    const seqId = this.buf[0]!;
    out.push({ kind: 'frame', frame: { seqId, address: seqId & 0x7f, seq: (seqId >> 7) as 0 | 1, data: Buffer.from(this.buf.subarray(2, 2 + len)) } });
  }
}

function syntax(msg: string): KioskError {
  return new KioskError('KIOSK_E_FRAME_SYNTAX', msg, { retryable: true });
}
