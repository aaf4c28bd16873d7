import type { PrintDocument, PrintLine } from '../../../src/hal/index.js';
import { displayWidth, wrapToWidth } from '../../../src/hal/text-width.js';

/** Banner printed first on a reprint (`copy: true`). */
export const COPY_BANNER = '*** COPY ***';

const MAX_FEED = 255; // ESC d n takes one byte

function pad(n: number): string { return ' '.repeat(Math.max(0, n)); }

function align(text: string, cells: number, columns: number, how: 'left' | 'center' | 'right'): string {
  if (how === 'right') return pad(columns - cells) + text;
  if (how === 'center') return pad(Math.floor((columns - cells) / 2)) + text;
  return text;
}

function renderLine(line: PrintLine, columns: number): string[] {
  switch (line.kind) {
    case 'text': {
      // Double size doubles each glyph's width: half as many characters fit; plain text keeps the glyphs.
      const scale = line.size === 2 ? 2 : 1;
      const how = line.align ?? 'left';
      return wrapToWidth(line.text, Math.floor(columns / scale))
        .map((t) => align(t, displayWidth(t) * scale, columns, how));
    }
    case 'pair': {
      const lw = displayWidth(line.left);
      const rw = displayWidth(line.right);
      if (lw + rw + 1 <= columns) return [line.left + pad(columns - lw - rw) + line.right];
      // Too long for one line: left part wrapped, then the right part flush right below it.
      return [
        ...wrapToWidth(line.left, columns),
        ...wrapToWidth(line.right, columns).map((t) => align(t, displayWidth(t), columns, 'right')),
      ];
    }
    case 'rule':
      return ['-'.repeat(columns)];
    case 'feed':
      return Array.from({ length: Math.min(MAX_FEED, Math.max(0, Math.floor(line.lines))) }, () => '');
    case 'qr':
      return [`[QR:${line.data}]`];
    case 'barcode':
      return [`[${line.symbology}:${line.data}]`];
  }
}

/**
 * Renders a document into the plain-text lines a printer of `columns` cells would produce. Bold is lost;
 * double size keeps the characters but is aligned and wrapped at double width; QR codes and barcodes
 * become one `[QR:…]` / `[CODE128:…]` placeholder line each.
 */
export function renderDocument(doc: PrintDocument, columns: number): string[] {
  const out: string[] = [];
  if (doc.copy === true) out.push(align(COPY_BANNER, COPY_BANNER.length, columns, 'center'));
  for (const line of doc.lines) out.push(...renderLine(line, columns));
  return out;
}
