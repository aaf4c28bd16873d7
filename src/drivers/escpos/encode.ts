import iconv from 'iconv-lite';
import type { PrintDocument, PrintLine } from '../../hal/index.js';
import { displayWidth, wrapToWidth } from '../../hal/index.js';
import * as cmd from './commands.js';

export type PrinterColumns = 32 | 48;
export type ReceiptLanguage = 'zh-CN' | 'en';

/** Printable width per roll: 58 mm = 32 columns of 12-dot font A over 384 dots, 80 mm = 48 over 576. */
export const PAPER: Readonly<Record<PrinterColumns, { readonly widthMm: 58 | 80; readonly dots: number }>> = {
  32: { widthMm: 58, dots: 384 },
  48: { widthMm: 80, dots: 576 },
};

export function columnsForPaper(widthMm: 58 | 80): PrinterColumns {
  return widthMm === 58 ? 32 : 48;
}

/** Printed at the top of a reprint (`doc.copy`); the same text the receipt layout uses, so it is never doubled. */
export const COPY_BANNER: Readonly<Record<ReceiptLanguage, string>> = { 'zh-CN': '*** 补打凭条 ***', en: '*** COPY ***' };

export interface EncodeOptions {
  readonly columns: PrinterColumns;
  readonly language: ReceiptLanguage;
  /** Told about content printed differently than asked (a QR code or bar code that cannot be printed). */
  readonly onWarning?: (message: string) => void;
}

// QR model 2, error correction M, byte mode: data capacity of versions 1..40 (ISO/IEC 18004 table 7).
const QR_M_CAPACITY = [
  14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666,
  711, 779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370, 1452, 1538, 1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331,
];

/** Side of the QR symbol in modules for `bytes` of data at EC M, or undefined when it does not fit any version. */
export function qrModulesFor(bytes: number): number | undefined {
  const v = QR_M_CAPACITY.findIndex((cap) => bytes <= cap);
  return v < 0 ? undefined : 17 + 4 * (v + 1);
}

const QR_PREFERRED_MODULE: Readonly<Record<PrinterColumns, number>> = { 32: 5, 48: 6 };
const BARCODE_HEIGHT_DOTS = 80;
const QUIET_MODULES = 10;

/** Drops control characters (they would be commands to the printer) but keeps `\n` for wrapping. */
function sanitize(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\t') out += ' ';
    else if (ch === '\n' || !(cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp >= 0xd800 && cp < 0xe000))) out += ch;
  }
  return out;
}

const isSingleByte = (cp: number): boolean => cp >= 0x20 && cp < 0x7f;

/**
 * One row of text as bytes: printable ASCII is sent in single-byte mode; every other run is GB18030
 * between `FS &` and `FS .`, so the printer is back in single-byte mode after each row.
 */
export function encodeText(text: string): Buffer {
  const parts: Buffer[] = [];
  let run = '';
  let wide = false;
  const flush = (): void => {
    if (!run) return;
    parts.push(wide ? Buffer.concat([cmd.chineseOn(), iconv.encode(run, 'gb18030'), cmd.chineseOff()]) : Buffer.from(run, 'latin1'));
    run = '';
  };
  for (const ch of sanitize(text).replace(/\n/g, ' ')) {
    const w = !isSingleByte(ch.codePointAt(0)!);
    if (w !== wide) { flush(); wide = w; }
    run += ch;
  }
  flush();
  return Buffer.concat(parts);
}

const pad = (n: number): string => ' '.repeat(Math.max(0, n));

/**
 * The rows of a `pair` line: left text, spaces, right text flush with the right edge, measured in display
 * cells (CJK = 2). When both do not fit on one row with a space between, the left part is wrapped and the
 * right part follows on its own rows, right-aligned.
 */
export function pairRows(left: string, right: string, columns: number): string[] {
  const l = sanitize(left).replace(/\n/g, ' ');
  const r = sanitize(right).replace(/\n/g, ' ');
  const lw = displayWidth(l);
  const rw = displayWidth(r);
  if (lw + rw + 1 <= columns) return [l + pad(columns - lw - rw) + r];
  return [...wrapToWidth(l, columns), ...wrapToWidth(r, columns).map((t) => pad(columns - displayWidth(t)) + t)];
}

