/**
 * tx-cost: one complete 3-note cash payment through the real runtime at zero device latency — HAL fakes,
 * an in-process biller stub, the real journal (synchronous=FULL) under the repo's var/ on the real disk,
 * telemetry enabled and connected to an embedded broker (in this process; kioskd runs in a worker).
 * Compared with the floor the design needs: 10 fsyncs (per note its decision and its credit, plus
 * opening, posting intent, posted and closed) × the cost of one fsync of a 4 KiB write on the same file
 * system, measured interleaved with the transactions. fsyncs are COUNTED, in a second worker run under
 * strace. Goals: ratio ≤ 1.5, fsyncs_per_tx ≤ 10, bytes_written_per_tx ≤ 128 KiB.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedBroker } from '../tests/sim/launcher/broker.js';
import { ratios, stat, type Benchmark } from './lib.js';
import { repoRoot, runWorker } from './support/child.js';
import { syncsPerRound } from './support/strace.js';

const FLOOR_FSYNCS = 2 * 3 + 4;
const BATCH = 5;

interface TimeResult { txMs: number[]; cpuMs: number[]; writeBytes: number[]; wchar: number[]; fsyncMs: number[] }
interface CountResult { journalCommitsPerTx: number[] }

function hasStrace(): boolean {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const bench: Benchmark = {
  name: 'tx-cost',
  goal: 'ms_per_tx / (10 × fsync_ms) <= 1.5; fsyncs_per_tx <= 10; bytes_written_per_tx <= 128 KiB (medians)',
  async run({ runs }) {
    mkdirSync(join(repoRoot, 'var'), { recursive: true });
    const root = realpathSync(mkdtempSync(join(repoRoot, 'var', 'bench-tx-cost-')));
    const broker = await startEmbeddedBroker({ port: 0 });
    try {
      const t = await runWorker<TimeResult>('bench/support/tx-worker.ts', ['time', join(root, 'time'), broker.url, String(runs), String(BATCH)]);
      if (!hasStrace()) throw new Error('strace is not installed (apt-get install strace): fsyncs cannot be counted');
      const countDir = join(root, 'count');
      const log = join(root, 'strace.log');
      const c = await runWorker<CountResult>('bench/support/tx-worker.ts', ['count', countDir, broker.url, String(runs), String(BATCH)], {
        wrapper: ['strace', '-f', '-y', '-qq', '-e', 'trace=fsync,fdatasync,access,faccessat,faccessat2', '-o', log],
      });
      const rounds = syncsPerRound(readFileSync(log, 'utf8'), countDir);
      if (rounds.length !== runs) throw new Error(`strace log has ${rounds.length} marked rounds, expected ${runs}`);
      const byFile: Record<string, number> = {};
      for (const r of rounds) for (const [f, k] of Object.entries(r.byFile)) byFile[f] = (byFile[f] ?? 0) + k;
      const txCount = runs * BATCH;
      const floor = t.fsyncMs.map((f) => f * FLOOR_FSYNCS);
      return {
        ms_per_tx: stat(t.txMs),
        cpu_ms_per_tx: stat(t.cpuMs),
        fsyncs_per_tx: stat(rounds.map((r) => r.total / BATCH)),
        fsync_ms: stat(t.fsyncMs),
        floor_ms: stat(floor),
        ratio: stat(ratios(t.txMs, floor)),
        bytes_written_per_tx: stat(t.writeBytes),
        wchar_per_tx: stat(t.wchar),
        journal_commits_per_tx: stat(c.journalCommitsPerTx),
        fsyncs_by_file_per_tx: Object.entries(byFile).map(([f, k]) => `${f}: ${(k / txCount).toFixed(3)}`).join(', '),
        method: `timing: ${runs} rounds × ${BATCH} tx in a worker process, each round interleaved with ${BATCH} fsyncs of a 4 KiB write in the same directory; ` +
          `fsyncs: counted by 'strace -f -y -e trace=fsync,fdatasync' on a second worker, cut into rounds by access() markers, outbox drained within each round; ` +
          `bytes: /proc/self/io write_bytes delta over each round's transactions (wchar_per_tx: the write() bytes); telemetry enabled and connected (QoS 1 ACK deletes included)`,
        fs: execFileSync('df', ['-T', root], { encoding: 'utf8' }).split('\n')[1]?.split(/\s+/)[1] ?? 'unknown',
      };
    } finally {
      await broker.stop();
      rmSync(root, { recursive: true, force: true });
    }
  },
};
export default bench;
