/**
 * Format B: fixed-length numeric slip, 24 digits, printed as ITF or Code 128:
 *
 *   pos  0–1   biller prefix (BillerEntry.numericPrefix)
 *   pos  2–13  account, 12 digits (leading zeros are part of it)
 *   pos 14–19  period YYYYMM
 *   pos 20–22  reserved, always 000 (room for a later layout version without a new length)
 *   pos 23     Luhn check digit over positions 0–22
 *
 * The Luhn check runs before anything else, so any single changed digit is a check error, never a
 * different bill. An AIM prefix `]I0` (ITF) or `]C0` (Code 128) is accepted and ignored.
 */
import { KioskError } from '../errors/index.js';
import { isValidLuhn, luhnCheckDigit } from './check-digits.js';
import { billerByNumericPrefix, type BillerDirectory } from './directory.js';
import { barcodeCheck, barcodeUnknown, isValidPeriod, type ParsedBill } from './parsed-bill.js';

export const NUMERIC_LENGTH = 24;
const NUMERIC = /^[0-9]{24}$/;
const AIM_PREFIXES = [']I0', ']C0'] as const;
const RESERVED = '000';
const FORMAT = 'numeric-fixed';

/** The 24 digits when `text` has the shape of a numeric slip, else undefined. */
export function matchNumeric(text: string): string | undefined {
  const prefix = AIM_PREFIXES.find((p) => text.startsWith(p));
  const body = prefix === undefined ? text : text.slice(prefix.length);
  return NUMERIC.test(body) ? body : undefined;
}

/** Parses the digits returned by `matchNumeric`. Throws only KIOSK_E_BARCODE_CHECK / _UNKNOWN. */
export function parseNumericSlip(digits: string, raw: string, directory: BillerDirectory): ParsedBill {
  if (!NUMERIC.test(digits)) throw barcodeCheck('structure', FORMAT);
  if (!isValidLuhn(digits)) throw barcodeCheck('luhn-check', FORMAT);
  const prefix = digits.slice(0, 2);
  const account = digits.slice(2, 14);
  const period = digits.slice(14, 20);
  if (digits.slice(20, 23) !== RESERVED) throw barcodeCheck('reserved', FORMAT);
  if (!isValidPeriod(period)) throw barcodeCheck('period', FORMAT);
  const biller = billerByNumericPrefix(directory, prefix);
  if (biller === undefined) throw barcodeUnknown('unknown-biller', FORMAT);
  return { billerId: biller.billerId, account, period, format: FORMAT, raw };
}

export interface NumericSlipFields {
  /** 2 digits. */
  readonly prefix: string;
  /** Exactly 12 digits. */
  readonly account: string;
  /** YYYYMM. */
  readonly period: string;
}

/** Encodes a numeric slip (digits only); throws KIOSK_E_INTERNAL on fields it could not encode. */
export function makeNumericBarcode(fields: NumericSlipFields): string {
  if (!/^[0-9]{2}$/.test(fields.prefix) || !/^[0-9]{12}$/.test(fields.account) || !isValidPeriod(fields.period)) {
    throw new KioskError('KIOSK_E_INTERNAL', 'makeNumericBarcode: fields cannot be encoded');
  }
  const payload = fields.prefix + fields.account + fields.period + RESERVED;
  return payload + String(luhnCheckDigit(payload));
}
