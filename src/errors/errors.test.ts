import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, KioskError, isKioskError, toKioskError } from './index.js';

describe('error registry', () => {
  it('docs/errors.md lists exactly the codes in the registry', () => {
    const md = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'errors.md'), 'utf8');
    const documented = [...md.matchAll(/^\| (KIOSK_E_[A-Z0-9_]+) \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('every code follows the KIOSK_E_ naming rule', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(code).toMatch(/^KIOSK_E_[A-Z0-9_]+$/);
  });

  it('carries code and flags, and wraps foreign errors', () => {
    const e = new KioskError('KIOSK_E_DEVICE_OFFLINE', undefined, { retryable: true, disconnected: true });
    expect(e).toMatchObject({ code: 'KIOSK_E_DEVICE_OFFLINE', retryable: true, disconnected: true, message: ERROR_CODES.KIOSK_E_DEVICE_OFFLINE });
    expect(isKioskError(e, 'KIOSK_E_DEVICE_OFFLINE')).toBe(true);
    expect(isKioskError(e, 'KIOSK_E_INTERNAL')).toBe(false);
    const wrapped = toKioskError(new TypeError('boom'), 'KIOSK_E_DEVICE_PROTOCOL');
    expect(wrapped).toMatchObject({ code: 'KIOSK_E_DEVICE_PROTOCOL', retryable: false, message: 'boom' });
    expect(toKioskError(e)).toBe(e);
  });
});
