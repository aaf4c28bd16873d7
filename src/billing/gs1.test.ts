import { describe, expect, it } from 'vitest';
import { isKioskError, type ErrorCode } from '../errors/index.js';
import { parseBillBarcode } from './barcode.js';
import { SAMPLE_BILLERS, type BillerDirectory } from './directory.js';
import { makeGs1Barcode } from './gs1.js';

const GS = '\x1d';
const GLN = '6901234000016'; // power-east in SAMPLE_BILLERS

function codeOf(raw: string, directory: BillerDirectory = SAMPLE_BILLERS): ErrorCode | 'ok' {
  try {
    parseBillBarcode(raw, directory);
    return 'ok';
  } catch (e) {
    if (isKioskError(e)) return e.code;
    throw e;
  }
}

describe('GS1-128 payment slip', () => {
  const expected = {
    billerId: 'power-east', account: 'E0012345678', period: '202506', amountHint: 23850, format: 'gs1-128',
  } as const;

  it('parses the scanner form with the ]C1 prefix (hand-written vector)', () => {
    const raw = `]C1415${GLN}8020E0012345678202506${GS}390223850`;
    expect(parseBillBarcode(raw, SAMPLE_BILLERS)).toEqual({ ...expected, raw });
  });

  it('parses the plain element string, a leading FNC1-as-GS, and a trailing CR/LF', () => {
    for (const raw of [
      `415${GLN}8020E0012345678202506${GS}390223850`,
      `${GS}415${GLN}8020E0012345678202506${GS}390223850`,
      `]C1${GS}415${GLN}8020E0012345678202506${GS}390223850\r\n`,
    ]) {
      expect(parseBillBarcode(raw, SAMPLE_BILLERS)).toEqual({ ...expected, raw });
    }
  });

  it('parses the human-readable form', () => {
    const raw = `(415)${GLN}(8020)E0012345678202506(3902)23850`;
    expect(parseBillBarcode(raw, SAMPLE_BILLERS)).toEqual({ ...expected, raw });
  });

  it('accepts the AIs in another order, a redundant GS after 415, and no amount', () => {
    const reordered = `]C13902${'23850'}${GS}8020E0012345678202506${GS}415${GLN}`;
    expect(parseBillBarcode(reordered, SAMPLE_BILLERS)).toMatchObject({ account: 'E0012345678', amountHint: 23850 });
    const gsAfterGln = `]C1415${GLN}${GS}8020E0012345678202506`;
    const parsed = parseBillBarcode(gsAfterGln, SAMPLE_BILLERS);
    expect(parsed).toMatchObject({ billerId: 'power-east', account: 'E0012345678', period: '202506' });
    expect(parsed.amountHint).toBeUndefined();
  });

  it('keeps 15-digit amounts exact', () => {
    const raw = `(415)${GLN}(8020)A1202512(3902)999999999999999`;
    expect(parseBillBarcode(raw, SAMPLE_BILLERS).amountHint).toBe(999_999_999_999_999);
  });

  it('rejects every wrong GLN check digit', () => {
    for (let d = 0; d <= 9; d++) {
      const gln = GLN.slice(0, 12) + String(d);
      const raw = `]C1415${gln}8020E0012345678202506`;
      expect(codeOf(raw)).toBe(gln === GLN ? 'ok' : 'KIOSK_E_BARCODE_CHECK');
    }
  });

  it('maps an unknown but valid GLN to KIOSK_E_BARCODE_UNKNOWN', () => {
    expect(codeOf(`]C14006381333931` + `8020E0012345678202506`)).toBe('KIOSK_E_BARCODE_UNKNOWN');
    expect(codeOf(`]C1415${GLN}8020E0012345678202506`, [])).toBe('KIOSK_E_BARCODE_UNKNOWN');
  });

  it('does not claim other GS1-128 labels or other symbologies', () => {
    expect(codeOf(']C10104012345678901')).toBe('KIOSK_E_BARCODE_UNKNOWN');
    expect(codeOf('(01)04012345678901')).toBe('KIOSK_E_BARCODE_UNKNOWN');
    expect(codeOf(']C0415' + GLN)).toBe('KIOSK_E_BARCODE_UNKNOWN');
  });

  it.each([
    ['period month 13', `]C1415${GLN}8020E0012345678202513`],
    ['period year 1999', `]C1415${GLN}8020E0012345678199912`],
    ['reference too short', `]C1415${GLN}8020202506`],
    ['reference 26 chars', `]C1415${GLN}8020${'A'.repeat(20)}202506`],
    ['reference with punctuation', `]C1415${GLN}8020E00-2345678202506`],
    ['missing GS before 3902', `]C1415${GLN}8020E00123456782025063902100`],
    ['amount 16 digits', `]C1415${GLN}8020E0012345678202506${GS}3902${'1'.repeat(16)}`],
    ['empty amount', `]C1415${GLN}8020E0012345678202506${GS}3902`],
    ['non-digit amount', `(415)${GLN}(8020)E0012345678202506(3902)12.50`],
    ['trailing GS', `]C1415${GLN}8020E0012345678202506${GS}`],
    ['double GS', `]C1415${GLN}8020E0012345678202506${GS}${GS}3902100`],
    ['GLN truncated', `]C1415690123400`],
    ['no 8020', `]C1415${GLN}`],
    ['no 415', `]C18020E0012345678202506`],
    ['duplicate 8020', `(415)${GLN}(8020)E0012345678202506(8020)E0012345678202506`],
    ['foreign AI after ours', `]C1415${GLN}8020E0012345678202506${GS}10ABC`],
    ['foreign AI in printed form', `(415)${GLN}(8020)E0012345678202506(10)ABC`],
    ['printed form with junk', `(415)${GLN} (8020)E0012345678202506`],
  ])('rejects %s with KIOSK_E_BARCODE_CHECK', (_name, raw) => {
    expect(codeOf(raw)).toBe('KIOSK_E_BARCODE_CHECK');
  });

  it('encodes all three forms so that they parse back', () => {
    const fields = { gln: GLN, account: 'E0098765432', period: '202507', amount: 5100 };
    expect(makeGs1Barcode(fields)).toBe(`]C1415${GLN}8020E0098765432202507${GS}39025100`);
    expect(makeGs1Barcode(fields, 'hri')).toBe(`(415)${GLN}(8020)E0098765432202507(3902)5100`);
    for (const form of ['aim', 'plain', 'hri'] as const) {
      expect(parseBillBarcode(makeGs1Barcode(fields, form), SAMPLE_BILLERS))
        .toMatchObject({ billerId: 'power-east', account: 'E0098765432', period: '202507', amountHint: 5100 });
    }
    expect(makeGs1Barcode({ gln: GLN, account: 'A1', period: '202501' }, 'plain')).toBe(`415${GLN}8020A1202501`);
  });

  it('refuses to encode fields the format cannot carry', () => {
    const ok = { gln: GLN, account: 'E1', period: '202501' };
    for (const bad of [
      { ...ok, gln: GLN.slice(0, 12) + '0' }, { ...ok, account: '' }, { ...ok, account: 'A'.repeat(20) },
      { ...ok, period: '202500' }, { ...ok, amount: -1 }, { ...ok, amount: 1.5 }, { ...ok, amount: 10 ** 15 },
    ]) {
      expect(() => makeGs1Barcode(bad)).toThrow(expect.objectContaining({ code: 'KIOSK_E_INTERNAL' }));
    }
  });
});
