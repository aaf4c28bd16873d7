import { describe, expect, it } from 'vitest';
import { deepMerge } from './merge.js';

describe('deepMerge', () => {
  it('merges objects, replaces arrays and scalars, does not mutate', () => {
    const base = { a: { b: 1, c: [1, 2] }, d: 'x' };
    const out = deepMerge(base, { a: { c: [3] }, d: 'y' });
    expect(out).toEqual({ a: { b: 1, c: [3] }, d: 'y' });
    expect(base).toEqual({ a: { b: 1, c: [1, 2] }, d: 'x' });
  });

  it('deletes keys set to null', () => {
    expect(deepMerge({ a: { b: 1, c: 2 } }, { a: { b: null } })).toEqual({ a: { c: 2 } });
  });

  it('replaces a device block whole when the driver changes', () => {
    const base = { bv: { driver: 'ssp', port: { path: '/dev/x', baudRate: 9600 }, encryption: true } };
    expect(deepMerge(base, { bv: { driver: 'fake' } })).toEqual({ bv: { driver: 'fake' } });
    expect(deepMerge(base, { bv: { driver: 'ssp', encryption: false } })).toEqual({ bv: { ...base.bv, encryption: false } });
  });

  it('ignores __proto__ keys from JSON', () => {
    const out = deepMerge({}, JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.keys(out)).toEqual([]);
  });
});
