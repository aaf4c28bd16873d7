/**
 * From an alarm raised on the terminal to its arrival at a back-end subscriber (events/alarm) while a
 * 50,000-event backlog drains into the same Mosquitto. Alarms are raised every 25 ms during the drain
 * (a device status flipping between paper-out and ok: raised / cleared). Per run: p99 and max.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { parseEnvelope } from '../src/telemetry/index.js';
import { FakeKiosk } from '../tests/fleet/harness.js';
import { drainOurs, makeBacklog } from '../tests/fleet/drain-rig.js';
import type { Benchmark } from './lib.js';
import { p99AndMaxOnMosquitto } from './support/mosquitto-runs.js';

const BACKLOG = 50_000;

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function once(url: string): Promise<{ p99: number; max: number; n: number }> {
  const sub: MqttClient = await connectAsync(url, { protocolVersion: 4, clean: true, clientId: `bench-alarms-${Math.random().toString(16).slice(2)}` });
  const arrived = new Map<number, number>();
  sub.on('message', (_t: string, payload: Buffer) => { arrived.set(parseEnvelope(payload).seq, performance.now()); });
  await sub.subscribeAsync('kiosk/v1/bench/B1/events/alarm', { qos: 1 });
  const b = makeBacklog(BACKLOG);
  const kiosk = new FakeKiosk();
  const raisedAt = new Map<number, number>();
  let seq = 0;
  let timer: NodeJS.Timeout | undefined;
  try {
    await drainOurs(url, b, {
      kiosk,
      onConnected: () => {
        let on = false;
        timer = setInterval(() => {
          if (b.outbox.size() < 2_000) { clearInterval(timer); return; }
          on = !on;
          raisedAt.set(++seq, performance.now());
          kiosk.device('receiptPrinter', on ? { state: 'error', reason: 'paper-out', text: 'paper out' } : { state: 'online', reason: 'ok', text: 'ready' });
        }, 25);
      },
    });
    clearInterval(timer);
    const deadline = performance.now() + 5_000;
    while (arrived.size < raisedAt.size && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (arrived.size < raisedAt.size) throw new Error(`only ${arrived.size} of ${raisedAt.size} alarms arrived`);
    const lat = [...raisedAt].map(([s, t]) => arrived.get(s)! - t);
    return { p99: percentile(lat, 99), max: Math.max(...lat), n: lat.length };
  } finally {
    b.close();
    await sub.endAsync(true);
  }
}

const bench: Benchmark = {
  name: 'alarm-latency',
  goal: 'an alarm raised during a 50,000-event drain reaches a subscriber quickly: p99_ms < 1000',
  async run({ runs }) {
    const r = await p99AndMaxOnMosquitto(runs, async (url) => { const o = await once(url); return { ...o, count: o.n }; });
    return { p99_ms: r.p99_ms, max_ms: r.max_ms, backlog: BACKLOG, alarms_measured: r.count };
  },
};

export default bench;
