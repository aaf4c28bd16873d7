import { KioskError, type ErrorCode } from '../../errors/index.js';
import type { ScanEvent } from '../../hal/scanner.js';

/** Longest accepted scan in bytes (AIM prefix included), unless configured otherwise. */
export const DEFAULT_MAX_LENGTH = 512;
/** GS (FNC1 as transmitted): the one control byte GS1 element strings need. */
export const GS = 0x1d;

/** Why a read was dropped; each is a statistics counter of the scanner drivers. */
export type ScanRejectReason = 'oversize' | 'garbage' | 'malformed';

export type ScanResult =
  | { readonly scan: ScanEvent; readonly reason?: undefined; readonly error?: undefined }
  | { readonly scan?: undefined; readonly reason: ScanRejectReason; readonly error: KioskError };

/**
 * What the three scanner drivers share: fed transport input (byte chunks or HID reports), returns whole
 * scans or typed rejections and never throws on device input.
 */
export interface ScanDecoder<I> {
  push(input: I): ScanResult[];
  /** The inter-character timeout fired: a partial read is rejected, the decoder starts clean. */
  flush(): ScanResult[];
  /** Forgets any partial read without reporting it (link lost). */
  reset(): void;
  /** True while a partial read is buffered (the driver then arms its inter-character timer). */
  readonly pending: boolean;
  /** Loop iterations so far; linear in the input, so fuzzing can spot a runaway loop. */
  readonly steps: number;
}

const CODE_BY_REASON: Readonly<Record<ScanRejectReason, ErrorCode>> = {
  oversize: 'KIOSK_E_FRAME_LENGTH',
  garbage: 'KIOSK_E_FRAME_SYNTAX',
  malformed: 'KIOSK_E_FRAME_SYNTAX',
};

/** A rejection; `detail` is a stable sub-reason (never scan content: it may be personal data). */
export function rejectScan(
  reason: ScanRejectReason, detail: string, message: string, details: Record<string, unknown> = {}, code: ErrorCode = CODE_BY_REASON[reason],
): ScanResult {
  return { reason, error: new KioskError(code, message, { retryable: true, details: { reason, detail, ...details } }) };
}

const isAlpha = (b: number): boolean => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
const isAlnum = (b: number): boolean => isAlpha(b) || (b >= 0x30 && b <= 0x39);

/** True for a well-formed ISO/IEC 15424 symbology identifier: `]`, code letter, modifier character. */
export function isAimIdentifier(s: string): boolean {
  return s.length === 3 && s.charCodeAt(0) === 0x5d && isAlpha(s.charCodeAt(1)) && isAlnum(s.charCodeAt(2));
}

/** Splits a leading AIM identifier off; data without one is returned whole. */
export function splitAim(bytes: Uint8Array): { readonly symbology: string | undefined; readonly body: Uint8Array } {
  if (bytes.length >= 3 && bytes[0] === 0x5d && isAlpha(bytes[1]!) && isAlnum(bytes[2]!)) {
    return { symbology: String.fromCharCode(bytes[0], bytes[1]!, bytes[2]!), body: bytes.subarray(3) };
  }
  return { symbology: undefined, body: bytes };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns the bytes of one complete read into a scan. Accepted: printable ASCII, GS, and bytes >= 0x80 that
 * form valid UTF-8 (QR payloads); any other control byte makes the whole read garbage, so line noise or a
 * mis-set baud rate never reaches the transaction logic.
 */
export function decodeScanText(bytes: Uint8Array, opts: { readonly aim: boolean; readonly symbology?: string }): ScanResult {
  let symbology = opts.symbology;
  let body = bytes;
  if (opts.aim) {
    const split = splitAim(bytes);
    body = split.body;
    symbology = split.symbology ?? symbology;
  }
  if (body.length === 0) return rejectScan('garbage', 'empty', 'scan without data');
  let ascii = true;
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (b >= 0x80) { ascii = false; continue; }
    if ((b < 0x20 && b !== GS) || b === 0x7f) return rejectScan('garbage', 'control-byte', 'scan contains a control byte', { offset: i, byte: b });
  }
  let data: string;
  if (ascii) data = Buffer.from(body.buffer, body.byteOffset, body.length).toString('latin1');
  else {
    try { data = utf8.decode(body); } catch {
      return rejectScan('garbage', 'invalid-utf8', 'scan contains bytes that are not UTF-8');
    }
  }
  return { scan: symbology === undefined ? { data } : { data, symbology } };
}
