/**
 * A simulated kiosk for benchmarks: the real runtime (journal with synchronous=FULL, FSM, telemetry
 * publisher) on the HAL fakes, with an in-process biller stub (zero latency) and a logger that formats
 * every line and then drops it (nothing retained, nothing written).
 */
import { Writable } from 'node:stream';
import type { BillInfo } from '../../src/fsm/index.js';
import type { JsonObject } from '../../src/config/merge.js';
import { createLogger, type Logger } from '../../src/runtime/logger.js';
import type { BillerPort } from '../../src/runtime/kiosk.js';
import { startSimKiosk, type SimKiosk } from '../../tests/sim/harness.js';

export const BILL: BillInfo = {
  billerId: 'power-east', billerName: 'East City Power Supply', account: 'E0012345678', period: '202507', due: 19_620, currency: 'CNY', billRef: 'B-1',
};
/** Three notes that pay BILL in full (with surplus), as in the cash-payment scenario. */
export const NOTES = [10_000, 5_000, 5_000] as const;

export function stubBiller(): BillerPort & { posts: number } {
  let n = 0;
  const port = {
    posts: 0,
    lookup: async (): Promise<BillInfo> => BILL,
    post: async (): Promise<{ billerRef: string }> => { port.posts += 1; return { billerRef: `R-${++n}` }; },
  };
  return port;
}

/** pino at the configured level, serialising every line into a sink that keeps nothing. */
export function discardingLogger(level = 'info'): Logger {
  return createLogger({ level, destination: new Writable({ write(_c: Buffer, _e, cb) { cb(); } }) });
}

export interface BenchKioskOptions {
  readonly dataDir: string;
  /** mqtt:// URL of a running broker; telemetry is disabled when omitted. */
  readonly brokerUrl?: string;
  readonly newTxId?: () => string;
}

export async function startBenchKiosk(o: BenchKioskOptions): Promise<SimKiosk> {
  const telemetry: JsonObject = o.brokerUrl === undefined
    ? { enabled: false }
    : { enabled: true, brokers: [{ url: o.brokerUrl, protocolVersion: 4 }], embeddedBroker: { enabled: false } };
  return startSimKiosk({
    dataDir: o.dataDir,
    overrides: { telemetry, log: { level: 'info' } },
    logger: discardingLogger('info'),
    billerClient: stubBiller(),
    ...(o.newTxId ? { newTxId: o.newTxId } : {}),
  });
}

/** One complete 3-note cash payment, from the scan to the printed receipt ('done'). */
export async function payOnce(sim: SimKiosk): Promise<void> {
  const { kiosk } = sim.runtime;
  const { scanner, panel, billValidator } = sim.devices;
  scanner.scan('BENCH-BARCODE');
  await kiosk.settle();
  expectState(sim, 'bill-shown');
  panel.press('cash');
  await kiosk.settle();
  for (const value of NOTES) {
    const r = await billValidator.insert(value);
    if (r !== 'escrow') throw new Error(`note ${value} not taken: ${r}`);
    await billValidator.whenSettled();
    await kiosk.settle();
  }
  expectState(sim, 'done');
}

function expectState(sim: SimKiosk, name: string): void {
  const s = sim.runtime.kiosk.state().name;
  if (s !== name) throw new Error(`kiosk in state ${s}, expected ${name}`);
}
