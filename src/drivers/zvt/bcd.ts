import { KioskError } from '../../errors/index.js';

/** Amounts travel as 12 BCD digits (BMP 04): at most 999 999 999 999 minor units. */
export const MAX_AMOUNT = 999_999_999_999;

const protocol = (message: string, details: Record<string, unknown> = {}): KioskError =>
  new KioskError('KIOSK_E_DEVICE_PROTOCOL', message, { details });

/** Packs a digit string into `bytes` BCD bytes, left-padded with zeros. */
export function encodeBcd(digits: string, bytes: number): Uint8Array {
  if (!/^\d*$/.test(digits) || digits.length > bytes * 2) {
    throw new KioskError('KIOSK_E_INTERNAL', `cannot pack ${digits.length} characters into ${bytes} BCD bytes`);
  }
  const s = digits.padStart(bytes * 2, '0');
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (Number(s[2 * i]) << 4) | Number(s[2 * i + 1]);
  return out;
}

/** Unpacks BCD digits; any nibble above 9 is a protocol error (the offending value is not reported). */
export function decodeBcd(data: Uint8Array, what = 'BCD field'): string {
  let s = '';
  for (const b of data) {
    const hi = b >> 4;
    const lo = b & 0x0f;
    if (hi > 9 || lo > 9) throw protocol(`${what} is not BCD`, { field: what });
    s += String(hi) + String(lo);
  }
  return s;
}

/** Unpacks BCD digits up to an `F` pad nibble (PAN style); `E` marks a masked digit and comes back as `*`. */
export function decodePaddedBcd(data: Uint8Array): string {
  let s = '';
  for (const b of data) {
    for (const n of [b >> 4, b & 0x0f]) {
      if (n === 0x0f) return s;
      s += n <= 9 ? String(n) : n === 0x0e ? '*' : '?';
    }
  }
  return s;
}

export function encodeAmount(minor: number): Uint8Array {
  if (!Number.isSafeInteger(minor) || minor < 0 || minor > MAX_AMOUNT) {
    throw new KioskError('KIOSK_E_INTERNAL', 'amount out of the ZVT range');
  }
  return encodeBcd(String(minor), 6);
}

export function decodeAmount(data: Uint8Array): number {
  if (data.length !== 6) throw protocol('amount must be 6 BCD bytes', { length: data.length });
  return Number(decodeBcd(data, 'amount'));
}

/** LLVAR/LLLVAR length: each byte is `F` + one decimal digit. */
export function decodeVarLength(data: Uint8Array): number {
  let n = 0;
  for (const b of data) {
    if (b >> 4 !== 0x0f || (b & 0x0f) > 9) throw protocol('variable length field is not F-digit encoded');
    n = n * 10 + (b & 0x0f);
  }
  return n;
}

export function encodeVarLength(n: number, digits: 2 | 3): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n >= 10 ** digits) throw new KioskError('KIOSK_E_INTERNAL', 'variable length out of range');
  const s = String(n).padStart(digits, '0');
  return Uint8Array.from([...s].map((c) => 0xf0 | Number(c)));
}

/** ISO 4217 numeric codes for the currencies kioskd is configured with. */
export const CURRENCY_NUMERIC: Readonly<Record<string, number>> = {
  CNY: 156, EUR: 978, USD: 840, HKD: 344, GBP: 826, CHF: 756, JPY: 392, KRW: 410, SEK: 752, DKK: 208, PLN: 985, CZK: 203,
};

export function currencyToBcd(alpha: string): Uint8Array {
  const n = CURRENCY_NUMERIC[alpha];
  if (n === undefined) throw new KioskError('KIOSK_E_CONFIG_INVALID', `no ISO 4217 numeric code known for ${alpha}`);
  return encodeBcd(String(n), 2);
}

export function currencyFromNumeric(n: number): string | undefined {
  for (const [alpha, num] of Object.entries(CURRENCY_NUMERIC)) if (num === n) return alpha;
  return undefined;
}

/** The ECR password: 6 decimal digits, 3 BCD bytes. */
export function encodePassword(password: string): Uint8Array {
  if (!/^\d{6}$/.test(password)) throw new KioskError('KIOSK_E_CONFIG_INVALID', 'ZVT password must be 6 digits');
  return encodeBcd(password, 3);
}
