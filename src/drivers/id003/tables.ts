import { KioskError } from '../../errors/index.js';
import { currencyExponent, type Minor } from '../../money/index.js';
import type { Denomination } from '../../hal/index.js';

/**
 * JCM country-code byte → ISO 4217, as far as public code knows it [OSS TerminalClient
 * CurrencySpecification.h]; the driver option `countryCodes` extends or overrides it.
 */
export const JCM_COUNTRY_CODES: Readonly<Record<number, string>> = {
  0x01: 'USD', 0x08: 'CAD', 0x16: 'CHF', 0x27: 'RUB', 0x2d: 'CNY', 0x30: 'HUF', 0x51: 'KZT',
  0x5c: 'UAH', 0x63: 'INR', 0x78: 'IRR', 0x7e: 'MDL', 0x86: 'UZS', 0xe0: 'EUR',
};

/** One 4-byte entry of the CURRENCY ASSIGN (0x8A) answer: value = base × 10^exponent major units. */
export interface CurrencyAssignEntry {
  readonly escrowCode: number;
  readonly countryCode: number;
  readonly base: number;
  readonly exponent: number;
}

/** Escrow codes start at 0x61 on every dataset seen; channel = escrow code − 0x60 keeps channels 1-based. */
export const ESCROW_CODE_BASE = 0x60;

/** Splits the 0x8A answer data into entries; a length not a multiple of 4 is a protocol error. */
export function decodeCurrencyAssign(data: Uint8Array): CurrencyAssignEntry[] {
  if (data.length % 4 !== 0) {
    throw new KioskError('KIOSK_E_DEVICE_PROTOCOL', `currency assign data length ${data.length} is not a multiple of 4`, { retryable: true });
  }
  const out: CurrencyAssignEntry[] = [];
  for (let i = 0; i < data.length; i += 4) {
    out.push({ escrowCode: data[i]!, countryCode: data[i + 1]!, base: data[i + 2]!, exponent: data[i + 3]! });
  }
  return out;
}

export interface DenominationTable {
  readonly currency: string;
  readonly denominations: readonly (Denomination & { readonly escrowCode: number })[];
}

/**
 * Turns the entries into the terminal's denominations in minor units. Entries with base 0 are empty
 * slots. Every used slot must name `expected` currency, else KIOSK_E_DEVICE_CURRENCY.
 */
export function buildDenominationTable(
  entries: readonly CurrencyAssignEntry[],
  expected: string,
  countryCodes: Readonly<Record<number, string>> = JCM_COUNTRY_CODES,
): DenominationTable {
  const minorExp = currencyExponent(expected);
  const denominations: (Denomination & { escrowCode: number })[] = [];
  for (const e of entries) {
    if (e.base === 0) continue;
    const currency = countryCodes[e.countryCode];
    if (currency !== expected) {
      throw new KioskError('KIOSK_E_DEVICE_CURRENCY', `validator dataset is ${currency ?? `country 0x${e.countryCode.toString(16)}`}, terminal is ${expected}`, {
        details: { countryCode: e.countryCode, expected },
      });
    }
    if (e.escrowCode <= ESCROW_CODE_BASE) {
      throw new KioskError('KIOSK_E_DEVICE_PROTOCOL', `escrow code 0x${e.escrowCode.toString(16)} below 0x61`, { retryable: true });
    }
    const value: Minor = e.base * 10 ** (e.exponent + minorExp);
    if (!Number.isSafeInteger(value)) throw new KioskError('KIOSK_E_DEVICE_PROTOCOL', 'denomination value out of range', { retryable: true });
    denominations.push({ channel: e.escrowCode - ESCROW_CODE_BASE, value, currency, escrowCode: e.escrowCode });
  }
  if (denominations.length === 0) throw new KioskError('KIOSK_E_DEVICE_PROTOCOL', 'currency assign table is empty', { retryable: true });
  return { currency: expected, denominations };
}

/**
 * The C0 mask for the values to accept: bit i = escrow code (lowest code + i), 1 = inhibit.
 * Codes beyond 16 bits from the lowest cannot be addressed and stay enabled by the device.
 */
export function inhibitMask(table: DenominationTable, accepted: readonly Minor[]): number {
  const codes = table.denominations.map((d) => d.escrowCode);
  const first = Math.min(...codes);
  let mask = 0;
  for (const d of table.denominations) {
    const bit = d.escrowCode - first;
    if (bit < 16 && !accepted.includes(d.value)) mask |= 1 << bit;
  }
  return mask;
}

/** Printable ASCII of a version answer, NULs and control bytes dropped. */
export function decodeAscii(data: Uint8Array): string {
  let s = '';
  for (const b of data) if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
  return s.trim();
}

export interface VersionInfo {
  readonly model: string;
  readonly firmware: string;
  readonly raw: string;
}

/**
 * VERSION REQUEST answers look like `<model>(<country>) ID003-<ver> <date> <crc>`, but the layout
 * varies by model: the first token is taken as the model and the rest as the firmware string.
 */
export function parseVersion(text: string): VersionInfo {
  const raw = text.trim();
  const space = raw.indexOf(' ');
  if (space < 0) return { model: raw || 'unknown', firmware: raw, raw };
  return { model: raw.slice(0, space), firmware: raw.slice(space + 1).trim(), raw };
}
