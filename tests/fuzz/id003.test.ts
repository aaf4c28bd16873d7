import { describe, it, expect } from 'vitest';
import { fuzzId003 } from './id003.js';

describe('ID-003 codec fuzz', () => {
  it('decodes 20,000 mixed frames in random chunks with no escaped error and no hang', () => {
    const r = fuzzId003({ frames: 20_000, seed: 0x1d003 });
    expect(r.escapedErrors).toBe(0);
    expect(r.hangs).toBe(0);
    // 60 % of the frames are valid and the decoder resynchronises past the corrupt ones.
    expect(r.decoded).toBeGreaterThanOrEqual(r.frames / 2);
  });

  it('is deterministic for a seed', () => {
    expect(fuzzId003({ frames: 2000, seed: 7 })).toEqual(fuzzId003({ frames: 2000, seed: 7 }));
  });
});
