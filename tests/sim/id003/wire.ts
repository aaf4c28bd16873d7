/**
 * The simulator's own ID-003 wire code, written apart from src/drivers so a shared bug cannot hide:
 * a table-driven CRC-16/KERMIT and a plain frame scanner.
 */
const KERMIT_TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function kermit(bytes: ArrayLike<number>, length = bytes.length): number {
  let c = 0;
  for (let i = 0; i < length; i++) c = (c >>> 8) ^ KERMIT_TABLE[(c ^ bytes[i]!) & 0xff]!;
  return c;
}

/** `FC LNG code payload… crcLo crcHi`. */
export function packet(code: number, payload: ArrayLike<number> = []): Buffer {
  const out = Buffer.alloc(payload.length + 5);
  out[0] = 0xfc;
  out[1] = out.length;
  out[2] = code;
  for (let i = 0; i < payload.length; i++) out[3 + i] = payload[i]!;
  const c = kermit(out, out.length - 2);
  out.writeUInt16LE(c, out.length - 2);
  return out;
}

export interface HostPacket {
  readonly code: number;
  readonly payload: Buffer;
}

/** Collects host packets from a byte stream; anything that does not check out is counted and skipped. */
export class PacketScanner {
  private pending = Buffer.alloc(0);
  rejected = 0;

  feed(chunk: Buffer): HostPacket[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const found: HostPacket[] = [];
    while (this.pending.length > 0) {
      const start = this.pending.indexOf(0xfc);
      if (start < 0) { this.rejected++; this.pending = Buffer.alloc(0); break; }
      if (start > 0) { this.rejected++; this.pending = this.pending.subarray(start); }
      if (this.pending.length < 2) break;
      const size = this.pending[1]!;
      if (size < 5) { this.rejected++; this.pending = this.pending.subarray(1); continue; }
      if (this.pending.length < size) break;
      const body = this.pending.subarray(0, size);
      if (kermit(body, size - 2) !== body.readUInt16LE(size - 2)) { this.rejected++; this.pending = this.pending.subarray(1); continue; }
      found.push({ code: body[2]!, payload: Buffer.from(body.subarray(3, size - 2)) });
      this.pending = this.pending.subarray(size);
    }
    return found;
  }

  clear(): void { this.pending = Buffer.alloc(0); }
}
