import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { charWidth, displayWidth, wrapToWidth } from './text-width.js';

/** Every character of GB2312 (EUC-CN rows A1–A9 symbols, B0–F7 hanzi), as decoded by iconv-lite. */
function gb2312Repertoire(): string[] {
  const out: string[] = [];
  for (let lead = 0xa1; lead <= 0xf7; lead++) {
    if (lead > 0xa9 && lead < 0xb0) continue;
    for (let trail = 0xa1; trail <= 0xfe; trail++) {
      const ch = iconv.decode(Buffer.from([lead, trail]), 'gb2312');
      const cp = ch.codePointAt(0)!;
      if (ch === '\ufffd' || (cp >= 0xe000 && cp <= 0xf8ff)) continue; // unassigned or private use
      out.push(ch);
    }
  }
  return out;
}

describe('displayWidth', () => {
  it('counts printable ASCII as one cell each', () => {
    for (let cp = 0x20; cp < 0x7f; cp++) expect(charWidth(cp)).toBe(1);
    expect(displayWidth('Total: 12.50')).toBe(12);
  });

  it('counts every GB2312 double-byte character as two cells, as the ST7920 draws it', () => {
    const chars = gb2312Repertoire();
    expect(chars.length).toBeGreaterThan(7000);
    const narrow = chars.filter((c) => displayWidth(c) !== 2);
    expect(narrow).toEqual([]);
  });

  it('counts CJK as two cells and ambiguous symbols as asked', () => {
    expect(displayWidth('电费123')).toBe(7);
    expect(displayWidth('，。￥')).toBe(6);
    expect(displayWidth('×°')).toBe(4);
    expect(displayWidth('×°', { ambiguous: 1 })).toBe(2);
    expect(displayWidth('\u{20000}')).toBe(2);
    expect(displayWidth('é', { ambiguous: 1 })).toBe(1);
  });

  it('gives no cell to controls, combining marks and zero-width characters', () => {
    expect(displayWidth('a\u0301')).toBe(1);
    expect(displayWidth('a\u200bb\ufeff')).toBe(2);
    expect(displayWidth('\t\n\u0007')).toBe(0);
  });

  it('is additive over concatenation', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) =>
      displayWidth(a + b) === displayWidth(a) + displayWidth(b)));
  });
});

describe('wrapToWidth', () => {
  it('hard-wraps at the edge and moves a straddling wide character down', () => {
    expect(wrapToWidth('abcdefg', 3)).toEqual(['abc', 'def', 'g']);
    expect(wrapToWidth('ab电费', 3)).toEqual(['ab', '电', '费']);
    expect(wrapToWidth('a\nb', 10)).toEqual(['a', 'b']);
    expect(wrapToWidth('', 10)).toEqual(['']);
  });

  it('never exceeds the width (unless one character is wider) and loses no text', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme-composite' }), fc.integer({ min: 1, max: 40 }), (s, width) => {
      const lines = wrapToWidth(s, width);
      const fits = lines.every((l) => displayWidth(l) <= width || [...l].length === 1);
      return fits && lines.join('') === s.replaceAll('\n', '');
    }));
  });
});
