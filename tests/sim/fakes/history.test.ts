import { describe, expect, it } from 'vitest';
import { HISTORY_LIMIT, remember } from './history.js';
import { createFakeDevices } from './create.js';

describe('fake histories stay bounded (a long-running sim must not leak)', () => {
  it('keeps exactly the newest HISTORY_LIMIT entries', () => {
    const h: number[] = [];
    for (let i = 0; i < 5 * HISTORY_LIMIT + 3; i++) remember(h, i);
    expect(h).toHaveLength(HISTORY_LIMIT);
    expect(h[0]).toBe(4 * HISTORY_LIMIT + 3);
    expect(h.at(-1)).toBe(5 * HISTORY_LIMIT + 2);
    // Contiguous: nothing in the kept window was dropped.
    expect(h.every((x, i) => i === 0 || x === h[i - 1]! + 1)).toBe(true);
  });

  it('the display fake keeps its latest frame after thousands of frames', async () => {
    const { display } = createFakeDevices();
    await display.open();
    const rows = display.geometry().rows;
    for (let i = 0; i < 3 * HISTORY_LIMIT; i++) await display.show({ lines: Array.from({ length: rows }, (_, r) => (r === 0 ? String(i) : '')) });
    expect(display.frames).toHaveLength(HISTORY_LIMIT);
    expect(display.frames.at(-1)?.lines[0]).toBe(String(3 * HISTORY_LIMIT - 1));
  });
});
