import type { BillerDirectory } from './directory.js';
import { matchGs1, parseGs1Slip } from './gs1.js';
import { matchNumeric, parseNumericSlip } from './numeric.js';
import { barcodeUnknown, type ParsedBill } from './parsed-bill.js';

/** Scanners in keyboard or serial mode often end a read with CR/LF; it is not part of the symbol. */
function stripLineEnd(s: string): string {
  let end = s.length;
  while (end > 0 && (s[end - 1] === '\r' || s[end - 1] === '\n')) end -= 1;
  return s.slice(0, end);
}

/**
 * Parses a scanned bill barcode. Dispatch: exactly 24 digits (optionally `]I0`/`]C0`) is a numeric slip;
 * `]C1`, `(415)`-style text or a leading AI 415 is a GS1 payment slip; anything else is unknown.
 * Throws only KioskError KIOSK_E_BARCODE_UNKNOWN (no format, or a biller not in `directory`) or
 * KIOSK_E_BARCODE_CHECK (a known format with a wrong structure or check digit) — for any string.
 * Numeric goes first without ambiguity: a plain GS1 slip is at least 27 characters (415+13, 8020+7).
 */
export function parseBillBarcode(raw: string, directory: BillerDirectory): ParsedBill {
  if (typeof raw !== 'string') throw barcodeUnknown('no-format');
  const text = stripLineEnd(raw);
  const digits = matchNumeric(text);
  if (digits !== undefined) return parseNumericSlip(digits, raw, directory);
  const gs1 = matchGs1(text);
  if (gs1 !== undefined) return parseGs1Slip(gs1, raw, directory);
  throw barcodeUnknown('no-format');
}

/** Binds a directory once, for callers that want the one-argument `(raw) => ParsedBill`. */
export function createBillBarcodeParser(directory: BillerDirectory): (raw: string) => ParsedBill {
  return (raw) => parseBillBarcode(raw, directory);
}
