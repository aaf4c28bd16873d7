import { describe, expect, it } from 'vitest';
import { fuzzWallet } from './wallet.js';

describe('wallet decoders and payment-code classification fuzz', () => {
  it('runs 20,000 gateway replies and scans with no escaped error and no hang', () => {
    const r = fuzzWallet({ frames: 20_000, seed: 0x3a11e7 });
    expect(r.escapedErrors).toBe(0);
    expect(r.hangs).toBe(0);
    // 75 % of the frames are replies, 75 % of them valid; a quarter are scans, some of them payment codes.
    expect(r.decoded).toBeGreaterThanOrEqual(r.frames / 2);
  });

  it('is deterministic for a seed', () => {
    expect(fuzzWallet({ frames: 2000, seed: 7 })).toEqual(fuzzWallet({ frames: 2000, seed: 7 }));
  });
});
