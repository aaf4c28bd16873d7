import { describe, it, expect } from 'vitest';
import { crc16Kermit } from './crc.js';
import { Id003Decoder, encodeFrame, type DecodeResult } from './frame.js';
import * as cmd from './commands.js';

const hex = (s: string): Uint8Array => Uint8Array.from(s.split(' ').map((h) => parseInt(h, 16)));
const codes = (rs: DecodeResult[]): string[] => rs.map((r) => (r.frame ? `frame:${r.frame.cmd.toString(16)}` : r.error.code));

describe('ID-003 CRC-16/KERMIT', () => {
  it('matches the standard check value for "123456789"', () => {
    expect(crc16Kermit(new TextEncoder().encode('123456789'))).toBe(0x2189);
  });
});

describe('ID-003 frame encoding — vectors from PROTOCOLS.md §2.3', () => {
  it.each([
    ['status request', cmd.statusRequest(), 'FC 05 11 27 56'],
    ['ACK', cmd.ack(), 'FC 05 50 AA 05'],
    ['RESET', cmd.reset(), 'FC 05 40 2B 15'],
    ['STACK-1', cmd.stack1(), 'FC 05 41 A2 04'],
    ['RETURN', cmd.returnBill(), 'FC 05 43 B0 27'],
    ['HOLD', cmd.hold(), 'FC 05 44 0F 53'],
    ['inhibit off', cmd.setInhibit(false), 'FC 06 C3 00 04 D6'],
    ['inhibit on', cmd.setInhibit(true), 'FC 06 C3 01 8D C7'],
    ['escrow 0x63 reply', encodeFrame(0x13, [0x63]), 'FC 06 13 63 A2 D8'],
  ])('%s', (_name, frame, expected) => {
    expect([...frame]).toEqual([...hex(expected)]);
  });

  it('encodes the other host commands with the right command byte, LNG and data', () => {
    const cases: [Uint8Array, number, number[]][] = [
      [cmd.stack2(), 0x42, []], [cmd.wait(), 0x45, []],
      [cmd.setEnables(0x0102), 0xc0, [0x02, 0x01]], [cmd.setSecurity(0), 0xc1, [0, 0]],
      [cmd.setCommunicationMode('polling'), 0xc2, [0]], [cmd.setCommunicationMode('interrupt-2'), 0xc2, [2]],
      [cmd.setDirection(0), 0xc4, [0]], [cmd.setOptionalFunction(1, 2), 0xc5, [1, 2]],
      [cmd.setBarcodeFunction(1, 0x12), 0xc6, [1, 0x12]], [cmd.setBarInhibit(2), 0xc7, [2]],
      [cmd.getEnables(), 0x80, []], [cmd.getSecurity(), 0x81, []], [cmd.getCommunicationMode(), 0x82, []],
      [cmd.getInhibit(), 0x83, []], [cmd.getDirection(), 0x84, []], [cmd.getOptionalFunction(), 0x85, []],
      [cmd.versionRequest(), 0x88, []], [cmd.bootVersionRequest(), 0x89, []], [cmd.currencyAssignRequest(), 0x8a, []],
    ];
    for (const [frame, code, data] of cases) {
      expect(frame[0]).toBe(0xfc);
      expect(frame[1]).toBe(frame.length);
      expect(frame[2]).toBe(code);
      expect([...frame.subarray(3, frame.length - 2)]).toEqual(data);
      const out = new Id003Decoder().push(frame);
      expect(out[0]?.frame?.cmd).toBe(code);
    }
  });

  it('refuses out-of-range input', () => {
    expect(() => encodeFrame(0x100)).toThrow(expect.objectContaining({ code: 'KIOSK_E_FRAME_SYNTAX' }));
    expect(() => encodeFrame(0x11, new Array(251).fill(0))).toThrow(expect.objectContaining({ code: 'KIOSK_E_FRAME_LENGTH' }));
    expect(() => cmd.setEnables(0x10000)).toThrow(RangeError);
  });
});

describe('ID-003 incremental decoder', () => {
  it('decodes a frame delivered one byte at a time', () => {
    const d = new Id003Decoder();
    const bytes = encodeFrame(0x13, [0x63]);
    const got: DecodeResult[] = [];
    for (const b of bytes) got.push(...d.push(Uint8Array.of(b)));
    expect(got).toHaveLength(1);
    expect(got[0]?.frame?.cmd).toBe(0x13);
    expect([...got[0]!.frame!.data]).toEqual([0x63]);
    expect(d.buffered).toBe(0);
  });

  it('decodes several frames in one chunk', () => {
    const d = new Id003Decoder();
    const chunk = Uint8Array.from([...cmd.statusRequest(), ...cmd.ack(), ...encodeFrame(0x88, [65, 66])]);
    expect(codes(d.push(chunk))).toEqual(['frame:11', 'frame:50', 'frame:88']);
  });

  it('reports leading garbage once per run as FRAME_SYNTAX and resynchronises on 0xFC', () => {
    const d = new Id003Decoder();
    expect(codes(d.push(Uint8Array.from([1, 2, 3, ...cmd.ack()])))).toEqual(['KIOSK_E_FRAME_SYNTAX', 'frame:50']);
  });

  it('reports a bad CRC and still finds the next frame', () => {
    const bad = cmd.hold();
    bad[3] = bad[3]! ^ 0xff;
    const d = new Id003Decoder();
    expect(codes(d.push(Uint8Array.from([...bad, ...cmd.ack()])))).toEqual(['KIOSK_E_FRAME_CRC', 'KIOSK_E_FRAME_SYNTAX', 'frame:50']);
  });

  it('reports a length below 5 as FRAME_LENGTH', () => {
    const d = new Id003Decoder();
    expect(codes(d.push(Uint8Array.from([0xfc, 0x03, ...cmd.ack()])))).toEqual(['KIOSK_E_FRAME_LENGTH', 'KIOSK_E_FRAME_SYNTAX', 'frame:50']);
  });

  it('finds a real frame hidden inside a corrupt one (after a truncated frame)', () => {
    const d = new Id003Decoder();
    // A frame cut short: its LNG swallows the next frame, the CRC fails, and the decoder rescans inside.
    const truncated = Uint8Array.from([0xfc, 0x0a, 0x13]);
    const out = codes(d.push(Uint8Array.from([...truncated, ...cmd.ack(), ...cmd.ack()])));
    expect(out.filter((c) => c === 'frame:50').length).toBeGreaterThanOrEqual(1);
    expect(out[0]).toBe('KIOSK_E_FRAME_CRC');
  });

  it('waits for the rest of a frame and drops it on reset()', () => {
    const d = new Id003Decoder();
    expect(d.push(Uint8Array.from([0xfc, 0x06, 0x13]))).toEqual([]);
    expect(d.buffered).toBe(3);
    d.reset();
    expect(codes(d.push(cmd.ack()))).toEqual(['frame:50']);
  });
});
