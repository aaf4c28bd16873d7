import { describe, expect, it } from 'vitest';
import type { ScanResult } from '../serial-scanner/index.js';
import { KeyboardDecoder, MOD, keyToChar, parseBootReport } from './keyboard-report.js';

const rep = (mod: number, ...keys: number[]): Uint8Array => Uint8Array.from([mod, 0, ...keys, ...Array(6 - keys.length).fill(0)]);
const UP = rep(0);
const view = (rs: ScanResult[]): unknown[] => rs.map((r) => (r.scan ? r.scan : { reason: r.reason, detail: r.error.details['detail'] }));
function feed(d: KeyboardDecoder, reports: Uint8Array[]): ScanResult[] { return reports.flatMap((r) => d.push(r)); }
/** press/release pairs for usages, as scanners send them. */
const taps = (...keys: [number, number][]): Uint8Array[] => keys.flatMap(([m, k]) => [rep(m, k), UP]);

describe('US keymap', () => {
  it('maps letters, digits, shifted symbols, punctuation and keypad', () => {
    expect(keyToChar(0x04, 0)).toBe('a');
    expect(keyToChar(0x1d, MOD.RSHIFT)).toBe('Z');
    expect(keyToChar(0x1e, 0)).toBe('1');
    expect(keyToChar(0x27, 0)).toBe('0');
    expect(keyToChar(0x1f, MOD.LSHIFT)).toBe('@');
    expect(keyToChar(0x27, MOD.LSHIFT)).toBe(')');
    expect(keyToChar(0x2d, 0)).toBe('-');
    expect(keyToChar(0x38, MOD.LSHIFT)).toBe('?');
    expect(keyToChar(0x37, 0)).toBe('.');
    expect(keyToChar(0x30, MOD.LCTRL)).toBe('\x1d');
    expect(keyToChar(0x62, 0)).toBe('0');
    expect(keyToChar(0x3a, 0)).toBeUndefined(); // F1
    expect(keyToChar(0x04, MOD.LALT)).toBeUndefined();
  });

  it('parses boot reports and spots phantom (rollover) reports', () => {
    expect(parseBootReport(rep(2, 0x04, 0x05))).toEqual({ modifiers: 2, keys: [0x04, 0x05], rollover: false });
    expect(parseBootReport(rep(0, 1, 1, 1, 1, 1, 1))?.rollover).toBe(true);
    expect(parseBootReport(Uint8Array.of(0, 0, 4))).toBeUndefined();
    expect(parseBootReport(Uint8Array.of(1, 0, 0, 4, 0, 0, 0, 0, 0), 1)?.keys).toEqual([4]);
  });
});

describe('KeyboardDecoder', () => {
  it('types a mixed-case read with shift and ends it at Enter', () => {
    const d = new KeyboardDecoder({ aim: false });
    const out = feed(d, taps([MOD.LSHIFT, 0x04], [0, 0x05], [0, 0x1e], [MOD.LSHIFT, 0x1e], [0, 0x28]));
    expect(view(out)).toEqual([{ data: 'Ab1!' }]);
  });

  it('types a held key once and ignores rollover reports', () => {
    const d = new KeyboardDecoder();
    const out = feed(d, [rep(0, 0x1e), rep(0, 0x1e), rep(0, 1, 1, 1, 1, 1, 1), rep(0, 0x1e, 0x1f), UP, rep(0, 0x1f), rep(0, 0x58), UP]);
    expect(view(out)).toEqual([{ data: '122' }]);
  });

  it('splits a typed AIM prefix and turns Ctrl+] into GS', () => {
    const d = new KeyboardDecoder();
    // ] C 1 4 GS 9 Enter
    const out = feed(d, taps([0, 0x30], [MOD.LSHIFT, 0x06], [0, 0x1e], [0, 0x21], [MOD.LCTRL, 0x30], [0, 0x26], [0, 0x28]));
    expect(view(out)).toEqual([{ data: '4\x1d9', symbology: ']C1' }]);
  });

  it('drops a read with an unmapped key, counts malformed reports, and keeps going', () => {
    const d = new KeyboardDecoder();
    expect(view(feed(d, taps([0, 0x1e], [0, 0x3a], [0, 0x28])))).toEqual([{ reason: 'garbage', detail: 'unmapped-key' }]);
    expect(view(d.push(Uint8Array.of(0, 0, 4)))).toEqual([{ reason: 'malformed', detail: 'length' }]);
    expect(view(feed(d, taps([0, 0x1f], [0, 0x28])))).toEqual([{ data: '2' }]);
    expect(feed(d, taps([0, 0x28]))).toEqual([]); // a lone Enter
  });

  it('refuses a read beyond maxLength once, then resynchronises at Enter', () => {
    const d = new KeyboardDecoder({ maxLength: 16 });
    const digits = Array.from({ length: 40 }, (_, i): [number, number] => [0, 0x1e + (i % 10)]);
    expect(view(feed(d, taps(...digits, [0, 0x28], [0, 0x1f], [0, 0x28])))).toEqual([{ reason: 'oversize', detail: 'max-length' }, { data: '2' }]);
  });

  it('flush() drops typed text without Enter as garbage', () => {
    const d = new KeyboardDecoder();
    feed(d, taps([0, 0x1e]));
    expect(d.pending).toBe(true);
    expect(view(d.flush())).toEqual([{ reason: 'garbage', detail: 'timeout' }]);
    expect(view(feed(d, taps([0, 0x1e], [0, 0x28])))).toEqual([{ data: '1' }]);
  });
});
