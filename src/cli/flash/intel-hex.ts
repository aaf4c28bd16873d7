import { KioskError } from '../../errors/index.js';

/** A firmware image: contiguous bytes from `start`, gaps filled with 0xFF (erased flash). */
export interface FlashImage {
  readonly start: number;
  readonly data: Uint8Array;
}

const invalid = (line: number, why: string): KioskError =>
  new KioskError('KIOSK_E_FIRMWARE_INVALID', `not valid Intel HEX: line ${line}: ${why}`, { details: { line } });

/** Largest image accepted: far above any AVR's flash, so a stray address cannot allocate gigabytes. */
export const MAX_IMAGE_BYTES = 1024 * 1024;

/**
 * Parses Intel HEX (records 00 data, 01 end of file, 02/04 extended addresses, 03/05 start addresses),
 * checking every record's checksum. Throws KIOSK_E_FIRMWARE_INVALID with the line number.
 */
export function parseIntelHex(text: string): FlashImage {
  const chunks: { addr: number; bytes: Uint8Array }[] = [];
  let base = 0;
  let sawEof = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const no = i + 1;
    if (line === '') continue;
    if (sawEof) throw invalid(no, 'data after the end-of-file record');
    if (line[0] !== ':') throw invalid(no, 'a record must start with ":"');
    const hex = line.slice(1);
    if (hex.length < 10 || hex.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(hex)) throw invalid(no, 'not a hexadecimal record');
    const bytes = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
    const len = bytes[0]!;
    if (bytes.length !== len + 5) throw invalid(no, `length byte says ${len} data bytes, record has ${bytes.length - 5}`);
    const sum = bytes.reduce((a, b) => (a + b) & 0xff, 0);
    if (sum !== 0) throw invalid(no, 'checksum mismatch');
    const offset = (bytes[1]! << 8) | bytes[2]!;
    const type = bytes[3]!;
    const data = bytes.subarray(4, 4 + len);
    switch (type) {
      case 0x00: chunks.push({ addr: base + offset, bytes: data }); break;
      case 0x01: sawEof = true; break;
      case 0x02: if (len !== 2) throw invalid(no, 'extended segment address needs 2 bytes'); base = ((data[0]! << 8) | data[1]!) * 16; break;
      case 0x04: if (len !== 2) throw invalid(no, 'extended linear address needs 2 bytes'); base = ((data[0]! << 8) | data[1]!) * 0x10000; break;
      case 0x03: case 0x05: break;
      default: throw invalid(no, `unknown record type 0x${type.toString(16).padStart(2, '0')}`);
    }
  }
  if (!sawEof) throw invalid(lines.length, 'no end-of-file record (:00000001FF); the file is truncated');
  if (chunks.length === 0) throw invalid(lines.length, 'no data records');
  const start = Math.min(...chunks.map((c) => c.addr));
  const end = Math.max(...chunks.map((c) => c.addr + c.bytes.length));
  if (end - start > MAX_IMAGE_BYTES) throw invalid(lines.length, `image spans ${end - start} bytes`);
  const image = new Uint8Array(end - start).fill(0xff);
  for (const c of chunks) image.set(c.bytes, c.addr - start);
  return { start, data: image };
}

/** Encodes an image as Intel HEX (16-byte records), for tests and for saving a read-back. */
export function toIntelHex(img: FlashImage): string {
  const rec = (type: number, addr: number, data: ArrayLike<number>): string => {
    const bytes = [data.length, (addr >> 8) & 0xff, addr & 0xff, type, ...Array.from(data)];
    const sum = (0x100 - (bytes.reduce((a, b) => a + b, 0) & 0xff)) & 0xff;
    return `:${[...bytes, sum].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join('')}`;
  };
  const out: string[] = [];
  let upper = -1;
  for (let i = 0; i < img.data.length; i += 16) {
    const addr = img.start + i;
    if (addr >>> 16 !== upper) { upper = addr >>> 16; out.push(rec(0x04, 0, [upper >> 8, upper & 0xff])); }
    out.push(rec(0x00, addr & 0xffff, img.data.subarray(i, Math.min(i + 16, img.data.length))));
  }
  out.push(':00000001FF');
  return `${out.join('\n')}\n`;
}
