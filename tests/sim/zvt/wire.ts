/**
 * The simulator's own ZVT wire code. It deliberately shares nothing with src/drivers/zvt, so that a
 * misreading of the spec cannot hide on both sides; both are pinned to the vectors in PROTOCOLS.md §6.1.
 */

/** CRC-16/CCITT, reflected polynomial 0x8408, init 0 — table-driven here (the driver loops bit by bit). */
const TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x8408 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc(bytes: Iterable<number>): number {
  let c = 0;
  for (const b of bytes) c = (c >>> 8) ^ TABLE[(c ^ b) & 0xff]!;
  return c;
}

/** Decimal digits → BCD bytes, `n` bytes, zero-padded on the left. */
export function bcd(value: number | string, n: number): number[] {
  const s = String(value).padStart(n * 2, '0').slice(-n * 2);
  const out: number[] = [];
  for (let i = 0; i < s.length; i += 2) out.push(parseInt(s.slice(i, i + 2), 16));
  return out;
}

export function unbcd(bytes: readonly number[]): number {
  return Number(bytes.map((b) => b.toString(16).padStart(2, '0')).join(''));
}

/** A PAN as ZVT BMP 22 data: BCD digits, F-padded to whole bytes; `maskFrom`..`maskTo` digits as E. */
export function panBcd(pan: string, mask?: { keepHead: number; keepTail: number }): number[] {
  let digits = pan;
  if (mask) digits = pan.slice(0, mask.keepHead) + 'E'.repeat(pan.length - mask.keepHead - mask.keepTail) + pan.slice(-mask.keepTail);
  if (digits.length % 2) digits += 'F';
  const out: number[] = [];
  for (let i = 0; i < digits.length; i += 2) out.push(parseInt(digits.slice(i, i + 2), 16));
  return out;
}

/** LL / LLL prefix: F0+digit per decimal digit of the length. */
export function varLen(n: number, digits: number): number[] {
  return String(n).padStart(digits, '0').split('').map((d) => 0xf0 + Number(d));
}

export const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')];

export function apdu(cls: number, ins: number, data: readonly number[] = []): Buffer {
  const len = data.length;
  const head = len >= 255 ? [cls, ins, 0xff, len % 256, Math.floor(len / 256)] : [cls, ins, len];
  return Buffer.from([...head, ...data]);
}

/** BER-TLV object with a 1..3-byte tag. */
export function tlv(tag: number, value: readonly number[]): number[] {
  const tagBytes = tag > 0xffff ? [tag >> 16, (tag >> 8) & 0xff, tag & 0xff] : tag > 0xff ? [tag >> 8, tag & 0xff] : [tag];
  const l = value.length;
  const len = l < 128 ? [l] : l < 256 ? [0x81, l] : [0x82, l >> 8, l & 0xff];
  return [...tagBytes, ...len, ...value];
}

/** BMP 06: a TLV container, TLV-length encoded. */
export function tlvContainer(objects: readonly number[]): number[] {
  const l = objects.length;
  const len = l < 128 ? [l] : l < 256 ? [0x81, l] : [0x82, l >> 8, l & 0xff];
  return [0x06, ...len, ...objects];
}

export interface SimApdu { cls: number; ins: number; data: number[] }

/** Reads APDUs off a byte stream (TCP). */
export class ApduReader {
  private buf: number[] = [];
  push(chunk: Uint8Array): SimApdu[] {
    this.buf.push(...chunk);
    const out: SimApdu[] = [];
    for (;;) {
      if (this.buf.length < 3) break;
      let head = 3;
      let len = this.buf[2]!;
      if (len === 0xff) {
        if (this.buf.length < 5) break;
        head = 5;
        len = this.buf[3]! + 256 * this.buf[4]!;
      }
      if (this.buf.length < head + len) break;
      out.push({ cls: this.buf[0]!, ins: this.buf[1]!, data: this.buf.slice(head, head + len) });
      this.buf = this.buf.slice(head + len);
    }
    return out;
  }
}

export function parseOne(bytes: readonly number[]): SimApdu | undefined {
  const r = new ApduReader().push(Uint8Array.from(bytes));
  return r.length === 1 ? r[0] : undefined;
}

/** Serial frame: 10 02, APDU with 10 doubled, 10 03, CRC(APDU + 03) low byte first. */
export function frame(apduBytes: readonly number[], corruptCrc = false): Buffer {
  const body: number[] = [];
  for (const b of apduBytes) body.push(...(b === 0x10 ? [0x10, 0x10] : [b]));
  let c = crc([...apduBytes, 0x03]);
  if (corruptCrc) c ^= 0x5a5a;
  return Buffer.from([0x10, 0x02, ...body, 0x10, 0x03, c & 0xff, c >> 8]);
}

export type LinkItem = { kind: 'ack' } | { kind: 'nak' } | { kind: 'frame'; apdu: number[] } | { kind: 'bad' };

/** Serial receive side: single ACK/NAK bytes between frames, and CRC-checked frames. */
export class FrameReader {
  private state: 'out' | 'dle' | 'in' | 'in-dle' | 'crc1' | 'crc2' = 'out';
  private body: number[] = [];
  private lo = 0;

  push(chunk: Uint8Array): LinkItem[] {
    const out: LinkItem[] = [];
    for (const b of chunk) {
      switch (this.state) {
        case 'out':
          if (b === 0x06) out.push({ kind: 'ack' });
          else if (b === 0x15) out.push({ kind: 'nak' });
          else if (b === 0x10) this.state = 'dle';
          break;
        case 'dle':
          if (b === 0x02) { this.state = 'in'; this.body = []; } else this.state = 'out';
          break;
        case 'in':
          if (b === 0x10) this.state = 'in-dle'; else this.body.push(b);
          break;
        case 'in-dle':
          if (b === 0x10) { this.body.push(0x10); this.state = 'in'; } else if (b === 0x03) this.state = 'crc1';
          else { out.push({ kind: 'bad' }); this.state = b === 0x02 ? 'in' : 'out'; this.body = []; }
          break;
        case 'crc1':
          this.lo = b;
          this.state = 'crc2';
          break;
        case 'crc2': {
          const ok = crc([...this.body, 0x03]) === (this.lo | (b << 8));
          out.push(ok ? { kind: 'frame', apdu: this.body } : { kind: 'bad' });
          this.state = 'out';
          this.body = [];
          break;
        }
      }
    }
    return out;
  }
}
