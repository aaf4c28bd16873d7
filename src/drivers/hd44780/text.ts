/** HD44780 ROM A00 has printable ASCII; anything else on the glass would be a Japanese kana or garbage. */
export function toGlassLine(line: string, cols: number): string {
  let out = '';
  for (const ch of line) {
    if (out.length >= cols) break;
    const cp = ch.codePointAt(0)!;
    out += cp >= 0x20 && cp <= 0x7e ? ch : '?';
  }
  return out.padEnd(cols, ' ');
}

/** One write: move the cursor to (row, col), then print `text`. */
export interface CellRun {
  readonly row: number;
  readonly col: number;
  readonly text: string;
}

/**
 * The writes that turn `before` into `after` (both padded to the same width). Runs of changed cells are
 * merged across gaps of up to `gap` unchanged cells: re-sending one cell costs the same bus traffic as
 * the cursor move it saves.
 */
export function diffRuns(before: readonly string[], after: readonly string[], gap = 1): CellRun[] {
  const runs: CellRun[] = [];
  after.forEach((line, row) => {
    const old = before[row] ?? '';
    let start = -1;
    let lastChanged = -1;
    for (let col = 0; col <= line.length; col++) {
      const changed = col < line.length && line[col] !== old[col];
      if (changed) {
        if (start < 0) start = col;
        lastChanged = col;
      } else if (start >= 0 && (col - lastChanged > gap || col === line.length)) {
        runs.push({ row, col: start, text: line.slice(start, lastChanged + 1) });
        start = -1;
      }
    }
  });
  return runs;
}
