/**
 * ESC/POS command builders (PROTOCOLS.md §4). Each returns the exact bytes; no state, no I/O.
 */

export const ESC = 0x1b;
export const GS = 0x1d;
export const FS = 0x1c;
export const DLE = 0x10;
export const EOT = 0x04;
export const LF = 0x0a;

const b = (...bytes: number[]): Buffer => Buffer.from(bytes);

/** ESC @ — clear the buffer and reset print modes (§4.1). */
export const initialize = (): Buffer => b(ESC, 0x40);

/** FS & — enter Chinese (double-byte, GB18030) mode (§4.2). */
export const chineseOn = (): Buffer => b(FS, 0x26);

/** FS . — leave Chinese mode: bytes ≥ 0x80 are single-byte code-page characters again (§4.2). */
export const chineseOff = (): Buffer => b(FS, 0x2e);

export type Alignment = 'left' | 'center' | 'right';
const ALIGN: Readonly<Record<Alignment, number>> = { left: 0, center: 1, right: 2 };

/** ESC a n — justification; applies from the start of the next line (§4.1). */
export const align = (a: Alignment): Buffer => b(ESC, 0x61, ALIGN[a]);

/** ESC E n — emphasized (bold) on/off (§4.1). */
export const bold = (on: boolean): Buffer => b(ESC, 0x45, on ? 1 : 0);

/** GS ! n — character size: width multiplier in bits 4–6, height in bits 0–2, each minus one (§4.1). */
export function charSize(width: number, height: number): Buffer {
  const w = Math.min(8, Math.max(1, Math.floor(width))) - 1;
  const h = Math.min(8, Math.max(1, Math.floor(height))) - 1;
  return b(GS, 0x21, (w << 4) | h);
}

/** ESC d n — print the buffer and feed n lines, n 0..255 (§4.1). */
export const feedLines = (n: number): Buffer => b(ESC, 0x64, Math.min(255, Math.max(0, Math.floor(n))));

/** GS V 66 n — feed to the cutting position (+ n dots) and cut partially, so no printed line stays above the blade (§4.5). */
export const feedAndPartialCut = (n = 0): Buffer => b(GS, 0x56, 0x42, Math.min(255, Math.max(0, Math.floor(n))));

/** GS V 1 — partial cut at the current position (§4.5). */
export const partialCut = (): Buffer => b(GS, 0x56, 0x01);

export type QrErrorCorrection = 'L' | 'M' | 'Q' | 'H';
const QR_EC: Readonly<Record<QrErrorCorrection, number>> = { L: 0x30, M: 0x31, Q: 0x32, H: 0x33 };

/** Most data bytes one QR symbol store command takes (model 2, 40-L, byte mode upper bound). */
export const QR_MAX_DATA = 7089;

/** `GS ( k pL pH cn fn …` with pL/pH = bytes after pH (§4.3). */
function gsParenK(fn: number, params: Uint8Array): Buffer {
  const len = 2 + params.length; // cn + fn + params
  return Buffer.concat([b(GS, 0x28, 0x6b, len & 0xff, (len >> 8) & 0xff, 0x31, fn), params]);
}

/**
 * The five QR commands of §4.3: model 2, module size, error correction, store data, print.
 * Throws RangeError for data longer than QR_MAX_DATA or a module size outside 1..16.
 */
export function qrCode(data: Uint8Array, opts: { moduleSize: number; ec?: QrErrorCorrection }): Buffer {
  if (data.length < 1 || data.length > QR_MAX_DATA) throw new RangeError(`QR data must be 1..${QR_MAX_DATA} bytes`);
  if (!Number.isInteger(opts.moduleSize) || opts.moduleSize < 1 || opts.moduleSize > 16) throw new RangeError('QR module size must be 1..16');
  return Buffer.concat([
    gsParenK(0x41, b(0x32, 0x00)),
    gsParenK(0x43, b(opts.moduleSize)),
    gsParenK(0x45, b(QR_EC[opts.ec ?? 'M'])),
    gsParenK(0x50, Buffer.concat([b(0x30), data])),
    gsParenK(0x51, b(0x30)),
  ]);
}

/** GS h n — bar code height in dots (§4.4). */
export const barcodeHeight = (dots: number): Buffer => b(GS, 0x68, Math.min(255, Math.max(1, Math.floor(dots))));
/** GS w n — bar code module width, 2..6 (§4.4). */
export const barcodeModuleWidth = (n: number): Buffer => b(GS, 0x77, Math.min(6, Math.max(2, Math.floor(n))));
export type HriPosition = 'none' | 'above' | 'below' | 'both';
const HRI: Readonly<Record<HriPosition, number>> = { none: 0, above: 1, below: 2, both: 3 };
/** GS H n — where the human-readable interpretation is printed (§4.4). */
export const hriPosition = (p: HriPosition): Buffer => b(GS, 0x48, HRI[p]);
/** GS f n — HRI font A (0) or B (1) (§4.4). */
export const hriFont = (font: 0 | 1): Buffer => b(GS, 0x66, font);

/** Characters code set B carries (printable ASCII). */
export const isCode128BText = (s: string): boolean => /^[\x20-\x7e]+$/.test(s);

/**
 * `GS k 73 n {B data` — CODE128 (function B, m = 73) in code set B (§4.4). A literal `{` is sent as `{{`,
 * since `{` starts a code-set/function escape in the printer's CODE128 data. Throws RangeError for
 * characters outside printable ASCII or more than 255 data bytes.
 */
export function code128B(text: string): Buffer {
  if (!isCode128BText(text)) throw new RangeError('CODE128 set B takes printable ASCII only');
  const data = Buffer.from(`{B${text.replace(/\{/g, '{{')}`, 'latin1');
  if (data.length > 255) throw new RangeError('CODE128 data longer than 255 bytes');
  return Buffer.concat([b(GS, 0x6b, 73, data.length), data]);
}

/** Modules of a CODE128 symbol for `text` in code set B: start 11 + 11 per character + check 11 + stop 13. */
export const code128BModules = (text: string): number => 35 + 11 * text.length;

/** DLE EOT n — real-time status, n = 1 printer, 2 offline cause, 3 error cause, 4 roll paper (§4.6). */
export const dleEot = (n: 1 | 2 | 3 | 4): Buffer => b(DLE, EOT, n);

/** The four real-time status requests in order, sent as one write. */
export const STATUS_QUERY: Buffer = Buffer.concat([dleEot(1), dleEot(2), dleEot(3), dleEot(4)]);

/**
 * GS r 1 — transmit paper sensor status. Unlike DLE EOT it is processed in order with print data, so its
 * one-byte answer says the printer has worked through everything sent before it (§4.6).
 */
export const transmitPaperStatus = (): Buffer => b(GS, 0x72, 0x01);

/** GS a n — Automatic Status Back; kioskd sends n = 0 so that only its own requests produce replies (§4.7). */
export const automaticStatusBack = (mask: number): Buffer => b(GS, 0x61, mask & 0xff);

/**
 * GS I n — printer ID. n 1/2/3 answer one byte (model ID, type ID, version ID); n 0x41 firmware,
 * 0x42 maker, 0x43 model name, 0x44 serial answer `5F text 00` (Epson command reference; not every
 * clone answers).
 */
export const printerId = (n: number): Buffer => b(GS, 0x49, n & 0xff);
export const PRINTER_ID = { MODEL_ID: 0x01, TYPE_ID: 0x02, VERSION_ID: 0x03, FIRMWARE: 0x41, MAKER: 0x42, MODEL: 0x43, SERIAL: 0x44 } as const;
