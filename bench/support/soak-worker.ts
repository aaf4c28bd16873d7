/**
 * soak's worker (run with --expose-gc): one process, one kiosk with telemetry connected to an embedded
 * broker, TX transactions, an unplug/replug of the validator every TX/UNPLUGS transactions and a broker
 * stop/start every TX/RESTARTS. Heap (heapUsed after forced GC) is sampled SAMPLES times before and after.
 * argv: data dir, transactions, unplugs, restarts, samples.
 */
import { startEmbeddedBroker } from '../../tests/sim/launcher/broker.js';
import { payOnce, startBenchKiosk } from './sim.js';

const [dataDir, txArg, unplugArg, restartArg, samplesArg] = process.argv.slice(2);
const total = Number(txArg); const unplugs = Number(unplugArg); const restarts = Number(restartArg); const samples = Number(samplesArg);
const gc = (globalThis as { gc?: () => void }).gc;
if (!dataDir || !(total > 0) || !(unplugs >= 0) || !(restarts >= 0) || !(samples > 0) || !gc) {
  throw new Error('usage: node --expose-gc soak-worker DIR TX UNPLUGS RESTARTS SAMPLES');
}

async function until(what: string, ok: () => boolean, maxMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > maxMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function heapMb(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

const broker = await startEmbeddedBroker({ port: 0 });
let n = 0;
const sim = await startBenchKiosk({ dataDir, brokerUrl: broker.url, newTxId: () => `SOAK-${++n}` });
await sim.runtime.start();
const { kiosk, telemetry } = sim.runtime;
const connected = (): boolean => telemetry?.status().connected === true;
const ready = (): boolean => kiosk.serviceState().service === 'in-service' && ['idle', 'done'].includes(kiosk.state().name);
await until('telemetry connected', connected);

// Warm-up, so that JIT code, statement caches and the fakes' full (bounded) histories are in the "start" figure.
const WARMUP = 500;
for (let i = 0; i < WARMUP; i++) await payOnce(sim);
await until('outbox drained', () => connected() && telemetry!.status().outboxDepth === 0);
const start: number[] = [];
for (let i = 0; i < samples; i++) start.push(heapMb());

const unplugEvery = unplugs ? Math.floor(total / unplugs) : Infinity;
const restartEvery = restarts ? Math.floor(total / restarts) : Infinity;
const trajectory: number[] = [];
let didUnplug = 0; let didRestart = 0;
const v = sim.devices.billValidator;
for (let i = 1; i <= total; i++) {
  await payOnce(sim);
  if (i % unplugEvery === 0 && didUnplug < unplugs) {
    v.unplug();
    await kiosk.settle();
    v.replug();
    await until('validator back in service', ready);
    didUnplug += 1;
  }
  if (i % restartEvery === 0 && didRestart < restarts) {
    await until('telemetry connected before a restart', connected);
    await broker.stop();
    await broker.start();
    didRestart += 1;
  }
  if (i % Math.max(1, Math.floor(total / 10)) === 0) trajectory.push(Math.round(heapMb() * 10) / 10);
}
await until('telemetry reconnected and drained', () => connected() && telemetry!.status().outboxDepth === 0);
const end: number[] = [];
for (let i = 0; i < samples; i++) end.push(heapMb());
await sim.close();
await broker.stop();
process.stdout.write(`${JSON.stringify({ start, end, trajectory, unplugs: didUnplug, restarts: didRestart, connections: n })}\n`);
