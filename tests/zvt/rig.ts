import type { Logger } from 'pino';
import { KioskError } from '../../src/errors/index.js';
import { SerialLink } from '../../src/drivers/serial/index.js';
import { TcpLink, ZvtCardTerminal, type ZvtCardTerminalOptions, type ZvtTerminalEvents } from '../../src/drivers/zvt/index.js';
import type { Clock, Timers } from '../../src/hal/index.js';
import { attachToMockPort, unplugMockPort } from '../sim/serial/mock-bridge.js';
import { ZvtSerialSide, ZvtSimTcpServer, ZvtTerminalSim, type ZvtSimOptions } from '../sim/zvt/index.js';

/** Real timers running `factor` times faster than the protocol times they are given (no wall-clock asserts). */
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

export type Transport = 'serial' | 'tcp';
export type Recorded = { [K in keyof ZvtTerminalEvents]: { name: K; payload: ZvtTerminalEvents[K] } }[keyof ZvtTerminalEvents];

export interface RigOptions {
  readonly transport: Transport;
  readonly sim?: Partial<ZvtSimOptions>;
  readonly driver?: Partial<ZvtCardTerminalOptions>;
  readonly logger?: Logger;
}

export interface Rig {
  readonly sim: ZvtTerminalSim;
  /** Serial only: the PT's line end (CRC fault injection, raw bytes). */
  readonly side: ZvtSerialSide | undefined;
  readonly server: ZvtSimTcpServer | undefined;
  readonly t: ZvtCardTerminal;
  readonly events: Recorded[];
  named<K extends keyof ZvtTerminalEvents>(name: K): ZvtTerminalEvents[K][];
  /** Another driver on the same terminal (a restarted kioskd). */
  another(opts?: Partial<ZvtCardTerminalOptions>): ZvtCardTerminal;
  /** Cuts the link (USB unplug or TCP reset). */
  cut(): Promise<void>;
  dispose(): Promise<void>;
}

let seq = 0;
const EVENTS: (keyof ZvtTerminalEvents & string)[] = ['status', 'intermediate', 'reversed'];

export async function makeRig(o: RigOptions): Promise<Rig> {
  const time = fastTime();
  const sim = new ZvtTerminalSim({ ...time, ...o.sim });
  let side: ZvtSerialSide | undefined;
  let server: ZvtSimTcpServer | undefined;
  let openLink: ZvtCardTerminalOptions['openLink'];
  let detach = (): void => {};
  let path = '';
  if (o.transport === 'serial') {
    path = `/dev/ttyZVT-${process.pid}-${++seq}`;
    side = new ZvtSerialSide(sim, { ...time, ackTimeoutMs: 5000 });
    detach = attachToMockPort(path, side);
    openLink = () => SerialLink.open({ path, baudRate: 9600, stopBits: 2, binding: 'mock' });
  } else {
    server = new ZvtSimTcpServer(sim);
    const port = await server.listen();
    openLink = () => TcpLink.open({ host: '127.0.0.1', port, timers: time.timers });
  }
  const others: ZvtCardTerminal[] = [];
  const build = (more: Partial<ZvtCardTerminalOptions> = {}): ZvtCardTerminal => new ZvtCardTerminal({
    id: 'card1', openLink, transport: o.transport, ...time, currency: 'CNY', password: '000000',
    statusRepeatMs: 2000, maxStatusInfos: 10, idleTimeoutMs: 3000, commandAckTimeoutMs: 5000, ackTimeoutMs: 5000,
    reconnectBaseMs: 200, ...(o.logger ? { logger: o.logger } : {}), ...o.driver, ...more,
  });
  const t = build();
  const events: Recorded[] = [];
  for (const name of EVENTS) t.on(name, (payload) => events.push({ name, payload } as Recorded));
  return {
    sim, side, server, t, events,
    named: <K extends keyof ZvtTerminalEvents>(name: K) => events.filter((e) => e.name === name).map((e) => e.payload as ZvtTerminalEvents[K]),
    another: (more) => { const d = build(more); others.push(d); return d; },
    cut: async () => {
      if (o.transport === 'serial') await unplugMockPort(path);
      else server!.dropConnection();
    },
    dispose: async () => {
      for (const d of others) await d.close();
      await t.close();
      detach();
      await server?.close();
    },
  };
}

export const wait = { timeout: 15_000, interval: 5 };

/** Awaits a rejected promise and returns its KioskError (fails the test if it resolved). */
export async function rejection(p: Promise<unknown>): Promise<KioskError> {
  try { await p; } catch (err) { if (err instanceof KioskError) return err; throw err; }
  throw new Error('expected a rejection');
}
