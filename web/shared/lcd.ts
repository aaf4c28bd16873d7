import { h } from './dom.js';

/**
 * Draws a character LCD as a glass of cells. On the ST7920 (GB2312 ROM) every non-ASCII glyph is a
 * double-byte code and takes two cells; the HD44780's ASCII ROM has one cell per character.
 */
export function lcdCells(line: string, cols: number, charset: 'ascii' | 'gb2312'): { ch: string; wide: boolean }[] {
  const out: { ch: string; wide: boolean }[] = [];
  let used = 0;
  for (const ch of line) {
    const wide = charset === 'gb2312' && (ch.codePointAt(0) ?? 0) > 0x7e;
    const w = wide ? 2 : 1;
    if (used + w > cols) break;
    out.push({ ch, wide });
    used += w;
  }
  for (; used < cols; used++) out.push({ ch: ' ', wide: false });
  return out;
}

export function renderLcd(glass: HTMLElement, text: HTMLElement, lines: readonly string[], geo: { cols: number; rows: number; charset: 'ascii' | 'gb2312' }): void {
  glass.style.setProperty('--cols', String(geo.cols));
  glass.dataset['charset'] = geo.charset;
  const rows: HTMLElement[] = [];
  for (let r = 0; r < geo.rows; r++) {
    const row = h('div', { class: 'lcd-row' });
    for (const c of lcdCells(lines[r] ?? '', geo.cols, geo.charset)) {
      row.append(h('span', { class: c.wide ? 'cell wide' : 'cell' }, c.ch === ' ' ? '\u00a0' : c.ch));
    }
    rows.push(row);
  }
  glass.replaceChildren(...rows);
  // The cells are drawn for the eye; assistive technology and tests read the plain lines.
  text.textContent = lines.map((l) => l.trimEnd()).join('\n');
}
