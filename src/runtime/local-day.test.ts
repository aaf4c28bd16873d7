import { describe, expect, it } from 'vitest';
import { localDay, localDayRange } from './local-day.js';

describe('local calendar days', () => {
  it('names the day of an instant, and the days around it across a month end', () => {
    const noon = new Date(2026, 2, 1, 12).getTime(); // 1 March 2026, local noon
    expect(localDay(noon)).toBe('2026-03-01');
    expect(localDay(noon, -1)).toBe('2026-02-28');
    expect(localDay(noon, 31)).toBe('2026-04-01');
  });

  it('gives a day as [start, end) containing its own instants, and refuses what is not a day', () => {
    const [from, to] = localDayRange('2026-03-01');
    expect(localDay(from)).toBe('2026-03-01');
    expect(localDay(to)).toBe('2026-03-02');
    expect(localDay(to - 1)).toBe('2026-03-01');
    expect(() => localDayRange('1 March')).toThrow(expect.objectContaining({ code: 'KIOSK_E_INTERNAL' }));
  });
});
