import { describe, expect, it } from 'vitest';
import { FrameReader, apdu, crc, frame } from './wire.js';

describe('ZVT simulator wire code (PROTOCOLS.md §6.1 vectors)', () => {
  it('frames 80 00 00 and the status enquiry exactly as documented', () => {
    expect(frame([0x80, 0x00, 0x00]).toString('hex')).toBe('1002800000' + '1003f51f');
    expect(frame([0x05, 0x01, 0x03, 0x00, 0x00, 0x00]).toString('hex')).toBe('10020501030000001003dfdb');
    expect(crc([0x80, 0x00, 0x00, 0x03])).toBe(0x1ff5);
  });

  it('reads back its frames (DLE doubled) and flags a broken CRC', () => {
    const a = [...apdu(0x04, 0x0f, [0x10, 0x10, 0x27, 0x00])];
    const r = new FrameReader();
    expect(r.push(Uint8Array.from([0x06, ...frame(a), ...frame(a, true)]))).toEqual([{ kind: 'ack' }, { kind: 'frame', apdu: a }, { kind: 'bad' }]);
  });

  it('writes long APDUs with FF and a little-endian length', () => {
    expect(apdu(0x06, 0xd3, new Array(300).fill(0)).subarray(0, 5).toString('hex')).toBe('06d3ff2c01');
  });
});
