import { SerialLink } from '../../src/drivers/serial/index.js';
import { EscposPrinter, type EscposPrinterOptions } from '../../src/drivers/escpos/index.js';
import { ManualClock } from '../../src/hal/index.js';
import type { ReceiptData } from '../../src/runtime/receipt/layout.js';
import { attachToMockPort, unplugMockPort } from '../sim/serial/mock-bridge.js';
import { EscposPrinterSim, type EscposSimOptions } from '../sim/escpos/index.js';

let portNo = 0;

export interface Rig {
  readonly clock: ManualClock;
  readonly sim: EscposPrinterSim;
  readonly p: EscposPrinter;
  readonly path: string;
  /** Every event the driver emitted, in order, as [name, payload]. */
  readonly events: [string, unknown][];
  run(ms: number): Promise<void>;
  /** Runs simulated time until `cond` holds; throws after `maxMs` of simulated time. */
  until(cond: () => boolean, maxMs?: number): Promise<void>;
  /** Awaits a promise while simulated time runs; throws if it is still pending after `maxMs` (a hang). */
  settle<T>(p: Promise<T>, maxMs?: number): Promise<T>;
  named(name: string): unknown[];
  unplug(): Promise<void>;
}

const flush = async (): Promise<void> => { for (let i = 0; i < 4; i++) await new Promise<void>((r) => setImmediate(r)); };

export function rig(o: { sim?: EscposSimOptions; driver?: Partial<EscposPrinterOptions> } = {}): Rig {
  const clock = new ManualClock();
  const columns = o.driver?.columns ?? o.sim?.columns ?? 48;
  const sim = new EscposPrinterSim({ columns, ...o.sim });
  const path = `/dev/escpos-sim-${process.pid}-${++portNo}`;
  attachToMockPort(path, sim);
  const p = new EscposPrinter({
    id: 'printer', clock, timers: clock, columns, language: 'zh-CN',
    openLink: () => SerialLink.open({ path, baudRate: 19200, binding: 'mock' }),
    ...o.driver,
  });
  const events: [string, unknown][] = [];
  for (const name of ['status', 'paperLow'] as const) p.on(name, (x: unknown) => { events.push([name, x]); });
  const r: Rig = {
    clock, sim, p, path, events,
    async run(ms) {
      for (let t = 0; t < ms; t += 5) { await flush(); clock.advance(5); }
      await flush();
    },
    async until(cond, maxMs = 60_000) {
      for (let t = 0; t <= maxMs; t += 5) { if (cond()) return; await flush(); clock.advance(5); }
      if (!cond()) throw new Error(`condition not reached within ${maxMs} ms of simulated time`);
    },
    async settle(pr, maxMs = 60_000) {
      let done = false;
      const q = pr.finally(() => { done = true; });
      q.catch(() => undefined);
      await r.until(() => done, maxMs);
      return q;
    },
    named: (name) => events.filter(([n]) => n === name).map(([, x]) => x),
    unplug: () => unplugMockPort(path),
  };
  return r;
}

export const RECEIPT_ZH: ReceiptData = {
  terminalId: 'KSK-0042', txId: 'K7QF-2M9X-PA4C', billerName: '杭州市水务集团', account: '****3721', period: '2026-05',
  currency: 'CNY', due: 12345, paidByTender: { cash: 13000 }, surplus: 655, outcome: 'paid', time: '2026-06-01 14:03:27',
  clockSynced: true, hotline: '400-800-1234', eReceiptUrl: 'https://r.example.cn/e/',
};

export const RECEIPT_EN: ReceiptData = { ...RECEIPT_ZH, billerName: 'City Water Works', outcome: 'pending' };
