import { describe, expect, it } from 'vitest';
import { commandFrame, dataFrame, layoutRow, rowText, rowUpdate } from './codec.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('ST7920 serial codec', () => {
  it('splits every byte into high and low nibbles behind a sync byte', () => {
    expect(commandFrame(0x30)).toEqual([0xf8, 0x30, 0x00]);
    expect(dataFrame(0xd3)).toEqual([0xfa, 0xd0, 0x30]);
  });

  it('encodes GB2312 and starts a hanzi on an even column', () => {
    // 应 = D3 A6, 缴 = BD C9
    expect(hex(layoutRow('应缴'))).toBe(`d3a6bdc9${'20'.repeat(12)}`);
    expect(hex(layoutRow('A应'))).toBe(`4120d3a6${'20'.repeat(12)}`);
    expect(rowText(layoutRow('A应'))).toBe('A 应');
  });

  it('clips at 16 cells without splitting a hanzi, and replaces what the ROM lacks', () => {
    expect(rowText(layoutRow('一二三四五六七八九'))).toBe('一二三四五六七八');
    expect(rowText(layoutRow('123456789012345应'))).toBe('123456789012345');
    expect(rowText(layoutRow('a😀b'))).toBe('a?b');
  });

  it('rewrites only the changed DDRAM words, at the row address', () => {
    const a = layoutRow('已付100.00');
    const b = layoutRow('已付120.00');
    // Cells 4-7 are "100." vs "120.": word 2 (cells 4,5) changes only.
    expect(rowUpdate(1, a, b)).toEqual([...commandFrame(0x92), ...dataFrame(0x31), ...dataFrame(0x32)]);
    expect(rowUpdate(1, a, a)).toEqual([]);
    expect(rowUpdate(2, undefined, a).slice(0, 3)).toEqual(commandFrame(0x88));
  });
});