/** Rows of a `text` line at its size: double size halves the cells per row. Alignment is the printer's (ESC a). */
export function textRows(text: string, columns: number, size: 1 | 2 = 1): string[] {
  return wrapToWidth(sanitize(text), Math.floor(columns / size));
}

function encodeLine(line: PrintLine, o: EncodeOptions, out: Buffer[]): void {
  const columns = o.columns;
  const rows = (rs: readonly string[]): void => { for (const r of rs) out.push(encodeText(r), Buffer.of(cmd.LF)); };
  switch (line.kind) {
    case 'text': {
      const how = line.align ?? 'left';
      const size = line.size === 2 ? 2 : 1;
      if (how !== 'left') out.push(cmd.align(how));
      if (line.bold) out.push(cmd.bold(true));
      if (size === 2) out.push(cmd.charSize(2, 2));
      rows(textRows(line.text, columns, size));
      if (size === 2) out.push(cmd.charSize(1, 1));
      if (line.bold) out.push(cmd.bold(false));
      if (how !== 'left') out.push(cmd.align('left'));
      return;
    }
    case 'pair':
      if (line.bold) out.push(cmd.bold(true));
      rows(pairRows(line.left, line.right, columns));
      if (line.bold) out.push(cmd.bold(false));
      return;
    case 'rule':
      rows(['-'.repeat(columns)]);
      return;
    case 'feed': {
      const n = Math.min(255, Math.max(0, Math.floor(line.lines)));
      if (n > 0) out.push(cmd.feedLines(n));
      return;
    }
    case 'qr': {
      const data = Buffer.from(line.data, 'utf8');
      const modules = qrModulesFor(data.length);
      const size = modules === undefined ? 0 : Math.min(QR_PREFERRED_MODULE[columns], Math.floor(PAPER[columns].dots / (modules + 8)));
      // A DLE byte inside the payload could read as a real-time command on some printers (§4.6 caveat).
      if (data.length === 0 || size < 1 || data.includes(cmd.DLE)) {
        o.onWarning?.(`QR code not printable (${data.length} bytes); printed as text`);
        encodeLine({ kind: 'text', text: line.data, align: 'center' }, o, out);
        return;
      }
      out.push(cmd.align('center'), cmd.qrCode(data, { moduleSize: size, ec: 'M' }), cmd.align('left'));
      return;
    }
    case 'barcode': {
      const dots = PAPER[columns].dots;
      const modules = cmd.code128BModules(line.data);
      const width = [3, 2].find((w) => (modules + 2 * QUIET_MODULES) * w <= dots) ?? (modules * 2 <= dots ? 2 : undefined);
      if (line.symbology !== 'CODE128' || !cmd.isCode128BText(line.data) || line.data.length > 250 || width === undefined) {
        o.onWarning?.('bar code not printable; printed as text');
        encodeLine({ kind: 'text', text: line.data, align: 'center' }, o, out);
        return;
      }
      out.push(
        cmd.align('center'), cmd.barcodeHeight(BARCODE_HEIGHT_DOTS), cmd.barcodeModuleWidth(width), cmd.hriPosition('below'),
        cmd.hriFont(0), cmd.code128B(line.data), cmd.align('left'),
      );
      return;
    }
  }
}

/**
 * A whole receipt as ESC/POS bytes: ESC @, single-byte mode (`FS .`: many Chinese printers power up in
 * Chinese mode), the optional COPY banner, every line, then feed-to-cutter and a partial cut.
 */
export function encodeDocument(doc: PrintDocument, o: EncodeOptions): Buffer {
  const out: Buffer[] = [cmd.initialize(), cmd.chineseOff()];
  const banner = COPY_BANNER[o.language];
  const first = doc.lines[0];
  if (doc.copy && !(first?.kind === 'text' && first.text === banner)) {
    encodeLine({ kind: 'text', text: banner, align: 'center', bold: true }, o, out);
  }
  for (const line of doc.lines) encodeLine(line, o, out);
  out.push(cmd.feedAndPartialCut(0));
  return Buffer.concat(out);
}
