import { describe, expect, it } from 'vitest';
import { KioskError } from '../errors/index.js';
import { lineColumn, parseJsonText } from './json-text.js';

function parseError(text: string): KioskError {
  try {
    parseJsonText(text, 'x.json');
  } catch (e) {
    if (e instanceof KioskError) return e;
  }
  throw new Error('expected a KioskError');
}

describe('parseJsonText', () => {
  it('parses JSON, tolerating a BOM', () => {
    expect(parseJsonText('\ufeff{"a":1}', 'x.json')).toEqual({ a: 1 });
  });

  it('reports the file, line and column of a syntax error', () => {
    const e = parseError('{\n  "a": 1,\n  }');
    expect(e.code).toBe('KIOSK_E_CONFIG_UNREADABLE');
    expect(e.details).toMatchObject({ file: 'x.json', line: 3, column: 3 });
  });

  it('places a truncated document at its end', () => {
    expect(parseError('{\n "a": [1,').details).toMatchObject({ line: 2 });
  });

  it('computes 1-based line and column', () => {
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
