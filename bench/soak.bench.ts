/**
 * soak: does the kiosk's heap return to where it started? One worker process (node --expose-gc) runs a
 * kiosk with telemetry connected to an embedded broker: after a 500-payment warm-up (fakes' bounded histories full), heapUsed after forced
 * GC is sampled `runs` times; then 10,000 complete 3-note payments with 500 validator unplug/replug cycles
 * and 100 broker stop/start cycles spread evenly among them; then `runs` samples again. The soak itself
 * runs once (it is the build); the heap measurements are what repeat. Goal: ratio ≤ 1.1.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ratios, stat, type Benchmark } from './lib.js';
import { repoRoot, runWorker } from './support/child.js';

interface SoakResult { start: number[]; end: number[]; trajectory: number[]; unplugs: number; restarts: number }

const TX = 10_000;
const UNPLUGS = 500;
const RESTARTS = 100;

const bench: Benchmark = {
  name: 'soak',
  goal: 'heap_mb_end / heap_mb_start <= 1.1 (heapUsed after forced GC, median)',
  async run({ runs }) {
    mkdirSync(join(repoRoot, 'var'), { recursive: true });
    const root = mkdtempSync(join(repoRoot, 'var', 'bench-soak-'));
    try {
      const r = await runWorker<SoakResult>('bench/support/soak-worker.ts', [join(root, 'kiosk'), String(TX), String(UNPLUGS), String(RESTARTS), String(runs)], {
        nodeFlags: ['--expose-gc'],
      });
      return {
        heap_mb_start: stat(r.start),
        heap_mb_end: stat(r.end),
        ratio: stat(ratios(r.end, r.start)),
        heap_mb_every_1000_tx: r.trajectory.join(' '),
        transactions: TX,
        unplugs: r.unplugs,
        broker_restarts: r.restarts,
        method: `one worker (node --expose-gc), one soak of ${TX} payments; heapUsed after 3 forced GCs sampled ${runs}× before (after a 500-payment warm-up (fakes' bounded histories full)) ` +
          'and after (telemetry reconnected, outbox drained); logger formats and discards; in-process biller stub; the broker runs in the worker',
      };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};
export default bench;
