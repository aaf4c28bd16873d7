import { describe, expect, it } from 'vitest';
import { fuzzZvt } from './zvt.js';

describe('ZVT codec fuzz', () => {
  it('decodes 20,000 mixed frames in random chunks with no escaped error and no hang', () => {
    const r = fuzzZvt({ frames: 20_000, seed: 0x2e7 });
    expect(r.escapedErrors).toBe(0);
    expect(r.hangs).toBe(0);
    // 60 % of the frames are valid and reach BMP/TLV decoding; the decoder resynchronises past the rest.
    expect(r.decoded).toBeGreaterThanOrEqual(r.frames / 2);
  });

  it('is deterministic for a seed', () => {
    expect(fuzzZvt({ frames: 2000, seed: 7 })).toEqual(fuzzZvt({ frames: 2000, seed: 7 }));
  });
});
