/**
 * The simulator's own slip encoder, written apart from src/billing on purpose: when the kiosk's parser
 * reads these, two independent readings of the format agree.
 *
 * GS1 payment slip: AI 415 (GLN) + AI 8020 (account followed by YYYYMM) + FNC1 + AI 3902 (amount, 2 decimals).
 * Numeric slip: prefix(2) account(12) period(6) "000" Luhn(1).
 */

const FNC1 = String.fromCharCode(0x1d);

function digitsOf(s: string): number[] {
  return Array.from(s, (ch) => {
    const d = ch.charCodeAt(0) - 0x30;
    if (d < 0 || d > 9) throw new RangeError(`not a digit string: ${s}`);
    return d;
  });
}

/** Mod-10 with alternating weights 3 and 1, the rightmost data digit weighted 3. */
export function gs1Mod10(data: string): string {
  const total = digitsOf(data)
    .reverse()
    .reduce((acc, d, idx) => acc + d * (idx % 2 === 0 ? 3 : 1), 0);
  return String((10 - (total % 10)) % 10);
}

/** Luhn via its doubled-digit table: the rightmost data digit is doubled. */
const DOUBLED = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9] as const;
export function luhnDigit(data: string): string {
  const total = digitsOf(data)
    .reverse()
    .reduce((acc, d, idx) => acc + (idx % 2 === 0 ? DOUBLED[d] ?? 0 : d), 0);
  return String((10 - (total % 10)) % 10);
}

export function withGs1Check(data12: string): string {
  return data12 + gs1Mod10(data12);
}

export interface GsSlip {
  readonly gln: string;
  readonly account: string;
  readonly period: string;
  readonly amount: number;
}

/** As a scanner with AIM symbology ids transmits it: `]C1` + element string. */
export function encodeGs1Scanned(slip: GsSlip): string {
  return [']C1', '415', slip.gln, '8020', slip.account, slip.period, FNC1, '3902', String(slip.amount)].join('');
}

/** As printed under the bars. */
export function encodeGs1Printed(slip: GsSlip): string {
  return `(415)${slip.gln}(8020)${slip.account}${slip.period}(3902)${slip.amount}`;
}

export interface NumSlip {
  readonly prefix: string;
  readonly account: string;
  readonly period: string;
}

export function encodeNumeric(slip: NumSlip): string {
  if (slip.prefix.length !== 2 || slip.account.length !== 12 || slip.period.length !== 6) {
    throw new RangeError('numeric slip field lengths are 2/12/6');
  }
  const data = `${slip.prefix}${slip.account}${slip.period}000`;
  return data + luhnDigit(data);
}
