import { readFile } from 'node:fs/promises';
import { KioskError } from '../errors/index.js';

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1] ?? '').length + 1 };
}

/**
 * JSON.parse with a KIOSK_E_CONFIG_UNREADABLE error that names the file and, when V8 reports an
 * offset ("at position N", or "line L column C" on newer V8), the line and column.
 */
export function parseJsonText(text: string, file: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body) as unknown;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    let where: { line: number; column: number } | undefined;
    const lc = /line (\d+) column (\d+)/.exec(msg);
    const pos = /position (\d+)/.exec(msg);
    if (lc) where = { line: Number(lc[1]), column: Number(lc[2]) };
    else if (pos) where = lineColumn(body, Number(pos[1]));
    else if (/end of JSON input/i.test(msg)) where = lineColumn(body, body.length);
    const at = where ? `:${where.line}:${where.column}` : '';
    throw new KioskError('KIOSK_E_CONFIG_UNREADABLE', `${file}${at}: ${msg}`, {
      details: { file, ...(where ?? {}) },
      cause: e,
    });
  }
}

/** Reads and parses a JSON file; any failure is KIOSK_E_CONFIG_UNREADABLE naming the file. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KioskError('KIOSK_E_CONFIG_UNREADABLE', `${file}: cannot read (${code ?? String(e)})`, { details: { file, errno: code }, cause: e });
  }
  return parseJsonText(text, file);
}
