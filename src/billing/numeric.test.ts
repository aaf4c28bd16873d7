import { describe, expect, it } from 'vitest';
import { isKioskError, type ErrorCode } from '../errors/index.js';
import { parseBillBarcode } from './barcode.js';
import { SAMPLE_BILLERS } from './directory.js';
import { makeNumericBarcode } from './numeric.js';

// Computed by hand: 37 | 000123456789 | 202506 | 000 | Luhn 1.
const VECTOR = '370001234567892025060001';

function codeOf(raw: string): ErrorCode | 'ok' {
  try {
    parseBillBarcode(raw, SAMPLE_BILLERS);
    return 'ok';
  } catch (e) {
    if (isKioskError(e)) return e.code;
    throw e;
  }
}

describe('fixed-length numeric slip', () => {
  it('parses the reference vector', () => {
    expect(parseBillBarcode(VECTOR, SAMPLE_BILLERS)).toEqual({
      billerId: 'water-city', account: '000123456789', period: '202506', format: 'numeric-fixed', raw: VECTOR,
    });
    expect(parseBillBarcode('370005550001112025070002', SAMPLE_BILLERS)).toMatchObject({ account: '000555000111', period: '202507' });
  });

  it('accepts ITF / Code 128 AIM prefixes and a trailing line end', () => {
    for (const raw of [`]I0${VECTOR}`, `]C0${VECTOR}`, `${VECTOR}\r\n`]) {
      expect(parseBillBarcode(raw, SAMPLE_BILLERS)).toMatchObject({ account: '000123456789', raw });
    }
  });

  it('rejects every single changed digit with KIOSK_E_BARCODE_CHECK', () => {
    let variants = 0;
    for (let pos = 0; pos < VECTOR.length; pos++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === VECTOR[pos]) continue;
        const changed = VECTOR.slice(0, pos) + String(d) + VECTOR.slice(pos + 1);
        expect(codeOf(changed), `position ${pos} -> ${d}`).toBe('KIOSK_E_BARCODE_CHECK');
        variants++;
      }
    }
    expect(variants).toBe(24 * 9);
  });

  it('checks reserved digits and period even when the Luhn digit fits', () => {
    expect(codeOf('370001234567892025060019')).toBe('KIOSK_E_BARCODE_CHECK'); // reserved 001
    expect(codeOf('370001234567892025130002')).toBe('KIOSK_E_BARCODE_CHECK'); // month 13
  });

  it('maps an unknown prefix with a valid check digit to KIOSK_E_BARCODE_UNKNOWN', () => {
    expect(codeOf('990001234567892025060006')).toBe('KIOSK_E_BARCODE_UNKNOWN');
  });

  it('treats other lengths as no known format', () => {
    expect(codeOf(VECTOR.slice(1))).toBe('KIOSK_E_BARCODE_UNKNOWN');
    expect(codeOf(`${VECTOR}5`)).toBe('KIOSK_E_BARCODE_UNKNOWN');
    expect(codeOf(`]E0${VECTOR}`)).toBe('KIOSK_E_BARCODE_UNKNOWN');
  });

  it('encodes what it parses', () => {
    expect(makeNumericBarcode({ prefix: '37', account: '000123456789', period: '202506' })).toBe(VECTOR);
    expect(() => makeNumericBarcode({ prefix: '37', account: '123', period: '202506' }))
      .toThrow(expect.objectContaining({ code: 'KIOSK_E_INTERNAL' }));
    expect(() => makeNumericBarcode({ prefix: '3', account: '000123456789', period: '202506' }))
      .toThrow(expect.objectContaining({ code: 'KIOSK_E_INTERNAL' }));
  });
});
