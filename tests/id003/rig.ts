import { KioskError } from '../../src/errors/index.js';
import { SerialLink } from '../../src/drivers/serial/index.js';
import { Id003Validator, type Id003ValidatorOptions } from '../../src/drivers/id003/index.js';
import type { BillValidatorEvents, Clock, NoteCredit, Timers } from '../../src/hal/index.js';
import { Id003Simulator, type Id003SimOptions } from '../sim/id003/index.js';
import { attachToMockPort, unplugMockPort } from '../sim/serial/mock-bridge.js';

/**
 * Real timers run `factor` times faster than the protocol times they are asked for, so the driver and
 * the simulator keep their real settings (100 ms polls, 10 s hold) while a test takes a fraction of it.
 */
export function fastTime(factor = 10): { clock: Clock; timers: Timers } {
  const t0 = performance.now();
  return {
    clock: { wallMs: () => Date.now(), monoMs: () => (performance.now() - t0) * factor },
    timers: {
      setTimeout: (fn, ms) => setTimeout(fn, ms / factor),
      clearTimeout: (h) => { if (h !== undefined) clearTimeout(h as NodeJS.Timeout); },
      setInterval: (fn, ms) => setInterval(fn, ms / factor),
      clearInterval: (h) => { if (h !== undefined) clearInterval(h as NodeJS.Timeout); },
    },
  };
}

export type Recorded = { [K in keyof BillValidatorEvents]: { name: K; payload: BillValidatorEvents[K] } }[keyof BillValidatorEvents];

const EVENTS: (keyof BillValidatorEvents & string)[] = [
  'status', 'escrow', 'credited', 'rejected', 'returned', 'stacked', 'jam', 'cashboxRemoved', 'cashboxReplaced', 'stackerFull', 'fraudAttempt',
];

let seq = 0;

export interface Rig {
  readonly sim: Id003Simulator;
  readonly v: Id003Validator;
  readonly events: Recorded[];
  readonly credits: NoteCredit[];
  named<K extends keyof BillValidatorEvents>(name: K): BillValidatorEvents[K][];
  /** A second driver on the same line (a restarted kioskd), with the rig's clock and link factory. */
  another(opts?: Partial<Id003ValidatorOptions>): Id003Validator;
  unplug(): Promise<void>;
  replug(): void;
  dispose(): Promise<void>;
}

export function makeRig(opts: { sim?: Partial<Id003SimOptions>; driver?: Partial<Id003ValidatorOptions> } = {}): Rig {
  const time = fastTime();
  const path = `/dev/ttyID003-${process.pid}-${++seq}`;
  const sim = new Id003Simulator({ ...time, ...opts.sim });
  const detach = attachToMockPort(path, sim);
  let plugged = true;
  const others: Id003Validator[] = [];
  const build = (more: Partial<Id003ValidatorOptions> = {}): Id003Validator => new Id003Validator({
    id: 'bv1',
    openLink: async () => {
      if (!plugged) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'unplugged', { retryable: true, disconnected: true });
      return SerialLink.open({ path, baudRate: 9600, parity: 'even', binding: 'mock' });
    },
    ...time,
    currency: 'CNY',
    pollMs: 100,
    // Generous: the mock line is instant, but two shared cores can stall a test process.
    replyTimeoutMs: 3000,
    ...opts.driver,
    ...more,
  });
  const v = build();
  const events: Recorded[] = [];
  for (const name of EVENTS) v.on(name, (payload) => events.push({ name, payload } as Recorded));
  const credits: NoteCredit[] = [];
  v.setCreditHandler(async (c) => { credits.push(c); });
  return {
    sim, v, events, credits,
    named: <K extends keyof BillValidatorEvents>(name: K) => events.filter((e) => e.name === name).map((e) => e.payload as BillValidatorEvents[K]),
    another: (more) => { const o = build(more); others.push(o); return o; },
    unplug: async () => { plugged = false; await unplugMockPort(path); },
    replug: () => { plugged = true; },
    dispose: async () => { for (const o of others) await o.close(); await v.close(); detach(); },
  };
}
