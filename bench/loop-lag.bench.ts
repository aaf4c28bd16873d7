/**
 * Event-loop lag on the terminal (perf_hooks histogram at 1 ms resolution, minus that 1 ms) while a
 * 50,000-event backlog drains into Mosquitto and the SSP validator is polled every 200 ms (driver and its
 * simulator in-process, real timers). Per run: p99 and max.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SspValidator } from '../src/drivers/ssp/index.js';
import { systemClock, systemTimers } from '../src/hal/index.js';
import { SspValidatorSim } from '../tests/sim/ssp/index.js';
import { drainOurs, makeBacklog } from '../tests/fleet/drain-rig.js';
import type { Benchmark } from './lib.js';
import { p99AndMaxOnMosquitto } from './support/mosquitto-runs.js';
import { sspPipe } from './support/ssp-pipe.js';

const BACKLOG = 50_000;
const RESOLUTION_MS = 1;


async function once(url: string): Promise<{ p99: number; max: number; polls: number }> {
  const sim = new SspValidatorSim({ clock: systemClock, timers: systemTimers });
  const v = new SspValidator({ id: 'bench', clock: systemClock, timers: systemTimers, currency: 'CNY', pollMs: 200, openLink: async () => sspPipe(sim), encryption: { enabled: false } });
  v.setCreditHandler(async () => {});
  await v.open();
  await v.enable();
  const b = makeBacklog(BACKLOG);
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const before = sim.commands().length;
  try {
    await drainOurs(url, b, { onConnected: () => h.enable() });
    h.disable();
    const lag = (ns: number): number => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    return { p99: lag(h.percentile(99)), max: lag(h.max), polls: sim.commands().length - before };
  } finally {
    b.close();
    await v.close();
  }
}

const bench: Benchmark = {
  name: 'loop-lag',
  goal: 'the event loop stays responsive during a 50,000-event drain with the validator polled: p99_ms < 20',
  async run({ runs }) {
    const r = await p99AndMaxOnMosquitto(runs, async (url) => { const o = await once(url); return { ...o, count: o.polls }; });
    return { p99_ms: r.p99_ms, max_ms: r.max_ms, backlog: BACKLOG, validator_polls: r.count };
  },
};

export default bench;
