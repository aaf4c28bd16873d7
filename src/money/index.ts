/**
 * Money is an integer count of minor units (fen, cents) of one ISO 4217 currency. Never floating point.
 */
export type Minor = number;

export interface Money {
  readonly minor: Minor;
  readonly currency: string;
}

const CURRENCY = /^[A-Z]{3}$/;

export function isMinor(n: unknown): n is Minor {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

export function isCurrency(c: unknown): c is string {
  return typeof c === 'string' && CURRENCY.test(c);
}

/** Minor units per major unit for the currencies we print; ISO 4217 exponent, 2 when unknown. */
const EXPONENT: Readonly<Record<string, number>> = { CNY: 2, EUR: 2, USD: 2, JPY: 0, KRW: 0, HKD: 2, GBP: 2 };

export function currencyExponent(currency: string): number {
  return EXPONENT[currency] ?? 2;
}

/** "123.45" for 12345 CNY — integer arithmetic only, so no float rounding can creep into a receipt. */
export function formatMinor(minor: Minor, currency: string): string {
  const exp = currencyExponent(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  if (exp === 0) return `${sign}${abs}`;
  const unit = 10 ** exp;
  const major = Math.floor(abs / unit);
  const frac = String(abs % unit).padStart(exp, '0');
  return `${sign}${major}.${frac}`;
}
