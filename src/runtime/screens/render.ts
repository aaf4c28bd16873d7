import type { Screen } from '../../fsm/index.js';
import type { DisplayFrame, DisplayGeometry } from '../../hal/index.js';
import { displayWidth, wrapToWidth } from '../../hal/index.js';
import { CATALOGUE, type Locale } from './catalogue.js';

/**
 * Renders an FSM screen into exactly `rows` lines of at most `cols` cells. A glass without Chinese glyphs
 * (HD44780) gets the English catalogue whatever the terminal's locale: showing `?` boxes helps nobody.
 */
export function renderScreen(screen: Screen, locale: Locale, geometry: DisplayGeometry, common: Readonly<Record<string, string | number>> = {}): DisplayFrame {
  const effective: Locale = geometry.charset === 'ascii' ? 'en' : locale;
  const text = CATALOGUE[effective][screen.id]({ ...common, ...screen.params });
  const lines = text.slice(0, geometry.rows).map((l) => clip(l, geometry.cols));
  while (lines.length < geometry.rows) lines.push('');
  return { lines };
}

function clip(line: string, cols: number): string {
  return displayWidth(line) <= cols ? line : (wrapToWidth(line, cols)[0] ?? '');
}
