/**
 * journal-scale: does an append get slower as the journal grows? synchronous=OFF, so this measures
 * structure (b-trees, indexes, projections), not fsync. Per run, 1,100 single-record appends (100
 * complete 3-note payments: the runtime's record mix, one SQL transaction per record as the runtime
 * commits) on a journal holding ~1,000 events (rebuilt for every run so it stays at that size) and on one
 * holding ~1,000,000 (built once per bench run with batched appendAll), interleaved. Goal: ratio ≤ 1.3.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Journal } from '../src/ledger/index.js';
import { ratios, round, stat, type Benchmark } from './lib.js';
import { repoRoot } from './support/child.js';
import { buildJournal, EVENTS_PER_TX, flushToDisk, txRecords } from './support/journal-build.js';

const TX_PER_RUN = 100;

function timeAppends(j: Journal, tag: string, from: number): number {
  const records = [];
  for (let i = from; i < from + TX_PER_RUN; i++) records.push(...txRecords(i, tag));
  const t0 = performance.now();
  for (const r of records) j.append(r);
  return ((performance.now() - t0) * 1000) / records.length;
}

const bench: Benchmark = {
  name: 'journal-scale',
  goal: 'append_us_at_1m / append_us_at_1k <= 1.3 (median of pairwise ratios), synchronous=OFF',
  async run({ runs }) {
    mkdirSync(join(repoRoot, 'var'), { recursive: true });
    const root = mkdtempSync(join(repoRoot, 'var', 'bench-journal-scale-'));
    try {
      const t0 = performance.now();
      const big = buildJournal(join(root, 'big.db'), 1_000_000);
      const buildMs = performance.now() - t0;
      big.pragma('wal_checkpoint');
      flushToDisk(join(root, 'big.db'));
      const bigEvents = big.lastSeq();
      let run = 0;
      let small: Journal | undefined;
      const at1k: number[] = [];
      const at1m: number[] = [];
      for (let r = 0; r < runs; r++) {
        // A fresh ~1k journal per run, so the small side never grows past ~2k events.
        small = buildJournal(join(root, `small-${r}.db`), 1_000);
        const sides = [
          () => at1k.push(timeAppends(small!, `S${r}`, 0)),
          () => at1m.push(timeAppends(big, 'M', 1_000_000 + run * TX_PER_RUN)),
        ];
        for (const side of r % 2 === 0 ? sides : sides.reverse()) side();
        run += 1;
        small.close();
      }
      const events = big.lastSeq();
      big.close();
      return {
        append_us_at_1k: stat(at1k),
        append_us_at_1m: stat(at1m),
        ratio: stat(ratios(at1m, at1k)),
        db_bytes_per_event: round(statSync(join(root, 'big.db')).size / events, 1),
        big_journal_events: bigEvents,
        build_1m_ms: round(buildMs, 0),
        method: `1M journal built once (appendAll, 2,000 payments = ${2_000 * EVENTS_PER_TX} events per SQL transaction); ` +
          `each of ${runs} runs times ${TX_PER_RUN * EVENTS_PER_TX} single-record appends per side (mean µs per append), sides interleaved; ` +
          'the ~1k journal is rebuilt per run; db_bytes_per_event after the final checkpoint',
      };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};
export default bench;
