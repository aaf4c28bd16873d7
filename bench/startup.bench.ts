/**
 * startup: process start to "ready" of `npm start`'s service (the simulated kiosk with its embedded MQTT
 * broker, sim profile) against a bare `node -e 0`, interleaved. Goal: ratio ≤ 10.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleave, ratios, stat, type Benchmark } from './lib.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

function timeUntil(args: string[], readyLine: RegExp | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: repo, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    let ready: number | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (ready === undefined && readyLine?.test(out)) {
        ready = performance.now() - started;
        child.stdin.end('Q\n');
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (readyLine === undefined) { resolve(performance.now() - started); return; }
      if (ready === undefined) reject(new Error(`exited ${String(code)} before ready:\n${out}`));
      else resolve(ready);
    });
  });
}

const bench: Benchmark = {
  name: 'startup',
  goal: 'ready_ms / bare_node_ms <= 10 (median of pairwise ratios)',
  async run({ runs }) {
    const dataRoot = mkdtempSync(join(tmpdir(), 'kioskd-bench-startup-'));
    let n = 0;
    try {
      // `npm start` builds the launcher bundle, then runs it: the service process is the bundle.
      execFileSync('npm', ['run', '-s', 'build:sim'], { cwd: repo, stdio: 'inherit' });
      const launcher = ['--enable-source-maps', 'dist/sim/launcher.mjs', '--lines', '--broker-port', '0'];
      await timeUntil([...launcher, '--data-dir', join(dataRoot, 'warm')], /^ready:/m);
      const s = await interleave(runs, {
        ready: () => timeUntil([...launcher, '--data-dir', join(dataRoot, String(++n))], /^ready:/m),
        bare: () => timeUntil(['-e', '0'], undefined),
      });
      return { ready_ms: stat(s.ready), bare_node_ms: stat(s.bare), ratio: stat(ratios(s.ready, s.bare)) };
    } finally {
      rmSync(dataRoot, { recursive: true, force: true });
    }
  },
};
export default bench;
