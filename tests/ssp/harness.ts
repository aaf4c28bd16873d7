import { SerialLink } from '../../src/drivers/serial/index.js';
import { SspValidator, type SspValidatorOptions } from '../../src/drivers/ssp/index.js';
import { ManualClock, type NoteCredit } from '../../src/hal/index.js';
import { attachToMockPort, unplugMockPort } from '../sim/serial/mock-bridge.js';
import { SspValidatorSim, type SspSimOptions } from '../sim/ssp/index.js';

let portNo = 0;

export interface Rig {
  readonly clock: ManualClock;
  readonly sim: SspValidatorSim;
  readonly v: SspValidator;
  readonly path: string;
  readonly credits: NoteCredit[];
  /** Every event the driver emitted, in order, as [name, payload]. */
  readonly events: [string, unknown][];
  /** Moves simulated time forward in small steps, letting the mock port's I/O run between steps. */
  run(ms: number): Promise<void>;
  /** Runs simulated time until `cond` holds; throws after `maxMs` of simulated time. */
  until(cond: () => boolean, maxMs?: number): Promise<void>;
  /** Awaits a promise while simulated time runs. */
  settle<T>(p: Promise<T>, maxMs?: number): Promise<T>;
  named(name: string): unknown[];
  unplug(): Promise<void>;
  /** The handler the driver calls for each credit; tests may swap it. */
  handler: (c: NoteCredit) => Promise<void>;
}

const flush = async (): Promise<void> => { for (let i = 0; i < 4; i++) await new Promise<void>((r) => setImmediate(r)); };

export function rig(o: { sim?: Partial<SspSimOptions>; driver?: Partial<SspValidatorOptions>; encrypted?: boolean } = {}): Rig {
  const clock = new ManualClock();
  const sim = new SspValidatorSim({ clock, timers: clock, ...o.sim });
  const path = `/dev/ssp-sim-${process.pid}-${++portNo}`;
  attachToMockPort(path, sim);
  const v = new SspValidator({
    id: 'bv0', clock, timers: clock, currency: 'CNY', pollMs: 200,
    openLink: () => SerialLink.open({ path, baudRate: 9600, stopBits: 2, binding: 'mock' }),
    encryption: { enabled: o.encrypted ?? false },
    ...o.driver,
  });
  const events: [string, unknown][] = [];
  for (const name of ['escrow', 'credited', 'rejected', 'returned', 'stacked', 'jam', 'cashboxRemoved', 'cashboxReplaced', 'stackerFull', 'fraudAttempt', 'status', 'counters'] as const) {
    v.on(name, (p: unknown) => { events.push([name, p]); });
  }
  const credits: NoteCredit[] = [];
  const r: Rig = {
    clock, sim, v, path, credits, events,
    handler: async (c) => { credits.push(c); },
    async run(ms) {
      for (let t = 0; t < ms; t += 5) { await flush(); clock.advance(5); }
      await flush();
    },
    async until(cond, maxMs = 60_000) {
      for (let t = 0; t <= maxMs; t += 5) { if (cond()) return; await flush(); clock.advance(5); }
      if (!cond()) throw new Error(`condition not reached within ${maxMs} ms of simulated time`);
    },
    async settle(p, maxMs = 60_000) {
      let done = false;
      const q = p.finally(() => { done = true; });
      q.catch(() => undefined);
      await r.until(() => done, maxMs);
      return q;
    },
    named: (name) => events.filter(([n]) => n === name).map(([, p]) => p),
    unplug: () => unplugMockPort(path),
  };
  v.setCreditHandler((c) => r.handler(c));
  return r;
}

/** Opens and enables the validator with everything accepted. */
export async function start(r: Rig): Promise<void> {
  await r.settle(r.v.open());
  await r.settle(r.v.enable());
}

/** Inserts a note, waits for escrow, accepts it and waits for its credit. */
export async function payNote(r: Rig, valueMinor: number): Promise<void> {
  const before = r.credits.length;
  const escrows = r.named('escrow').length;
  if (!r.sim.insert(valueMinor)) throw new Error('simulator refused the note');
  await r.until(() => r.named('escrow').length > escrows);
  await r.settle(r.v.accept());
  await r.until(() => r.credits.length > before);
}
