import { describe, expect, it } from 'vitest';
import { HidScannerConfigSchema } from './config.js';

describe('HidScannerConfigSchema', () => {
  it('parses both HID drivers with their defaults', () => {
    expect(HidScannerConfigSchema.parse({ driver: 'hid-pos', vendorId: 0x0c2e, productId: 0x0b61 })).toEqual({
      driver: 'hid-pos', vendorId: 0x0c2e, productId: 0x0b61, maxLength: 512, interCharTimeoutMs: 200,
    });
    expect(HidScannerConfigSchema.parse({ driver: 'wedge', vendorId: 1, productId: 2, path: '1-1.2:1.0' })).toEqual({
      driver: 'wedge', vendorId: 1, productId: 2, path: '1-1.2:1.0', maxLength: 512, interCharTimeoutMs: 200, aim: true,
    });
  });

  it('rejects ids outside 16 bits, unknown keys and unknown drivers', () => {
    expect(HidScannerConfigSchema.safeParse({ driver: 'hid-pos', vendorId: 0x10000, productId: 1 }).success).toBe(false);
    expect(HidScannerConfigSchema.safeParse({ driver: 'hid-pos', vendorId: 1, productId: 1, aim: true }).success).toBe(false);
    expect(HidScannerConfigSchema.safeParse({ driver: 'hid-pos', vendorId: '0c2e', productId: 1 }).success).toBe(false);
    expect(HidScannerConfigSchema.safeParse({ driver: 'serial', vendorId: 1, productId: 1 }).success).toBe(false);
  });
});
