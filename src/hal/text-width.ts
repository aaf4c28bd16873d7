/**
 * How many character cells a string takes on a character display or a receipt printer.
 *
 * Half-width (ASCII) glyphs take one cell; CJK ideographs, kana, hangul and full-width forms take two.
 * The East Asian "ambiguous" characters (°, ×, —, “”, ①, box drawing, Greek, Cyrillic, pinyin vowels…)
 * are the ones GB2312/GBK encode in two bytes: an ST7920 with its GB2312 ROM and a Chinese-mode ESC/POS
 * printer draw them with a full-width glyph, so they count two cells unless `ambiguous: 1` is asked.
 * Combining marks, zero-width characters and control characters take no cell.
 */
export interface TextWidthOptions {
  /** Cells for East Asian ambiguous characters. Defaults to 2 (GB2312 glass, Chinese-mode printers). */
  readonly ambiguous?: 1 | 2;
}

type Range = readonly [number, number];

// East Asian Wide and Fullwidth blocks (sorted, inclusive).
const WIDE: readonly Range[] = [
  [0x1100, 0x115f], [0x2e80, 0x303e], [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff],
  [0xa000, 0xa4cf], [0xa960, 0xa97f], [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f], [0xff00, 0xff60], [0xffe0, 0xffe6], [0x1f300, 0x1f64f], [0x1f900, 0x1f9ff],
  [0x20000, 0x2fffd], [0x30000, 0x3fffd],
];

// Coarse blocks holding the ambiguous-width characters that GB2312/GBK carry as double-byte glyphs.
const AMBIGUOUS: readonly Range[] = [
  [0x00a1, 0x00ff], [0x0100, 0x01dc], [0x0251, 0x0251], [0x0261, 0x0261], [0x02c4, 0x02df],
  [0x0391, 0x03c9], [0x0401, 0x0451], [0x2010, 0x203e], [0x2070, 0x20ac], [0x2100, 0x23ff],
  [0x2460, 0x27bf],
];

// Zero-width: format characters and variation selectors (combining marks are matched by property).
const ZERO: readonly Range[] = [
  [0x00ad, 0x00ad], [0x200b, 0x200f], [0x2028, 0x202e], [0x2060, 0x2064], [0xfe00, 0xfe0f], [0xfeff, 0xfeff],
  [0xe0100, 0xe01ef],
];

const COMBINING = /^[\p{Mn}\p{Me}]$/u;

function inRanges(cp: number, ranges: readonly Range[]): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (cp < r[0]) hi = mid - 1;
    else if (cp > r[1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Cells taken by one code point. */
export function charWidth(cp: number, opts: TextWidthOptions = {}): 0 | 1 | 2 {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x7f) return 1;
  if (inRanges(cp, ZERO) || COMBINING.test(String.fromCodePoint(cp))) return 0;
  if (inRanges(cp, WIDE)) return 2;
  if (inRanges(cp, AMBIGUOUS)) return opts.ambiguous ?? 2;
  return 1;
}

/** Cells taken by a string (code points, so astral characters count once). */
export function displayWidth(s: string, opts: TextWidthOptions = {}): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!, opts);
  return w;
}

/**
 * Hard-wraps text into lines of at most `width` cells, as a printer or a display does at its right
 * edge: a wide character that would straddle the edge moves to the next line. `\n` starts a new line.
 */
export function wrapToWidth(s: string, width: number, opts: TextWidthOptions = {}): string[] {
  const out: string[] = [];
  for (const para of s.split('\n')) {
    let line = '';
    let used = 0;
    for (const ch of para) {
      const w = charWidth(ch.codePointAt(0)!, opts);
      if (used + w > width && used > 0) {
        out.push(line);
        line = '';
        used = 0;
      }
      line += ch;
      used += w;
    }
    out.push(line);
  }
  return out;
}
