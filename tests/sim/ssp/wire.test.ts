import { describe, it, expect } from 'vitest';
import { PacketReader, buildPacket, crc16 } from './wire.js';
import { aesKey, open, probablyPrime, seal } from './crypto.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// The simulator's own reading of PROTOCOLS.md §1.2, pinned to the same GA138 vectors as the driver.
const VECTORS: [number[], string][] = [
  [[0x11], '7F 80 01 11 65 82'],
  [[0xf0], '7F 80 01 F0 23 80'],
  [[0x06, 0x08], '7F 80 02 06 08 03 94'],
  [[0xf8], '7F 80 01 F8 10 00'],
  [[0xf0, 0xee, 0x01, 0xeb], '7F 80 04 F0 EE 01 EB B9 48'],
  [[0xf0, 0xef, 0x03], '7F 80 03 F0 EF 03 C5 CA'],
  [[0xf0, 0xe8], '7F 80 02 F0 E8 4F A2'],
  [[0xf0, 0x00, 0x1c, 0x96, 0x2c], '7F 80 05 F0 00 1C 96 2C D4 97'],
  [[0x02, 0xff, 0xff], '7F 80 03 02 FF FF 25 A4'],
  [[0xf5], '7F 80 01 F5 3D 80'],
];

describe('simulator wire format', () => {
  it.each(VECTORS)('builds %j as in GA138', (data, wire) => {
    expect(buildPacket(0x80, data)).toEqual(hex(wire));
  });

  it('builds POLL with seq=0', () => {
    expect(buildPacket(0x00, [0x07])).toEqual(hex('7F 00 01 07 11 88'));
    expect(crc16([0x80, 0x01, 0x11])).toBe(0x8265);
  });

  it('reads packets byte by byte, undoes stuffing and drops bad CRCs', () => {
    const r = new PacketReader();
    const wire = Buffer.concat([hex('7F 80 01 F0 23 81'), buildPacket(0x00, [0xf0, 0x7f]), hex('7F 80 01 11 65 82')]);
    const got = [...wire].flatMap((b) => r.feed([b]));
    expect(got.map((p) => [p.seqId, p.data.toString('hex')])).toEqual([[0x00, 'f07f'], [0x80, '11']]);
    expect(r.badCrc).toBe(1);
  });

  it('seals and opens eSSP packets; the GA973 generator and modulus are prime', () => {
    const key = aesKey(0x0123456701234567n, 99n);
    const zero = (n: number) => Buffer.alloc(n);
    const p = seal(key, 5, [0x07], zero);
    expect(p.length).toBe(17);
    expect(open(key, p)).toEqual({ count: 5, data: Buffer.of(0x07) });
    expect(open(aesKey(1n, 99n), p)).toBeUndefined();
    expect(probablyPrime(0x7b059425n) && probablyPrime(0x068bfb6bn)).toBe(true);
    expect(probablyPrime(3215031751n)).toBe(false);
  });
});
