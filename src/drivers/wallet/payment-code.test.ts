import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PAYMENT_CODE_RULES, classifyPaymentCode, maskPaymentCode, paymentCodeLast4, type PaymentCodeRules,
} from './payment-code.js';

const digits = (n: number, seed = 7): string => Array.from({ length: n }, (_, i) => String((i * seed + 3) % 10)).join('');
const code = (prefix: string, length: number): string => prefix + digits(length - prefix.length);

describe('classifyPaymentCode', () => {
  it.each(['10', '11', '12', '13', '14', '15'])('WeChat Pay: 18 digits starting %s', (p) => {
    expect(classifyPaymentCode(code(p, 18))).toEqual({ wallet: 'wechat', code: code(p, 18) });
  });

  it.each(['25', '26', '27', '28', '29', '30'])('Alipay: 18 digits starting %s', (p) => {
    expect(classifyPaymentCode(code(p, 18))?.wallet).toBe('alipay');
  });

  it('Alipay: 16–23 digits; 24 is reserved for bill slips; 25 is too long', () => {
    for (const n of [16, 17, 19, 20, 21, 22, 23]) expect(classifyPaymentCode(code('28', n))?.wallet).toBe('alipay');
    expect(classifyPaymentCode(code('28', 24))).toBeUndefined();
    expect(classifyPaymentCode(code('28', 25))).toBeUndefined();
    expect(classifyPaymentCode(code('28', 15))).toBeUndefined();
  });

  it('UnionPay QR: 19 digits starting 62', () => {
    expect(classifyPaymentCode(code('62', 19))).toEqual({ wallet: 'unionpay', code: code('62', 19) });
    expect(classifyPaymentCode(code('62', 16))).toBeUndefined();
    expect(classifyPaymentCode(code('62', 18))).toEqual({ wallet: 'unknown', code: code('62', 18) });
  });

  it('WeChat prefixes at another length are no WeChat codes', () => {
    expect(classifyPaymentCode(code('13', 17))).toBeUndefined();
    expect(classifyPaymentCode(code('13', 19))).toBeUndefined();
  });

  it('18 digits of no known wallet: unknown; other lengths: nothing', () => {
    for (const p of ['00', '09', '16', '24', '31', '61', '99']) {
      expect(classifyPaymentCode(code(p, 18))).toEqual({ wallet: 'unknown', code: code(p, 18) });
      expect(classifyPaymentCode(code(p, 20))).toBeUndefined();
    }
  });

  it('strips the line end, blanks and a non-GS1 AIM identifier; a GS1 AIM identifier is never a payment code', () => {
    const c = code('13', 18);
    expect(classifyPaymentCode(`${c}\r\n`)).toEqual({ wallet: 'wechat', code: c });
    expect(classifyPaymentCode(` ${c}\n`)?.code).toBe(c);
    expect(classifyPaymentCode(`]C0${c}`)).toEqual({ wallet: 'wechat', code: c });
    expect(classifyPaymentCode(`]Q1${c}`)).toEqual({ wallet: 'wechat', code: c });
    for (const aim of [']C1', ']e0', ']d2', ']Q3']) expect(classifyPaymentCode(`${aim}${c}`)).toBeUndefined();
  });

  it('text, spaced digits, empty, over-long and non-string input are not payment codes', () => {
    const c = code('13', 18);
    for (const raw of ['', 'hello', `${c.slice(0, 9)} ${c.slice(9)}`, `${c}x`, `-${c}`, `${c.slice(0, 17)}.`, '１３４５６７８９０１２３４５６７８９', c.repeat(4)]) {
      expect(classifyPaymentCode(raw)).toBeUndefined();
    }
    expect(classifyPaymentCode(undefined as unknown as string)).toBeUndefined();
    expect(classifyPaymentCode(134567890123456789 as unknown as string)).toBeUndefined();
  });

  it('rules are data: a deployment can add a wallet prefix or drop the unknown class', () => {
    const rules: PaymentCodeRules = {
      ...DEFAULT_PAYMENT_CODE_RULES,
      wallets: [...DEFAULT_PAYMENT_CODE_RULES.wallets, { wallet: 'wechat', prefixes: ['16'], minLength: 18, maxLength: 18 }],
      unknownLengths: [],
    };
    expect(classifyPaymentCode(code('16', 18), rules)?.wallet).toBe('wechat');
    expect(classifyPaymentCode(code('99', 18), rules)).toBeUndefined();
  });

  it('never throws; a match is all digits, taken from the input, of a payment-code length', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (raw) => {
      const r = classifyPaymentCode(raw);
      if (r === undefined) return true;
      return /^[0-9]{16,23}$/.test(r.code) && raw.includes(r.code);
    }), { numRuns: 3000 });
    fc.assert(fc.property(fc.stringMatching(/^[0-9]{10,30}$/), (raw) => {
      const r = classifyPaymentCode(raw);
      return r === undefined || (r.code === raw && raw.length !== 24);
    }), { numRuns: 3000 });
  });
});

describe('maskPaymentCode', () => {
  it('keeps the last four digits only', () => {
    expect(maskPaymentCode('134567890123456789')).toBe('**************6789');
    expect(maskPaymentCode('6212345678901234567')).toBe('***************4567');
    expect(paymentCodeLast4('134567890123456789')).toBe('6789');
  });

  it('keeps nothing of short strings', () => {
    expect(maskPaymentCode('1234567')).toBe('*******');
    expect(maskPaymentCode('12')).toBe('****');
    expect(paymentCodeLast4('1234567')).toBe('');
  });

  it('never contains more than the last four of the code', () => {
    fc.assert(fc.property(fc.stringMatching(/^[0-9]{8,30}$/), (c) => {
      const m = maskPaymentCode(c);
      return m.length === c.length && m.endsWith(c.slice(-4)) && !m.includes(c.slice(0, 5)) && /^\**[0-9]{4}$/.test(m);
    }));
  });
});
