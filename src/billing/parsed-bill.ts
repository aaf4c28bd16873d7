import { KioskError } from '../errors/index.js';

export type BarcodeFormat = 'gs1-128' | 'numeric-fixed';

/** What a bill barcode says, before the biller is asked. */
export interface ParsedBill {
  readonly billerId: string;
  readonly account: string;
  /** Billing period as YYYYMM. */
  readonly period?: string;
  /** Amount printed on the slip, in minor units; the biller's answer is what counts. */
  readonly amountHint?: number;
  readonly format: BarcodeFormat;
  /** The scanned text as received (personal data: never log it). */
  readonly raw: string;
}

/** Why a barcode was rejected; goes into `details.reason` and never contains the barcode itself. */
export type BarcodeRejectReason =
  | 'no-format' | 'unknown-biller' | 'structure' | 'unknown-ai' | 'duplicate-ai' | 'missing-ai'
  | 'gln-check' | 'luhn-check' | 'reference' | 'period' | 'amount' | 'reserved';

export function barcodeUnknown(reason: BarcodeRejectReason, format?: BarcodeFormat): KioskError {
  return new KioskError('KIOSK_E_BARCODE_UNKNOWN', undefined, { details: format ? { reason, format } : { reason } });
}

export function barcodeCheck(reason: BarcodeRejectReason, format: BarcodeFormat): KioskError {
  return new KioskError('KIOSK_E_BARCODE_CHECK', undefined, { details: { reason, format } });
}

const PERIOD = /^(20[0-9]{2})(0[1-9]|1[0-2])$/;

/** YYYYMM with a 20xx year and a real month: slips from other centuries are misreads. */
export function isValidPeriod(period: string): boolean {
  return PERIOD.test(period);
}
