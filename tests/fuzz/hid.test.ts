import { describe, expect, it } from 'vitest';
import { fuzzHid, fuzzSerialScanner } from './hid.js';

describe('scanner decoder fuzz', () => {
  it('decodes 20,000 HID POS and keyboard units with no escaped error and no hang', () => {
    const r = fuzzHid({ frames: 20_000, seed: 0x5ca9 });
    expect(r.escapedErrors).toBe(0);
    expect(r.hangs).toBe(0);
    // 60 % of the units are valid reads; corrupt ones cost at most the read that follows them.
    expect(r.decoded).toBeGreaterThanOrEqual(r.frames / 2);
  });

  it('frames 20,000 serial reads in random chunks with no escaped error and no hang', () => {
    const r = fuzzSerialScanner({ frames: 20_000, seed: 0x5ca9 });
    expect(r.escapedErrors).toBe(0);
    expect(r.hangs).toBe(0);
    expect(r.decoded).toBeGreaterThanOrEqual(r.frames / 2);
  });

  it('is deterministic for a seed', () => {
    expect(fuzzHid({ frames: 1000, seed: 7 })).toEqual(fuzzHid({ frames: 1000, seed: 7 }));
    expect(fuzzSerialScanner({ frames: 1000, seed: 7 })).toEqual(fuzzSerialScanner({ frames: 1000, seed: 7 }));
  });
});
