import { describe, it, expect } from 'vitest';
import { fuzzEscposStatus } from './escpos.js';

describe('ESC/POS status fuzz', () => {
  it('20,000 valid and random reply sequences in random chunks: nothing escapes, nothing hangs', () => {
    const r = fuzzEscposStatus({ frames: 20_000, seed: 0xe5c });
    expect(r.frames).toBe(20_000);
    expect(r.escapedErrors).toBe(0);
    expect(r.hangs).toBe(0);
    expect(r.decoded).toBeGreaterThan(20_000); // ≥ half the frames are valid, each with ≥ 1 reply
  });

  it('is deterministic for a seed', () => {
    expect(fuzzEscposStatus({ frames: 500, seed: 9 })).toEqual(fuzzEscposStatus({ frames: 500, seed: 9 }));
  });
});
