import { describe, expect, it } from 'vitest';
import { SerialScannerConfigSchema } from './config.js';

describe('SerialScannerConfigSchema', () => {
  it('fills the defaults', () => {
    expect(SerialScannerConfigSchema.parse({ driver: 'serial', port: { path: '/dev/ttyACM0' } })).toEqual({
      driver: 'serial', port: { path: '/dev/ttyACM0', baudRate: 9600, binding: 'real' }, suffix: 'cr', aim: true, maxLength: 512, interCharTimeoutMs: 200,
    });
  });

  it('rejects unknown keys, bad suffixes and silly lengths', () => {
    const base = { driver: 'serial', port: { path: '/dev/ttyACM0' } };
    expect(SerialScannerConfigSchema.safeParse({ ...base, prefix: 'x' }).success).toBe(false);
    expect(SerialScannerConfigSchema.safeParse({ ...base, port: { path: '/dev/x', parity: 'even' } }).success).toBe(false);
    expect(SerialScannerConfigSchema.safeParse({ ...base, suffix: 'tab' }).success).toBe(false);
    expect(SerialScannerConfigSchema.safeParse({ ...base, maxLength: 0 }).success).toBe(false);
    expect(SerialScannerConfigSchema.safeParse({ ...base, driver: 'hid-pos' }).success).toBe(false);
  });
});
