import { describe, expect, it } from 'vitest';
import { FakeDisplay, fitsCharset } from './display.js';

describe('FakeDisplay', () => {
  it('keeps the current frame and the history of frames', async () => {
    const d = new FakeDisplay({ cols: 20, rows: 4, charset: 'ascii' });
    await d.open();
    expect(d.current().lines).toEqual(['', '', '', '']);
    await d.show({ lines: ['Scan your bill', '', '', 'Cancel: red button'] });
    await d.show({ lines: ['Insert notes', 'Due:    123.00', '', ''] });
    expect(d.current().lines[0]).toBe('Insert notes');
    expect(d.frames.map((f) => f.lines[0])).toEqual(['Scan your bill', 'Insert notes']);
    expect(d.statistics().frames).toBe(2);
  });

  it('rejects frames that do not fit the HD44780 geometry or ROM, and keeps the old frame', async () => {
    const d = new FakeDisplay({ cols: 20, rows: 4, charset: 'ascii' });
    await d.open();
    await d.show({ lines: ['ok', '', '', ''] });
    for (const lines of [
      ['', '', '', '', ''],
      ['', '', ''],
      ['x'.repeat(21), '', '', ''],
      ['请缴费', '', '', ''],
    ]) {
      await expect(d.show({ lines })).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
    }
    expect(d.current().lines[0]).toBe('ok');
    expect(d.statistics().badFrames).toBe(4);
    await d.show({ lines: ['x'.repeat(20), '', '', ''] });
  });

  it('counts a Chinese character as two cells on the ST7920', async () => {
    const d = new FakeDisplay({ cols: 16, rows: 4, charset: 'gb2312' });
    await d.open();
    await d.show({ lines: ['请插入纸币 100元', '应缴 ￥12.50', '', ''] });
    expect(d.text()).toContain('请插入纸币');
    await expect(d.show({ lines: ['请插入纸币请插入纸', '', '', ''] })).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
    await expect(d.show({ lines: ['×'.repeat(9), '', '', ''] })).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
  });

  it('knows which characters the GB2312 ROM lacks', () => {
    expect(fitsCharset('电费 ABC 123 ￥×①', 'gb2312')).toBe(true);
    expect(fitsCharset('€', 'gb2312')).toBe(false); // GBK has it, GB2312 does not
    expect(fitsCharset('\u{20000}', 'gb2312')).toBe(false);
    expect(fitsCharset('\t', 'gb2312')).toBe(false);
    expect(fitsCharset('é', 'ascii')).toBe(false);
  });
});
