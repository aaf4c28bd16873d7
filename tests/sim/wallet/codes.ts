/**
 * The simulator's own notion of payment codes (independent of src/drivers/wallet): what a phone would
 * show. WeChat Pay 18 digits from 10–15, Alipay 18 digits from 25–30 (its usual length), UnionPay QR
 * 19 digits from 62.
 */
export type SimWallet = 'wechat' | 'alipay' | 'unionpay';

const SHAPES: Readonly<Record<SimWallet, { readonly prefixes: readonly number[]; readonly length: number }>> = {
  wechat: { prefixes: [10, 11, 12, 13, 14, 15], length: 18 },
  alipay: { prefixes: [25, 26, 27, 28, 29, 30], length: 18 },
  unionpay: { prefixes: [62], length: 19 },
};

/** Which wallet would accept `code`, judged by shape (Alipay accepts 16–24 digits). */
export function simWalletOf(code: string): SimWallet | undefined {
  if (!/^[0-9]+$/.test(code)) return undefined;
  const head = Number(code.slice(0, 2));
  if (code.length === 18 && head >= 10 && head <= 15) return 'wechat';
  if (code.length >= 16 && code.length <= 24 && head >= 25 && head <= 30) return 'alipay';
  if (code.length === 19 && head === 62) return 'unionpay';
  return undefined;
}

/** A fresh code of `wallet`; `serial` makes it unique and deterministic. */
export function makeSimCode(wallet: SimWallet, serial: number): string {
  const shape = SHAPES[wallet];
  const prefix = String(shape.prefixes[serial % shape.prefixes.length]);
  // A spread of digits so every code has different last four as well as a different body.
  const body = String((serial * 7_919 + 104_729) * 31 + serial).padStart(shape.length - prefix.length, '7');
  return prefix + body.slice(-(shape.length - prefix.length));
}
