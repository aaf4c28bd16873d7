import { KioskError } from '../../errors/index.js';
import { crc16Kermit } from './crc.js';

export const SYNC = 0xfc;
/** SYNC + LNG + CMD + CRC (two bytes): a frame without data. */
export const MIN_FRAME_LENGTH = 5;
/** LNG is one byte, so a frame is at most 255 bytes (250 data bytes). */
export const MAX_FRAME_LENGTH = 255;
export const MAX_DATA_LENGTH = MAX_FRAME_LENGTH - MIN_FRAME_LENGTH;

/** One ID-003 message in either direction: a command or status byte and its data. */
export interface Id003Frame {
  readonly cmd: number;
  readonly data: Uint8Array;
}

/** `FC LNG CMD DATA… CRCL CRCH`, LNG counting every byte of the frame. */
export function encodeFrame(cmd: number, data: ArrayLike<number> = []): Uint8Array {
  if (!Number.isInteger(cmd) || cmd < 0 || cmd > 0xff) throw new KioskError('KIOSK_E_FRAME_SYNTAX', `command byte out of range: ${cmd}`);
  if (data.length > MAX_DATA_LENGTH) throw new KioskError('KIOSK_E_FRAME_LENGTH', `data too long: ${data.length}`);
  const len = data.length + MIN_FRAME_LENGTH;
  const out = new Uint8Array(len);
  out[0] = SYNC;
  out[1] = len;
  out[2] = cmd;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (!Number.isInteger(b) || b < 0 || b > 0xff) throw new KioskError('KIOSK_E_FRAME_SYNTAX', `data byte out of range at ${i}`);
    out[3 + i] = b;
  }
  const crc = crc16Kermit(out, 0, len - 2);
  out[len - 2] = crc & 0xff;
  out[len - 1] = crc >>> 8;
  return out;
}

export type DecodeResult =
  | { readonly frame: Id003Frame; readonly error?: undefined }
  | { readonly frame?: undefined; readonly error: KioskError };

export interface DecoderOptions {
  /**
   * Loop iterations allowed per pushed byte (plus a small constant). Every iteration consumes at least
   * one byte or stops, so exceeding this means a decoder bug; it throws KIOSK_E_INTERNAL rather than hang.
   */
  readonly stepsPerByte?: number;
}

/**
 * Incremental frame decoder over arbitrary chunks. Bad input yields typed errors (never throws) and
 * resynchronises on the next 0xFC: after a bad length or CRC only the SYNC byte is dropped, so a real
 * frame hidden inside a corrupt one is still found.
 */
export class Id003Decoder {
  private buf: Uint8Array = new Uint8Array(0);
  private readonly stepsPerByte: number;
  /** Total loop iterations so far (for fuzzing: a hang shows as a blown step budget). */
  steps = 0;

  constructor(opts: DecoderOptions = {}) {
    this.stepsPerByte = opts.stepsPerByte ?? 2;
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number { return this.buf.length; }

  /** Drops any partial frame (after a reply timeout, so stale bytes cannot prefix the next reply). */
  reset(): void { this.buf = new Uint8Array(0); }

  push(chunk: Uint8Array): DecodeResult[] {
    const buf = new Uint8Array(this.buf.length + chunk.length);
    buf.set(this.buf, 0);
    buf.set(chunk, this.buf.length);
    const out: DecodeResult[] = [];
    const budget = this.stepsPerByte * buf.length + 8;
    let steps = 0;
    let pos = 0;
    for (;;) {
      if (++steps > budget) {
        this.steps += steps;
        this.buf = new Uint8Array(0);
        throw new KioskError('KIOSK_E_INTERNAL', 'ID-003 decoder exceeded its step budget', { details: { reason: 'step-budget', steps } });
      }
      if (pos >= buf.length) break;
      if (buf[pos] !== SYNC) {
        const next = buf.indexOf(SYNC, pos);
        const end = next < 0 ? buf.length : next;
        out.push({ error: new KioskError('KIOSK_E_FRAME_SYNTAX', 'bytes outside a frame', { retryable: true, details: { dropped: end - pos } }) });
        pos = end;
        continue;
      }
      if (buf.length - pos < 2) break;
      const len = buf[pos + 1]!;
      if (len < MIN_FRAME_LENGTH) {
        out.push({ error: new KioskError('KIOSK_E_FRAME_LENGTH', `frame length ${len} below ${MIN_FRAME_LENGTH}`, { retryable: true, details: { length: len } }) });
        pos += 1;
        continue;
      }
      if (buf.length - pos < len) break;
      const crc = crc16Kermit(buf, pos, pos + len - 2);
      const got = buf[pos + len - 2]! | (buf[pos + len - 1]! << 8);
      if (crc !== got) {
        out.push({ error: new KioskError('KIOSK_E_FRAME_CRC', 'frame CRC mismatch', { retryable: true, details: { expected: crc, got } }) });
        pos += 1;
        continue;
      }
      out.push({ frame: { cmd: buf[pos + 2]!, data: buf.slice(pos + 3, pos + len - 2) } });
      pos += len;
    }
    this.steps += steps;
    this.buf = buf.slice(pos);
    return out;
  }
}
