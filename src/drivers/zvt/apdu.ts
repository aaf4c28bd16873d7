import { KioskError } from '../../errors/index.js';

/** One ZVT application protocol data unit: class byte, instruction byte, data. */
export interface Apdu {
  readonly cls: number;
  readonly ins: number;
  readonly data: Uint8Array;
}

/** Largest data length a long APDU can announce (0xFF + two bytes little-endian). */
export const MAX_APDU_DATA = 0xffff;

/** CLASS INSTR LEN data; LEN ≥ 0xFF is written as FF lo hi. */
export function encodeApdu(cls: number, ins: number, data: Uint8Array | readonly number[] = []): Uint8Array {
  const body = data instanceof Uint8Array ? data : Uint8Array.from(data);
  if (body.length > MAX_APDU_DATA) throw new KioskError('KIOSK_E_INTERNAL', 'APDU data too long');
  const head = body.length < 0xff ? [cls, ins, body.length] : [cls, ins, 0xff, body.length & 0xff, body.length >> 8];
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

/** Header size and announced data length, or undefined while the header is incomplete. */
export function apduHeader(bytes: Uint8Array): { headerLength: number; dataLength: number } | undefined {
  if (bytes.length < 3) return undefined;
  if (bytes[2] !== 0xff) return { headerLength: 3, dataLength: bytes[2]! };
  if (bytes.length < 5) return undefined;
  return { headerLength: 5, dataLength: bytes[3]! | (bytes[4]! << 8) };
}

/** Parses exactly one APDU; the announced length must match the bytes present. */
export function parseApdu(bytes: Uint8Array): Apdu {
  const h = apduHeader(bytes);
  if (!h) throw new KioskError('KIOSK_E_FRAME_LENGTH', 'APDU shorter than its header', { details: { length: bytes.length } });
  if (bytes.length !== h.headerLength + h.dataLength) {
    throw new KioskError('KIOSK_E_FRAME_LENGTH', 'APDU length field does not match its data', {
      details: { announced: h.dataLength, present: bytes.length - h.headerLength },
    });
  }
  return { cls: bytes[0]!, ins: bytes[1]!, data: bytes.slice(h.headerLength) };
}

/**
 * Splits a TCP byte stream into APDUs (ZVT over TCP has no framing beyond the length field). There is no
 * resynchronisation point in such a stream, so the caller drops the connection on a message it cannot
 * understand.
 */
export class ApduStreamDecoder {
  private buf: Uint8Array = new Uint8Array(0);
  /** Loop iterations so far: a fuzz harness bounds these to detect hangs. */
  steps = 0;

  get buffered(): number { return this.buf.length; }

  push(chunk: Uint8Array): Apdu[] {
    const merged = new Uint8Array(this.buf.length + chunk.length);
    merged.set(this.buf, 0);
    merged.set(chunk, this.buf.length);
    const out: Apdu[] = [];
    let at = 0;
    for (;;) {
      this.steps++;
      const rest = merged.subarray(at);
      const h = apduHeader(rest);
      if (!h || rest.length < h.headerLength + h.dataLength) break;
      const end = h.headerLength + h.dataLength;
      out.push({ cls: rest[0]!, ins: rest[1]!, data: rest.slice(h.headerLength, end) });
      at += end;
    }
    this.buf = merged.slice(at);
    return out;
  }

  reset(): void { this.buf = new Uint8Array(0); }
}
