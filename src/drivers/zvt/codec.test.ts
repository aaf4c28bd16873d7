import { describe, expect, it } from 'vitest';
import { isKioskError } from '../../errors/index.js';
import {
  ApduStreamDecoder, SerialFrameDecoder, authorization, crcZvt, decodeAmount, decodeBcd, decodeBmps, decodeMessage,
  encodeAmount, encodeApdu, encodeSerialFrame, maskPans, parseApdu, registration, reversal, statusEnquiry,
  type SerialItem,
} from './index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s/g, ''), 'hex'));

describe('ZVT serial framing and CRC (PROTOCOLS.md §6.1 vectors)', () => {
  it('frames the positive acknowledgement 80 00 00 as 10 02 80 00 00 10 03 F5 1F', () => {
    expect(hex(encodeSerialFrame(bytes('800000')))).toBe('1002800000100 3f51f'.replace(' ', ''));
    expect(crcZvt(bytes('80000003'))).toBe(0x1ff5);
  });

  it('frames the status enquiry (password 000000) as 10 02 05 01 03 00 00 00 10 03 DF DB', () => {
    expect(hex(encodeSerialFrame(statusEnquiry('000000')))).toBe('10020501030000001003dfdb');
  });

  it('doubles DLE inside the APDU and undoes it on receipt, in any chunking', () => {
    const apdu = encodeApdu(0x04, 0x0f, [0x10, 0x27, 0x00, 0x10, 0x10]);
    const wire = encodeSerialFrame(apdu);
    expect(hex(wire)).toBe('1002040f05' + '1010270010101010' + '1003' + hex(wire).slice(-4));
    for (const size of [1, 2, 3, 7, wire.length]) {
      const d = new SerialFrameDecoder();
      const items: SerialItem[] = [];
      for (let i = 0; i < wire.length; i += size) items.push(...d.push(wire.subarray(i, i + size)));
      expect(items).toEqual([{ type: 'frame', apdu }]);
    }
  });

  it('reports ACK/NAK bytes, CRC errors and broken framing without losing sync', () => {
    const good = encodeSerialFrame(bytes('800000'));
    const bad = Uint8Array.from(good);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
    const d = new SerialFrameDecoder();
    const items = d.push(Uint8Array.from([0x06, 0x15, ...bad, 0x10, 0x02, 0x80, 0x10, 0x41, ...good]));
    expect(items.map((i) => i.type)).toEqual(['ack', 'nak', 'error', 'error', 'frame']);
    const errs = items.filter((i): i is Extract<SerialItem, { type: 'error' }> => i.type === 'error').map((i) => i.error.code);
    expect(errs).toEqual(['KIOSK_E_FRAME_CRC', 'KIOSK_E_FRAME_SYNTAX']);
  });
});

describe('ZVT APDUs', () => {
  it('writes long APDUs with FF and a little-endian length, and reads them back', () => {
    const data = new Uint8Array(300).fill(0x41);
    const a = encodeApdu(0x06, 0xd3, data);
    expect(hex(a.subarray(0, 5))).toBe('06d3ff2c01');
    expect(parseApdu(a)).toEqual({ cls: 0x06, ins: 0xd3, data });
    expect(hex(encodeApdu(0x06, 0xd3, new Uint8Array(254)).subarray(0, 3))).toBe('06d3fe');
    expect(hex(encodeApdu(0x06, 0xd3, new Uint8Array(255)).subarray(0, 5))).toBe('06d3ffff00');
  });

  it('rejects a length field that does not match the data', () => {
    expect(() => parseApdu(bytes('040f0527'))).toThrow(expect.objectContaining({ code: 'KIOSK_E_FRAME_LENGTH' }));
    expect(() => parseApdu(bytes('0400'))).toThrow(expect.objectContaining({ code: 'KIOSK_E_FRAME_LENGTH' }));
  });

  it('splits a TCP stream into APDUs across chunk boundaries', () => {
    const d = new ApduStreamDecoder();
    const stream = Uint8Array.from([...bytes('800000'), ...encodeApdu(0x04, 0xff, [0x0a, 0x00]), ...encodeApdu(0x06, 0xd1, new Uint8Array(400))]);
    const got = [...d.push(stream.subarray(0, 4)), ...d.push(stream.subarray(4, 9)), ...d.push(stream.subarray(9))];
    expect(got.map((a) => [a.cls, a.ins, a.data.length])).toEqual([[0x80, 0, 0], [0x04, 0xff, 2], [0x06, 0xd1, 400]]);
    expect(d.buffered).toBe(0);
  });

  it('builds registration, authorisation and reversal with BCD fields', () => {
    expect(hex(registration('000000', 0xbe, 'CNY'))).toBe('060008000000be01560301');
    expect(hex(registration('123456', 0xbe, 'EUR'))).toBe('060008123456be09780301');
    expect(hex(authorization(12345, 'CNY', 10))).toBe('06010c04000000012345490156020a');
    expect(hex(reversal('000000', 42))).toBe('063006000000870042');
  });

  it('packs amounts as 6 BCD bytes and refuses non-BCD nibbles', () => {
    expect(hex(encodeAmount(999_999_999_999))).toBe('999999999999');
    expect(decodeAmount(bytes('000000012345'))).toBe(12345);
    expect(() => decodeBcd(bytes('1a'))).toThrow(expect.objectContaining({ code: 'KIOSK_E_DEVICE_PROTOCOL' }));
    expect(() => encodeAmount(1.5)).toThrow();
  });
});

