import { describe, expect, it } from 'vitest';
import { diffRuns, toGlassLine } from './text.js';

describe('HD44780 text', () => {
  it('pads to the width, clips, and replaces non-ASCII with ?', () => {
    expect(toGlassLine('Due ¥12', 10)).toBe('Due ?12   ');
    expect(toGlassLine('应缴', 4)).toBe('??  ');
    expect(toGlassLine('x'.repeat(25), 20)).toBe('x'.repeat(20));
  });

  it('writes only the runs that changed, merging one-cell gaps', () => {
    const before = ['Due  123.40', 'Paid 0.00  '];
    const after = ['Due  123.40', 'Paid 20.00 '];
    expect(diffRuns(before, after)).toEqual([{ row: 1, col: 5, text: '20.00' }]);
    expect(diffRuns(['abcdef'], ['xbcdex'])).toEqual([{ row: 0, col: 0, text: 'x' }, { row: 0, col: 5, text: 'x' }]);
    expect(diffRuns(['abcdef'], ['xbxdef'])).toEqual([{ row: 0, col: 0, text: 'xbx' }]);
    expect(diffRuns(['same'], ['same'])).toEqual([]);
  });
});
