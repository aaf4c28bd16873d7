import { describe, it, expect } from 'vitest';
import { fuzzSsp } from './ssp.js';

describe('SSP codec fuzz', () => {
  it('20,000 random and mutated frames: nothing escapes, nothing hangs, most valid frames decode', () => {
    const r = fuzzSsp({ frames: 20_000, seed: 0x55a });
    expect(r.frames).toBe(20_000);
    expect(r.escapedErrors).toBe(0);
    expect(r.hangs).toBe(0);
    expect(r.decoded).toBeGreaterThan(10_000); // ≥ half are valid frames
  });

  it('is deterministic for a seed', () => {
    expect(fuzzSsp({ frames: 500, seed: 7 })).toEqual(fuzzSsp({ frames: 500, seed: 7 }));
  });
});
