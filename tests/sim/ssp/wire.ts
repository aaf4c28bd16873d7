/**
 * Device-side SSP wire format, written independently of src/drivers (PROTOCOLS.md §1.2): a second reading
 * of the spec, pinned to the same byte vectors, so a misreading cannot hide on both sides.
 */

/** Bit-by-bit CRC-16/0x8005, seed 0xFFFF, exactly as the spec's pseudo-code reads. */
export function crc16(bytes: ArrayLike<number>): number {
  let crc = 0xffff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= (bytes[i]! & 0xff) << 8;
    for (let k = 0; k < 8; k++) crc = (crc & 0x8000) !== 0 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** STX + stuffed (SEQ/ID LEN DATA CRCL CRCH). */
export function buildPacket(seqId: number, data: ArrayLike<number>): Buffer {
  const body = [seqId & 0xff, data.length];
  for (let i = 0; i < data.length; i++) body.push(data[i]! & 0xff);
  const crc = crc16(body);
  body.push(crc & 0xff, (crc >> 8) & 0xff);
  const out = [0x7f];
  for (const b of body) { out.push(b); if (b === 0x7f) out.push(0x7f); }
  return Buffer.from(out);
}

export interface RxPacket {
  readonly seqId: number;
  readonly data: Buffer;
}

/**
 * The slave's receiver: `7F` starts a packet, `7F 7F` inside is a literal, a lone `7F` discards the packet
 * so far (GA138), complete at LEN + 5 unstuffed bytes. Bad CRCs are dropped and counted.
 */
export class PacketReader {
  private acc: number[] | undefined;
  private pendingSync = false;
  badCrc = 0;

  feed(chunk: ArrayLike<number>): RxPacket[] {
    const got: RxPacket[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.acc === undefined) { if (b === 0x7f) { this.acc = []; this.pendingSync = false; } continue; }
      if (this.pendingSync) {
        this.pendingSync = false;
        if (b !== 0x7f) { this.acc = [b]; continue; } // lone sync: restart, this byte is the address
      } else if (b === 0x7f) { this.pendingSync = true; continue; }
      this.acc.push(b);
      const a = this.acc;
      if (a.length >= 2 && a.length === a[1]! + 4) {
        this.acc = undefined;
        const crc = a[a.length - 2]! | (a[a.length - 1]! << 8);
        if (a[1] === 0 || crc16(a.slice(0, a.length - 2)) !== crc) { this.badCrc++; continue; }
        got.push({ seqId: a[0]!, data: Buffer.from(a.slice(2, a.length - 2)) });
      }
    }
    return got;
  }
}
