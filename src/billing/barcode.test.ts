import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKioskError } from '../errors/index.js';
import { createBillBarcodeParser, parseBillBarcode } from './barcode.js';
import { SAMPLE_BILLERS } from './directory.js';
import { makeGs1Barcode } from './gs1.js';
import { makeNumericBarcode } from './numeric.js';

const ALLOWED = new Set(['KIOSK_E_BARCODE_UNKNOWN', 'KIOSK_E_BARCODE_CHECK']);

/** Success or one of the two barcode codes; anything else thrown fails the property. */
function parsesOrRejectsCleanly(raw: string): boolean {
  try {
    const bill = parseBillBarcode(raw, SAMPLE_BILLERS);
    return bill.raw === raw && typeof bill.billerId === 'string';
  } catch (e) {
    return isKioskError(e) && ALLOWED.has(e.code);
  }
}

const period = fc.tuple(fc.integer({ min: 2000, max: 2099 }), fc.integer({ min: 1, max: 12 }))
  .map(([y, m]) => `${y}${String(m).padStart(2, '0')}`);
const alnum = fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'.split(''));

describe('parseBillBarcode', () => {
  it('tells the formats apart', () => {
    expect(parseBillBarcode('370001234567892025060001', SAMPLE_BILLERS).format).toBe('numeric-fixed');
    expect(parseBillBarcode(makeGs1Barcode({ gln: '6901234000016', account: 'X1', period: '202501' }), SAMPLE_BILLERS).format).toBe('gs1-128');
    const parse = createBillBarcodeParser(SAMPLE_BILLERS);
    expect(parse('370001234567892025060001').billerId).toBe('water-city');
  });

  it.each(['', 'hello', '\r\n', '12345', ']Q1https://pay.example/x', '(hello'])('has no format for %j', (raw) => {
    expect(() => parseBillBarcode(raw, SAMPLE_BILLERS)).toThrow(expect.objectContaining({ code: 'KIOSK_E_BARCODE_UNKNOWN' }));
  });

  it('round-trips any encodable GS1 slip', () => {
    fc.assert(fc.property(
      fc.array(alnum, { minLength: 1, maxLength: 19 }).map((a) => a.join('')), period,
      fc.option(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }).filter((n) => String(n).length <= 15), { nil: undefined }),
      fc.constantFrom('aim', 'plain', 'hri'),
      (account, p, amount, form) => {
        const raw = makeGs1Barcode(amount === undefined ? { gln: '6901234000016', account, period: p } : { gln: '6901234000016', account, period: p, amount }, form);
        const bill = parseBillBarcode(raw, SAMPLE_BILLERS);
        expect(bill).toMatchObject({ billerId: 'power-east', account, period: p, format: 'gs1-128' });
        expect(bill.amountHint).toBe(amount);
      },
    ));
  });

  it('round-trips any encodable numeric slip', () => {
    fc.assert(fc.property(fc.stringMatching(/^[0-9]{12}$/), period, (account, p) => {
      const bill = parseBillBarcode(makeNumericBarcode({ prefix: '37', account, period: p }), SAMPLE_BILLERS);
      expect(bill).toMatchObject({ billerId: 'water-city', account, period: p });
    }));
  });
});

describe('parseBillBarcode fuzz: only success or the two barcode codes', () => {
  // size 'max' spreads lengths over the whole 4 KB; the default size would stay below ~20.
  it('random strings up to 4 KB', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 4096, unit: 'binary', size: 'max' }),
      fc.string({ maxLength: 64, unit: 'grapheme-ascii' }),
    );
    fc.assert(fc.property(text, parsesOrRejectsCleanly), { numRuns: 500 });
  });

  it('random byte strings up to 4 KB (latin1 and utf8 decoded)', () => {
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 4096, size: 'max' }), fc.uint8Array({ maxLength: 64 }));
    fc.assert(fc.property(bytes, (bytes) => {
      const buf = Buffer.from(bytes);
      return parsesOrRejectsCleanly(buf.toString('latin1')) && parsesOrRejectsCleanly(buf.toString('utf8'));
    }), { numRuns: 500 });
  });

  it('format prefixes followed by random text', () => {
    const prefix = fc.constantFrom(']C1', ']C1415', ']C1\x1d8020', '(415)', '(8020)', '(3902)', '415', '\x1d415', ']I0', ']C0');
    const tail = fc.oneof(
      fc.string({ maxLength: 4096, size: 'max' }),
      fc.string({ maxLength: 40, unit: fc.constantFrom(...'0123456789()\x1dA'.split('')) }),
    );
    fc.assert(fc.property(prefix, tail, (p, t) => parsesOrRejectsCleanly(p + t)), { numRuns: 1000 });
  });

  it('valid slips with random splices', () => {
    const seeds = [
      '370001234567892025060001',
      makeGs1Barcode({ gln: '6901234000016', account: 'E0012345678', period: '202506', amount: 23850 }),
      makeGs1Barcode({ gln: '6901234000016', account: 'E0012345678', period: '202506', amount: 23850 }, 'hri'),
    ];
    const chars = fc.constantFrom('\x1d', '(', ')', ']', 'C', '1', '0', '9', '4', 'A', '\r', '\n', '\u0000', '\uffff');
    fc.assert(fc.property(
      fc.constantFrom(...seeds), fc.nat(), fc.nat({ max: 5 }), fc.array(chars, { maxLength: 6 }),
      (seed, at, drop, insert) => {
        const i = at % (seed.length + 1);
        return parsesOrRejectsCleanly(seed.slice(0, i) + insert.join('') + seed.slice(i + drop));
      },
    ), { numRuns: 2000 });
  });
});
