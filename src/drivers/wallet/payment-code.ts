/**
 * Wallet payment codes ("付款码"): the one-time numeric code a customer's phone shows as a barcode or QR
 * code, read by the kiosk's own scanner. A payment code is a bearer credential — whoever holds it can
 * charge the customer's wallet until it expires — so it is never logged, journaled or published in full:
 * use `maskPaymentCode` (keeps the last four digits) wherever one would be shown.
 *
 * Recognition is by the wallets' public shape rules. They are assumptions the wallets may change, so they
 * are data (`PaymentCodeRules`), passed in where a deployment needs others:
 *   - WeChat Pay:  18 digits, starting 10–15;
 *   - Alipay:      16–24 digits, starting 25–30 (in practice 18);
 *   - UnionPay QR: 19 digits, starting 62 (the C2B code of UnionPay / Cloud QuickPass).
 *
 * A bill barcode is never a payment code. The bill formats kioskd reads are the 24-digit numeric slip
 * (hence length 24 is reserved, although Alipay's stated range reaches it) and the GS1-128 slip (at
 * least 27 characters, or flagged by a GS1 AIM identifier), so none of them fits a payment-code shape.
 */

export type WalletName = 'wechat' | 'alipay' | 'unionpay';
export type WalletKind = WalletName | 'unknown';

export const WALLET_NAMES: readonly WalletName[] = ['wechat', 'alipay', 'unionpay'];

export interface PaymentCodeRule {
  readonly wallet: WalletName;
  /** Leading digits, any length. */
  readonly prefixes: readonly string[];
  readonly minLength: number;
  readonly maxLength: number;
}

export interface PaymentCodeRules {
  /** First match wins. */
  readonly wallets: readonly PaymentCodeRule[];
  /** All-digit lengths that are reported as a payment code of an `unknown` wallet when no rule matches. */
  readonly unknownLengths: readonly number[];
  /** All-digit lengths that are never payment codes (the kiosk's own bill slips). */
  readonly reservedLengths: readonly number[];
}

const range = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

export const DEFAULT_PAYMENT_CODE_RULES: PaymentCodeRules = Object.freeze({
  wallets: Object.freeze([
    Object.freeze({ wallet: 'wechat' as const, prefixes: Object.freeze(range(10, 15)), minLength: 18, maxLength: 18 }),
    Object.freeze({ wallet: 'alipay' as const, prefixes: Object.freeze(range(25, 30)), minLength: 16, maxLength: 24 }),
    Object.freeze({ wallet: 'unionpay' as const, prefixes: Object.freeze(['62']), minLength: 19, maxLength: 19 }),
  ]),
  unknownLengths: Object.freeze([18]),
  reservedLengths: Object.freeze([24]),
});

export interface PaymentCodeMatch {
  readonly wallet: WalletKind;
  /** The digits only (line end, blanks and AIM identifier removed): what the wallet gateway is sent. */
  readonly code: string;
}

/** Longer input is not even looked at: a payment code is at most a few dozen characters. */
const MAX_INPUT = 64;
const DIGITS = /^[0-9]+$/;
const AIM = /^\][A-Za-z][0-9A-Za-z]/;
/** AIM identifiers that announce GS1 data (GS1-128, DataBar, GS1 DataMatrix, GS1 QR): bill slips, never payment codes. */
const GS1_AIMS: ReadonlySet<string> = new Set([']C1', ']e0', ']d2', ']Q3']);

/**
 * Whether `raw` (a scan as the scanner delivered it) is a wallet payment code, and whose. Undefined for
 * anything else: bill barcodes, text, codes of a reserved length. Pure; never throws.
 */
export function classifyPaymentCode(raw: string, rules: PaymentCodeRules = DEFAULT_PAYMENT_CODE_RULES): PaymentCodeMatch | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_INPUT) return undefined;
  let text = raw.trim();
  if (AIM.test(text)) {
    if (GS1_AIMS.has(text.slice(0, 3))) return undefined;
    text = text.slice(3);
  }
  if (!DIGITS.test(text)) return undefined;
  const n = text.length;
  if (rules.reservedLengths.includes(n)) return undefined;
  for (const rule of rules.wallets) {
    if (n >= rule.minLength && n <= rule.maxLength && rule.prefixes.some((p) => p.length > 0 && text.startsWith(p))) {
      return { wallet: rule.wallet, code: text };
    }
  }
  return rules.unknownLengths.includes(n) ? { wallet: 'unknown', code: text } : undefined;
}

/**
 * `**************1234`: the last four characters kept, the rest starred. Shorter than 8 characters,
 * nothing is kept (four would be half the secret).
 */
export function maskPaymentCode(code: string): string {
  if (typeof code !== 'string') return '****';
  if (code.length < 8) return '*'.repeat(Math.max(4, code.length));
  return '*'.repeat(code.length - 4) + code.slice(-4);
}

/** The last four characters, the only part of a payment code kioskd keeps (results, journal, receipts). */
export function paymentCodeLast4(code: string): string {
  return typeof code === 'string' && code.length >= 8 ? code.slice(-4) : '';
}
