/** Cuts an `strace -f -y` log of fsync-family calls into the rounds a worker marked with access(MARK-…). */
export interface RoundSyncs {
  readonly total: number;
  /** Calls per file, by the file's name relative to the data directory (e.g. `journal.db-wal`). */
  readonly byFile: Readonly<Record<string, number>>;
}

const SYNC = /\b(fsync|fdatasync)\((\d+)<([^>]*)>/;
const MARK = /MARK-(begin|end)-(\d+)/;

export function syncsPerRound(log: string, dataDir: string): RoundSyncs[] {
  const rounds: RoundSyncs[] = [];
  let current: { total: number; byFile: Record<string, number> } | undefined;
  for (const line of log.split('\n')) {
    const m = MARK.exec(line);
    if (m && /\b(access|faccessat2?)\(/.test(line)) {
      if (m[1] === 'begin') current = { total: 0, byFile: {} };
      else if (current) { rounds.push(current); current = undefined; }
      continue;
    }
    const s = SYNC.exec(line);
    if (s && current) {
      const file = s[3]!.startsWith(`${dataDir}/`) ? s[3]!.slice(dataDir.length + 1) : s[3]!;
      current.total += 1;
      current.byFile[file] = (current.byFile[file] ?? 0) + 1;
    }
  }
  return rounds;
}
