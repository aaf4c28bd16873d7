import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_BILLERS, makeGs1Barcode, makeNumericBarcode, parseBillBarcode } from '../../src/billing/index.js';
import { classifyPaymentCode } from '../../src/drivers/wallet/index.js';
import { startBillerSim, type BillerSim } from '../sim/biller/index.js';
import { withGs1Check } from '../sim/biller/slips.js';
import { makeSimCode, type SimWallet } from '../sim/wallet/index.js';

/** The runtime asks classifyPaymentCode first when a scan arrives during "choose how to pay". */
const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
const period = fc.tuple(fc.integer({ min: 2000, max: 2099 }), fc.integer({ min: 1, max: 12 }))
  .map(([y, m]) => `${y}${String(m).padStart(2, '0')}`);

describe('bill barcodes are never payment codes', () => {
  let sim: BillerSim;
  beforeAll(async () => { sim = await startBillerSim(); });
  afterAll(async () => { await sim.close(); });

  it('the simulated billers\' sample barcodes', () => {
    const samples = sim.sampleBarcodes();
    expect(samples.length).toBeGreaterThan(3);
    for (const s of samples) expect(classifyPaymentCode(s.code)).toBeUndefined();
  });

  it('any numeric slip — whatever its biller prefix, with or without AIM identifier', () => {
    fc.assert(fc.property(digits(2), digits(12), period, fc.constantFrom('', ']I0', ']C0'), fc.constantFrom('', '\r\n'),
      (prefix, account, p, aim, end) => classifyPaymentCode(aim + makeNumericBarcode({ prefix, account, period: p }) + end) === undefined,
    ), { numRuns: 2000 });
  });

  it('any GS1 slip, in every form the parser accepts', () => {
    fc.assert(fc.property(digits(12), fc.stringMatching(/^[0-9A-Za-z]{1,19}$/), period,
      fc.option(fc.integer({ min: 0, max: 10 ** 9 }), { nil: undefined }), fc.constantFrom('aim', 'plain', 'hri') as fc.Arbitrary<'aim' | 'plain' | 'hri'>,
      (gln12, account, p, amount, form) => {
        const code = makeGs1Barcode({ gln: withGs1Check(gln12), account, period: p, ...(amount === undefined ? {} : { amount }) }, form);
        return classifyPaymentCode(code) === undefined;
      }), { numRuns: 2000 });
  });
});

describe('payment codes are never bill barcodes', () => {
  it.each(['wechat', 'alipay', 'unionpay'] as SimWallet[])('%s codes classify as such and the bill parser rejects them', (wallet) => {
    for (let i = 1; i <= 200; i++) {
      const code = makeSimCode(wallet, i);
      expect(classifyPaymentCode(code)).toEqual({ wallet, code });
      expect(() => parseBillBarcode(code, SAMPLE_BILLERS)).toThrow(expect.objectContaining({ code: 'KIOSK_E_BARCODE_UNKNOWN' }));
    }
  });

  it('random strings are neither (or, when classified, a payment-code shape)', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.stringMatching(/^[0-9]{1,30}$/)), (raw) => {
      const r = classifyPaymentCode(raw);
      if (r === undefined) return true;
      let bill = true;
      try { parseBillBarcode(raw, SAMPLE_BILLERS); } catch { bill = false; }
      return !bill && /^[0-9]{16,23}$/.test(r.code);
    }), { numRuns: 3000 });
  });
});
