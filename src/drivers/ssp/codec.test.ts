import { describe, it, expect } from 'vitest';
import { sspCrc16 } from './crc.js';
import { FrameDecoder, encodeFrame, type DecodeItem } from './frame.js';
import * as c from './commands.js';
import { decodeReply, parseCounters, parseSerial, parseSetup, parseAscii, rejectReason } from './replies.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const frames = (items: DecodeItem[]) => items.flatMap((i) => (i.kind === 'frame' ? [i.frame] : []));
const errors = (items: DecodeItem[]) => items.flatMap((i) => (i.kind === 'error' ? [i.error.code] : []));

// PROTOCOLS.md §1.2 test vectors (GA138, CRC re-verified).
const HOST: [string, Uint8Array, string][] = [
  ['SYNC', c.sync(), '7F 80 01 11 65 82'],
  ['RESET', c.reset(), '7F 80 01 01 06 02'],
  ['HOST PROTOCOL VERSION 8', c.hostProtocolVersion(8), '7F 80 02 06 08 03 94'],
  ['HOST PROTOCOL VERSION 9', c.hostProtocolVersion(9), '7F 80 02 06 09 06 14'],
  ['POLL', c.poll(), '7F 80 01 07 12 02'],
  ['GET SERIAL NUMBER', c.getSerialNumber(), '7F 80 01 0C 2B 82'],
  ['SET INHIBITS ch1-3', c.setInhibits([1, 2, 3]), '7F 80 03 02 07 00 2B B6'],
  ['SET INHIBITS all', c.setInhibits([...Array(16).keys()].map((i) => i + 1)), '7F 80 03 02 FF FF 25 A4'],
  ['ENABLE', c.enable(), '7F 80 01 0A 3F 82'],
  ['DISABLE', c.disable(), '7F 80 01 09 35 82'],
  ['HOLD', c.hold(), '7F 80 01 18 53 82'],
  ['REJECT', c.reject(), '7F 80 01 08 30 02'],
  ['SETUP REQUEST', c.setupRequest(), '7F 80 01 05 1D 82'],
];

const DEVICE: [string, string, string][] = [
  ['generic OK', '7F 80 01 F0 23 80', 'F0'],
  ['FAIL', '7F 80 01 F8 10 00', 'F8'],
  ['credit ch1 + stacked', '7F 80 04 F0 EE 01 EB B9 48', 'F0 EE 01 EB'],
  ['read ch3', '7F 80 03 F0 EF 03 C5 CA', 'F0 EF 03'],
  ['reading', '7F 80 03 F0 EF 00 CF CA', 'F0 EF 00'],
  ['credit ch4', '7F 80 03 F0 EE 04 D7 CC', 'F0 EE 04'],
  ['slave reset', '7F 80 01 F1 26 00', 'F1'],
  ['disabled', '7F 80 02 F0 E8 4F A2', 'F0 E8'],
  ['serial', '7F 80 05 F0 00 1C 96 2C D4 97', 'F0 00 1C 96 2C'],
  ['unit data', '7F 80 0D F0 00 30 33 30 30 45 55 52 01 00 00 07 01 85', 'F0 00 30 33 30 30 45 55 52 01 00 00 07'],
  ['cannot process', '7F 80 01 F5 3D 80', 'F5'],
];

