/**
 * Check-digit arithmetic over decimal digit strings. Callers pass only [0-9] strings; anything else
 * yields `undefined` so the parsers can report a structure error instead of throwing.
 */

const DIGITS = /^[0-9]+$/;

/** GS1 mod-10 (GLN, GTIN, SSCC): weights 3,1,3,1… from the right of the payload. */
export function gs1CheckDigit(payload: string): number | undefined {
  if (!DIGITS.test(payload)) return undefined;
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    const digit = payload.charCodeAt(payload.length - 1 - i) - 48;
    sum += i % 2 === 0 ? digit * 3 : digit;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the last digit is the GS1 check digit of the ones before it. */
export function isValidGs1(digits: string): boolean {
  if (digits.length < 2) return false;
  const expected = gs1CheckDigit(digits.slice(0, -1));
  return expected !== undefined && expected === digits.charCodeAt(digits.length - 1) - 48;
}

/**
 * Luhn (mod 10) check digit of a payload: doubling every second digit from the right, starting with the
 * rightmost payload digit. Doubling is a permutation of 0–9, so any single changed digit changes the sum.
 */
export function luhnCheckDigit(payload: string): number | undefined {
  if (!DIGITS.test(payload)) return undefined;
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let digit = payload.charCodeAt(payload.length - 1 - i) - 48;
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the last digit is the Luhn check digit of the ones before it. */
export function isValidLuhn(digits: string): boolean {
  if (digits.length < 2) return false;
  const expected = luhnCheckDigit(digits.slice(0, -1));
  return expected !== undefined && expected === digits.charCodeAt(digits.length - 1) - 48;
}
