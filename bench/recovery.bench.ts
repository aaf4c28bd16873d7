/**
 * recovery: boot to ready with one open transaction holding money, on a journal of ~1,000 events and on
 * one of ~1,000,000. "Boot" = createRuntime (opens the journal, synchronous=FULL) + runtime.kiosk.start()
 * on the HAL fakes with an in-process biller stub, until start() resolved and the recovered transaction is
 * posted and closed. Before every boot (untimed) a new transaction is opened and credited, then the
 * journal is closed cleanly — a service restart mid-payment. Goal: ratio ≤ 1.5 (no full replay).
 * Also reported: the 1M boot after an unclean end (no clean-close marker: the full quick_check runs).
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { Journal } from '../src/ledger/index.js';
import { createRuntime } from '../src/runtime/compose.js';
import { createFakeDevices } from '../tests/sim/fakes/index.js';
import { interleave, ratios, stat, type Benchmark } from './lib.js';
import { repoRoot } from './support/child.js';
import { buildJournal, clock, flushToDisk, txRecords } from './support/journal-build.js';
import { discardingLogger, stubBiller } from './support/sim.js';

let opened = 0;
const phases: number[] = [];
const uncleanPhases: number[] = [];
const start1k: number[] = [];
const start1m: number[] = [];

/** Leaves one transaction open with a credited note in it, and closes the journal (cleanly, or not). */
function leaveOpenTransaction(path: string, clean: boolean): string {
  const j = Journal.open({ path, bootId: 'bench-prev', clock });
  const recs = txRecords(++opened, 'OPEN', true);
  for (const r of recs) j.append(r);
  j.close();
  if (!clean) unlinkSync(`${path}-clean`);
  return recs[0]!.type === 'tx.opened' ? recs[0]!.txId : '';
}

async function boot(path: string, clean: boolean): Promise<number> {
  const txId = leaveOpenTransaction(path, clean);
  const { config } = await loadConfig({ profile: 'sim', env: {}, overrides: { journal: { path }, settings: { path: `${path}.settings.json` }, log: { level: 'info' } } });
  const d = createFakeDevices({ currency: config.terminal.currency });
  const t0 = performance.now();
  const runtime = createRuntime({
    config, logger: discardingLogger(), biller: stubBiller(),
    devices: { billValidator: d.billValidator, scanner: d.scanner, receiptPrinter: d.receiptPrinter, display: d.display, panel: d.panel },
  });
  const created = performance.now() - t0;
  await runtime.kiosk.start();
  const ms = performance.now() - t0;
  (clean ? phases : uncleanPhases).push(created);
  if (clean) (path.endsWith('big.db') ? start1m : start1k).push(ms - created);
  const row = runtime.journal.transaction(txId);
  if (row?.state !== 'closed' || row.paid === 0) throw new Error(`transaction ${txId} not recovered: ${JSON.stringify(row)}`);
  if (!clean && runtime.journal.openCheck !== 'full') throw new Error('unclean boot did not run the full check');
  if (clean && runtime.journal.openCheck !== 'header') throw new Error('clean boot ran the full check');
  await runtime.close();
  return ms;
}

const bench: Benchmark = {
  name: 'recovery',
  goal: 'recovery_ms_at_1m / recovery_ms_at_1k <= 1.5 (median of pairwise ratios)',
  async run({ runs }) {
    mkdirSync(join(repoRoot, 'var'), { recursive: true });
    const root = mkdtempSync(join(repoRoot, 'var', 'bench-recovery-'));
    try {
      const small = join(root, 'small.db');
      const big = join(root, 'big.db');
      buildJournal(small, 1_000).close();
      buildJournal(big, 1_000_000).close();
      flushToDisk(small);
      flushToDisk(big);
      await boot(small, true);
      await boot(big, true);
      phases.length = 0; start1k.length = 0; start1m.length = 0;
      const s = await interleave(runs, { at1k: () => boot(small, true), at1m: () => boot(big, true) });
      const unclean: number[] = [];
      for (let r = 0; r < runs; r++) unclean.push(await boot(big, false));
      return {
        recovery_ms_at_1k: stat(s.at1k),
        recovery_ms_at_1m: stat(s.at1m),
        ratio: stat(ratios(s.at1m, s.at1k)),
        recovery_ms_at_1m_unclean: stat(unclean),
        create_runtime_ms_both_sizes: stat(phases),
        kiosk_start_ms_at_1k: stat(start1k),
        kiosk_start_ms_at_1m: stat(start1m),
        method: 'journals built once (~1k and ~1M events, batched appendAll, synchronous=OFF); per boot, untimed: one transaction opened + ' +
          'one note credited, journal closed cleanly; timed: createRuntime + kiosk.start() until the transaction is posted; sides interleaved. ' +
          'unclean: same at 1M with the clean-close marker removed (as after a crash), so Journal.open runs the full quick_check',
      };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};
export default bench;