const PAN = '4111111111111111';
const panBcd = '4111111111111111';
const UNIONPAY = '6212345678901234567';

describe('card data never survives the codec', () => {
  it('keeps only the last four digits of BMP 22 and drops track 2/3, track 1 and expiry', () => {
    const data = bytes(
      '2700' + '04000000001000' + '0b000123' + '8700' + '07' + '8a0a'
      + '22f0f8' + panBcd // PAN, LLVAR: 8 bytes
      + '0e2812' // expiry
      + '23f1f3' + '4111111111111111d28121011f' // track 2, 13 bytes
      + '24f0f0f3' + '011234' // track 3
      + '2df0f4' + Buffer.from('B411').toString('hex'),
    );
    const f = decodeBmps(data);
    expect(f).toMatchObject({ resultCode: 0, amount: 1000, trace: 123, receiptNo: 7, cardTypeId: 10, last4: '1111' });
    const json = JSON.stringify(f);
    expect(json).not.toContain('411111');
    expect(json).not.toContain('2812');
  });

  it('derives last4 from an odd-length F-padded PAN and a masked one', () => {
    expect(decodeBmps(bytes('22f1f0' + '6212345678901234567f')).last4).toBe('4567');
    expect(decodeBmps(bytes('22f0f8' + 'eeeeeeeeeeee1234')).last4).toBe('1234');
  });

  it('filters the TLV container by whitelist: PAN tag 5A only yields last4, texts are masked', () => {
    const tlv = '5a08' + panBcd + '5f200454455354' + '2416' + '0714' + Buffer.from(`PAN ${PAN}`).toString('hex');
    const f = decodeBmps(bytes(`06${(tlv.length / 2).toString(16).padStart(2, '0')}${tlv}`));
    expect(f.last4).toBe('1111');
    expect(f.tlv?.texts).toEqual(['PAN ****1111']);
    expect(JSON.stringify(f)).not.toContain('TEST');
  });

  it('masks 12–19 digit runs in texts, with spaces, dashes or asterisks between groups', () => {
    expect(maskPans(`Karte: ${PAN}`)).toBe('Karte: ****1111');
    expect(maskPans('PAN 5500 0055 5555 5559 EXP')).toBe('PAN ****5559 EXP');
    expect(maskPans('5500-0055-5555-5559')).toBe('****5559');
    expect(maskPans(`UP ${UNIONPAY}`)).toBe('UP ****4567');
    expect(maskPans('4111*1111*1111*1111')).toBe('****1111');
    expect(maskPans('TID 52500038 Trace 000123 Beleg 0007')).toBe('TID 52500038 Trace 000123 Beleg 0007');
    expect(maskPans('2026-01-05 12:30 Betrag 123.45')).toBe('2026-01-05 12:30 Betrag 123.45');
  });

  it('masks PANs in print lines, text blocks and intermediate display texts', () => {
    const line = decodeMessage({ cls: 0x06, ins: 0xd1, data: Uint8Array.from([0, ...Buffer.from(`Karte ${PAN}`)]) });
    expect(line).toEqual({ kind: 'printLine', attribute: 0, text: 'Karte ****1111' });
    const text = Buffer.from(`Card ${PAN}`).toString('hex');
    const inner = `07${(text.length / 2).toString(16).padStart(2, '0')}${text}`;
    const container = `24${(inner.length / 2).toString(16).padStart(2, '0')}${inner}`;
    const im = decodeMessage({ cls: 0x04, ins: 0xff, data: bytes(`ff00 06${(container.length / 2).toString(16).padStart(2, '0')}${container}`) });
    expect(im).toEqual({ kind: 'intermediate', code: 0xff, text: 'Card ****1111' });
    const block = decodeMessage({ cls: 0x06, ins: 0xd3, data: bytes(`06${((inner.length + 8) / 2).toString(16).padStart(2, '0')}1f070101${inner}`) });
    expect(block).toEqual({ kind: 'textBlock', lines: ['Card ****1111'], receiptType: 1 });
  });

  it('fails an unknown BMP or a truncated one with KIOSK_E_DEVICE_PROTOCOL whose error carries no card data', () => {
    for (const h of ['fe01', '22f1f8411111', '2700 04 0000', '06 85 00']) {
      let err: unknown;
      try { decodeBmps(bytes(h)); } catch (e) { err = e; }
      expect(isKioskError(err, 'KIOSK_E_DEVICE_PROTOCOL')).toBe(true);
      expect(JSON.stringify({ ...(err as object), m: (err as Error).message })).not.toContain('4111');
    }
  });
});
