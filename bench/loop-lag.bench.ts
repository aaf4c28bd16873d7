/**
 * Event-loop lag on the terminal (perf_hooks histogram at 1 ms resolution, minus that 1 ms) while a
 * 50,000-event backlog drains into Mosquitto and the SSP validator is polled every 200 ms (driver and its
 * simulator in-process, real timers). Per run: p99 and max.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SspValidator } from '../src/drivers/ssp/index.js';
import { systemClock, systemTimers, type ByteLink } from '../src/hal/index.js';
import { SspValidatorSim } from '../tests/sim/ssp/index.js';
import { haveMosquitto, startMosquitto } from '../tests/fleet/mosquitto.js';
import { drainOurs, makeBacklog } from '../tests/fleet/drain-rig.js';
import { stat, type Benchmark } from './lib.js';

const BACKLOG = 50_000;
const RESOLUTION_MS = 1;

/** A ByteLink whose other end is the simulator in this process; bytes cross on a microtask. */
function pipe(sim: SspValidatorSim): ByteLink {
  const listeners = new Set<(c: Buffer) => void>();
  let open = true;
  sim.attach((bytes) => queueMicrotask(() => { for (const l of listeners) l(bytes); }));
  return {
    get isOpen() { return open; },
    write: (data) => { queueMicrotask(() => sim.receive(Buffer.from(data))); return Promise.resolve(); },
    onData: (l) => { listeners.add(l); return () => { listeners.delete(l); }; },
    onClose: () => () => {},
    close: async () => { open = false; },
  };
}

async function once(url: string): Promise<{ p99: number; max: number; polls: number }> {
  const sim = new SspValidatorSim({ clock: systemClock, timers: systemTimers });
  const v = new SspValidator({ id: 'bench', clock: systemClock, timers: systemTimers, currency: 'CNY', pollMs: 200, openLink: async () => pipe(sim), encryption: { enabled: false } });
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
    if (!haveMosquitto()) throw new Error('mosquitto is needed for this benchmark');
    const mosq = await startMosquitto();
    try {
      const p99: number[] = [];
      const max: number[] = [];
      let polls = 0;
      for (let i = 0; i < runs; i++) {
        const r = await once(mosq.url);
        p99.push(r.p99); max.push(r.max); polls += r.polls;
      }
      return { p99_ms: stat(p99), max_ms: stat(max), backlog: BACKLOG, validator_polls: polls };
    } finally {
      await mosq.dispose();
    }
  },
};

export default bench;
