import { describe, it, expect } from 'vitest';
import { buildDenominationTable, decodeAscii, decodeCurrencyAssign, inhibitMask, parseVersion } from './tables.js';

// CNY 1/5/10/20/50/100 yuan, country code 0x2D, exponent 0; 100 yuan as 1 × 10^2.
const CNY = Uint8Array.from([
  0x61, 0x2d, 1, 0, 0x62, 0x2d, 5, 0, 0x63, 0x2d, 10, 0, 0x64, 0x2d, 20, 0, 0x65, 0x2d, 50, 0, 0x66, 0x2d, 1, 2,
  0x67, 0x00, 0, 0, // empty slot
]);

describe('currency assign (0x8A)', () => {
  it('builds the denomination table in minor units', () => {
    const t = buildDenominationTable(decodeCurrencyAssign(CNY), 'CNY');
    expect(t.denominations.map((d) => [d.channel, d.value, d.escrowCode])).toEqual([
      [1, 100, 0x61], [2, 500, 0x62], [3, 1000, 0x63], [4, 2000, 0x64], [5, 5000, 0x65], [6, 10000, 0x66],
    ]);
    expect(t.denominations.every((d) => d.currency === 'CNY')).toBe(true);
  });

  it('refuses another currency with KIOSK_E_DEVICE_CURRENCY', () => {
    expect(() => buildDenominationTable(decodeCurrencyAssign(CNY), 'EUR')).toThrow(expect.objectContaining({ code: 'KIOSK_E_DEVICE_CURRENCY' }));
    const usd = Uint8Array.from([0x61, 0x01, 1, 0]);
    expect(() => buildDenominationTable(decodeCurrencyAssign(usd), 'CNY')).toThrow(expect.objectContaining({ code: 'KIOSK_E_DEVICE_CURRENCY' }));
    expect(buildDenominationTable(decodeCurrencyAssign(usd), 'USD').denominations[0]?.value).toBe(100);
  });

  it('rejects malformed tables as protocol errors', () => {
    expect(() => decodeCurrencyAssign(Uint8Array.from([1, 2, 3]))).toThrow(expect.objectContaining({ code: 'KIOSK_E_DEVICE_PROTOCOL' }));
    expect(() => buildDenominationTable([], 'CNY')).toThrow(expect.objectContaining({ code: 'KIOSK_E_DEVICE_PROTOCOL' }));
  });

  it('computes the C0 inhibit mask (1 = inhibit, bit 0 = lowest escrow code)', () => {
    const t = buildDenominationTable(decodeCurrencyAssign(CNY), 'CNY');
    expect(inhibitMask(t, t.denominations.map((d) => d.value))).toBe(0);
    expect(inhibitMask(t, [100, 500])).toBe(0b111100);
    expect(inhibitMask(t, [])).toBe(0b111111);
  });
});

describe('version strings', () => {
  it('splits model and firmware and drops control bytes', () => {
    const text = decodeAscii(Uint8Array.from([...Buffer.from('UBA-10(CHN) ID003-05V271-34 07JUL11 ADF1'), 0]));
    expect(parseVersion(text)).toEqual({ model: 'UBA-10(CHN)', firmware: 'ID003-05V271-34 07JUL11 ADF1', raw: text });
    expect(parseVersion('')).toMatchObject({ model: 'unknown' });
  });
});