describe('SSP CRC and framing (PROTOCOLS.md vectors)', () => {
  it.each(HOST)('encodes %s', (_n, data, wire) => {
    expect(encodeFrame(0x80, data).toString('hex')).toBe(hex(wire).toString('hex'));
  });

  it('encodes POLL with seq=0 and DISPLAY ON/OFF', () => {
    expect(encodeFrame(0x00, c.poll())).toEqual(hex('7F 00 01 07 11 88'));
    expect(encodeFrame(0x80, Uint8Array.of(0x03))).toEqual(hex('7F 80 01 03 09 82'));
    expect(encodeFrame(0x80, Uint8Array.of(0x04))).toEqual(hex('7F 80 01 04 18 02'));
  });

  it.each(DEVICE)('decodes %s', (_n, wire, data) => {
    const out = new FrameDecoder().push(hex(wire));
    expect(errors(out)).toEqual([]);
    const [f] = frames(out);
    expect(f?.data).toEqual(hex(data));
    expect(f?.seq).toBe(1);
    expect(f?.address).toBe(0);
  });

  it('computes the CRC over SEQ/ID, LEN and DATA, low byte first on the wire', () => {
    expect(sspCrc16(hex('80 01 11'))).toBe(0x8265);
  });

  it('stuffs every 0x7F after STX (including CRC bytes) and unstuffs it again', () => {
    const data = Uint8Array.of(0xf0, 0x7f, 0x7f, 0x01);
    const wire = encodeFrame(0x80, data);
    const stuffedCount = [...wire.subarray(1)].filter((b) => b === 0x7f).length;
    expect(stuffedCount % 2).toBe(0);
    expect(wire.subarray(0, 8)).toEqual(hex('7F 80 04 F0 7F 7F 7F 7F'));
    const [f] = frames(new FrameDecoder().push(wire));
    expect(f?.data).toEqual(Buffer.from(data));
  });

  it('finds a stuffed CRC byte (search a DATA whose CRC contains 0x7F)', () => {
    let found: Uint8Array | undefined;
    for (let i = 0; i < 256 && !found; i++) {
      const d = Uint8Array.of(0xf0, i);
      const crc = sspCrc16(Uint8Array.of(0x80, 2, 0xf0, i));
      if ((crc & 0xff) === 0x7f || crc >> 8 === 0x7f) found = d;
    }
    expect(found).toBeDefined();
    const wire = encodeFrame(0x80, found!);
    expect(wire.length).toBe(8); // 7 bytes + one doubled 0x7F
    expect(frames(new FrameDecoder().push(wire))[0]?.data).toEqual(Buffer.from(found!));
  });

  it('decodes across arbitrary chunk boundaries, one byte at a time', () => {
    const wire = Buffer.concat([hex('7F 80 04 F0 EE 01 EB B9 48'), encodeFrame(0x00, Uint8Array.of(0xf0, 0x7f))]);
    const d = new FrameDecoder();
    const got = [...wire].flatMap((b) => frames(d.push(Uint8Array.of(b))));
    expect(got.map((f) => f.data.toString('hex'))).toEqual(['f0ee01eb', 'f07f']);
  });

  it('reports a CRC error and resynchronises on the next frame', () => {
    const out = new FrameDecoder().push(hex('7F 80 01 F0 23 81 7F 80 01 F0 23 80'));
    expect(errors(out)).toEqual(['KIOSK_E_FRAME_CRC']);
    expect(frames(out)).toHaveLength(1);
  });

  it('reports noise once and a lone 0x7F abandons a frame', () => {
    const out = new FrameDecoder().push(hex('01 02 03 7F 80 05 F0 7F 80 01 F0 23 80'));
    expect(errors(out)).toEqual(['KIOSK_E_FRAME_SYNTAX', 'KIOSK_E_FRAME_SYNTAX']);
    expect(frames(out)[0]?.data).toEqual(hex('F0'));
  });

  it('rejects LEN 0 as a length error', () => {
    // The bytes after the refused header are then noise until the next STX.
    expect(errors(new FrameDecoder().push(hex('7F 80 00 00 00')))).toEqual(['KIOSK_E_FRAME_LENGTH', 'KIOSK_E_FRAME_SYNTAX']);
  });
});

describe('SSP replies', () => {
  it('splits the generic response', () => {
    expect(decodeReply(hex('F8'))).toMatchObject({ ok: false, name: 'fail' });
    expect(decodeReply(hex('FA'))).toMatchObject({ ok: false, name: 'key-not-set' });
    expect(decodeReply(hex('F0 01'))).toMatchObject({ ok: true, payload: hex('01') });
  });

  it('parses the GA973 §8.3 SETUP REQUEST example (pv 6, EUR 5/10/20/50)', () => {
    const p = hex('00 30333335 455552 000001 04 050A1432 02020202 000064 06 455552455552455552455552 05000000 0A000000 14000000 32000000');
    const s = parseSetup(p);
    expect(s).toMatchObject({ unitType: 0, firmware: '0335', country: 'EUR', realMultiplier: 100, protocolVersion: 6 });
    expect(s.channels.map((ch) => [ch.channel, ch.value, ch.currency])).toEqual([[1, 500, 'EUR'], [2, 1000, 'EUR'], [3, 2000, 'EUR'], [4, 5000, 'EUR']]);
  });

  it('parses a pv 4 SETUP REQUEST from channel bytes × multiplier', () => {
    const s = parseSetup(hex('00 30313130 434E59 000001 03 01050A 020202 000064 04'));
    expect(s.channels.map((ch) => ch.value)).toEqual([100, 500, 1000]);
    expect(s.channels.every((ch) => ch.currency === 'CNY')).toBe(true);
  });

  it('refuses a truncated SETUP REQUEST with a protocol error', () => {
    expect(() => parseSetup(hex('00 30333335 455552 000001 04 050A'))).toThrow(expect.objectContaining({ code: 'KIOSK_E_DEVICE_PROTOCOL' }));
  });

  it('reads the serial big-endian, versions as ASCII, counters little-endian', () => {
    expect(parseSerial(hex('00 1C 96 2C'))).toBe(1873452);
    expect(parseAscii(Buffer.from('NV02004141498000\0'))).toBe('NV02004141498000');
    expect(parseCounters(hex('05 03000000 00000000 00000000 00000000 01000000'))).toEqual({ stacked: 3, stored: 0, dispensed: 0, transferred: 0, rejected: 1 });
  });

  it('maps reject codes to contract reasons', () => {
    expect(rejectReason(0x13)).toBe('timeout');
    expect(rejectReason(0x08)).toBe('returned-by-host');
    expect(rejectReason(0x06)).toBe('inhibited');
    expect(rejectReason(0x02)).toBe('not-recognised');
    expect(rejectReason(0xee)).toBe('other');
  });
});
