/**
 * tx-cost's worker, in its own process so that strace sees only kioskd's work (the MQTT broker runs in the
 * parent). argv: mode ('time' | 'count'), data dir, broker URL ('-' for no telemetry), rounds, batch size.
 * - time: per round, a batch of transactions (wall, CPU, /proc/self/io) and, interleaved, `batch` fsyncs
 *   of a 4 KiB write to a file in the same directory.
 * - count: per round, `access()`es a marker path before and after a batch, so the strace log can be cut
 *   into rounds; waits for the telemetry outbox to drain inside each round (its ACK deletes belong to it).
 */
import { accessSync, closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { readProcIo } from './child.js';
import { payOnce, startBenchKiosk } from './sim.js';
import type { SimKiosk } from '../../tests/sim/harness.js';

const [mode, dataDir, broker, roundsArg, batchArg] = process.argv.slice(2);
const rounds = Number(roundsArg);
const batch = Number(batchArg);
if ((mode !== 'time' && mode !== 'count') || !dataDir || !broker || !(rounds > 0) || !(batch > 0)) {
  throw new Error('usage: tx-worker time|count DIR BROKER|- ROUNDS BATCH');
}

let n = 0;
const sim = await startBenchKiosk({ dataDir, newTxId: () => `TX-${++n}`, ...(broker === '-' ? {} : { brokerUrl: broker }) });
await sim.runtime.start();
const telemetry = sim.runtime.telemetry;

async function until(what: string, ok: () => boolean, maxMs = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > maxMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
const drained = (): boolean => telemetry === undefined || (telemetry.status().connected && telemetry.status().outboxDepth === 0);

async function pay(s: SimKiosk, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await payOnce(s);
}

let commits = 0;
sim.runtime.kiosk.on('journal', () => { commits += 1; });

// Warm-up: JIT, statement caches, the WAL's first wrap-around.
await until('telemetry connected', drained);
await pay(sim, 30);
await until('outbox drained', drained);

if (mode === 'time') {
  const probePath = join(dataDir, 'fsync-probe');
  const fd = openSync(probePath, 'w');
  const page = Buffer.alloc(4096, 0x5a);
  const fsyncOnce = (): number => {
    const t0 = performance.now();
    writeSync(fd, page, 0, page.length, 0);
    fsyncSync(fd);
    return performance.now() - t0;
  };
  fsyncOnce();
  const out = { txMs: [] as number[], cpuMs: [] as number[], writeBytes: [] as number[], wchar: [] as number[], fsyncMs: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    const sides = [
      async () => {
        const io0 = readProcIo(); const cpu0 = process.cpuUsage(); const t0 = performance.now();
        await pay(sim, batch);
        const ms = performance.now() - t0; const cpu = process.cpuUsage(cpu0); const io1 = readProcIo();
        out.txMs.push(ms / batch);
        out.cpuMs.push((cpu.user + cpu.system) / 1000 / batch);
        out.writeBytes.push((io1.writeBytes - io0.writeBytes) / batch);
        out.wchar.push((io1.wchar - io0.wchar) / batch);
      },
      async () => {
        let sum = 0;
        for (let i = 0; i < batch; i++) sum += fsyncOnce();
        out.fsyncMs.push(sum / batch);
      },
    ];
    for (const side of r % 2 === 0 ? sides : sides.reverse()) await side();
  }
  closeSync(fd);
  await sim.close();
  process.stdout.write(`${JSON.stringify(out)}\n`);
} else {
  const mark = (name: string): void => { try { accessSync(join(dataDir, name)); } catch { /* the syscall is the mark */ } };
  const perRound: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = commits;
    mark(`MARK-begin-${r}`);
    await pay(sim, batch);
    await until('outbox drained', drained);
    mark(`MARK-end-${r}`);
    perRound.push((commits - c0) / batch);
  }
  await sim.close();
  process.stdout.write(`${JSON.stringify({ journalCommitsPerTx: perRound })}\n`);
}
