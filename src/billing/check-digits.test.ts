import { describe, expect, it } from 'vitest';
import { gs1CheckDigit, isValidGs1, isValidLuhn, luhnCheckDigit } from './check-digits.js';

describe('GS1 mod-10', () => {
  it('matches published EAN-13 / ISBN-13 check digits', () => {
    expect(gs1CheckDigit('400638133393')).toBe(1);
    expect(gs1CheckDigit('590123412345')).toBe(7);
    expect(gs1CheckDigit('978030640615')).toBe(7);
    expect(isValidGs1('4006381333931')).toBe(true);
    expect(isValidGs1('4006381333932')).toBe(false);
  });

  it('rejects non-digits and too-short input without throwing', () => {
    expect(gs1CheckDigit('12a4')).toBeUndefined();
    expect(gs1CheckDigit('')).toBeUndefined();
    expect(isValidGs1('7')).toBe(false);
  });
});

describe('Luhn', () => {
  it('matches the classic vector 79927398713', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3);
    expect(isValidLuhn('79927398713')).toBe(true);
    expect(isValidLuhn('79927398710')).toBe(false);
  });

  it('rejects non-digits', () => {
    expect(luhnCheckDigit('79x')).toBeUndefined();
    expect(isValidLuhn('7a')).toBe(false);
  });
});
