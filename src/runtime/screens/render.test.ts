import { describe, expect, it } from 'vitest';
import { displayWidth } from '../../hal/text-width.js';
import { CATALOGUE } from './catalogue.js';
import { renderScreen } from './render.js';

const lcd = { cols: 20, rows: 4, charset: 'ascii' } as const;
const st7920 = { cols: 16, rows: 4, charset: 'gb2312' } as const;

describe('screen rendering', () => {
  it('says "no change given" on the insert-cash screen in both languages', () => {
    const p = { due: 12_340, paid: 0, remaining: 12_340, currency: 'CNY' };
    expect(renderScreen({ id: 'insert-cash', params: p }, 'en', lcd).lines).toEqual(['Due  123.40', 'Paid 0.00', 'Insert notes', 'No change given']);
    expect(renderScreen({ id: 'insert-cash', params: p }, 'zh-CN', st7920).lines).toContain('本机不找零');
  });

  it('falls back to English on a glass without Chinese glyphs', () => {
    expect(renderScreen({ id: 'welcome' }, 'zh-CN', lcd).lines[0]).toBe('Welcome');
  });

  it('fits every screen of both catalogues into its display, with extreme parameters', () => {
    const p = { biller: '国家电网北京市电力公司城区供电分公司', account: '****5678', due: 99_999_999, paid: 99_999_999, surplus: 1, currency: 'CNY', txId: 'ABCD-EFGH-JKLM', hotline: '95598', outcome: 'needs-refund' };
    for (const [locale, geometry] of [['en', lcd], ['zh-CN', st7920]] as const) {
      for (const id of Object.keys(CATALOGUE[locale]) as (keyof (typeof CATALOGUE)['en'])[]) {
        const { lines } = renderScreen({ id, params: p }, locale, geometry);
        expect(lines).toHaveLength(4);
        for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(geometry.cols);
      }
    }
  });

  it('shows the transaction id and the hotline when a refund is needed', () => {
    const { lines } = renderScreen({ id: 'thank-you', params: { outcome: 'needs-refund', txId: 'K7QF2M9X', currency: 'CNY' } }, 'en', lcd, { hotline: '95598' });
    expect(lines).toEqual(['Refund needed', 'Tx K7QF2M9X', 'Call 95598', 'Keep your receipt']);
  });
});
