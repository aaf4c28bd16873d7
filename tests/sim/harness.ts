/**
 * The simulated kiosk: the real runtime (config, journal, FSM, biller client) on the HAL-level fakes and
 * the simulated biller gateway. Shared by `npm run demo`, `npm start` and the scenario tests, so all three
 * exercise the same wiring.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { loadConfig, type KioskConfig } from '../../src/config/index.js';
import type { JsonObject } from '../../src/config/merge.js';
import type { Clock, Timers } from '../../src/hal/index.js';
import { createLogger } from '../../src/runtime/logger.js';
import { createRuntime, type Runtime, type RuntimeParts } from '../../src/runtime/compose.js';
import { startBillerSim, type BillerSim } from './biller/index.js';
import { createFakeDevices, type FakeDevices } from './fakes/index.js';

export interface SimKioskOptions {
  /** Where the journal and settings live; a fresh temp dir (removed on close) when omitted. */
  readonly dataDir?: string;
  /** Extra config overrides, layered after the sim profile. */
  readonly overrides?: JsonObject;
  /** Log lines go here; kept in memory (`logLines`) when omitted. */
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly timers?: Timers;
  readonly newTxId?: () => string;
  readonly billerPort?: number;
  readonly onAppend?: RuntimeParts['onAppend'];
}

export interface SimKiosk {
  readonly runtime: Runtime;
  readonly devices: FakeDevices;
  readonly biller: BillerSim;
  readonly config: KioskConfig;
  readonly dataDir: string;
  /** Every log line written, when no logger was given. */
  readonly logLines: string[];
  close(): Promise<void>;
}

export async function startSimKiosk(opts: SimKioskOptions = {}): Promise<SimKiosk> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'kioskd-sim-'));
  const biller = await startBillerSim({ host: '127.0.0.1', ...(opts.billerPort !== undefined ? { port: opts.billerPort } : {}) });
  const logLines: string[] = [];
  try {
    const loaded = await loadConfig({
      profile: 'sim',
      env: {},
      overrides: {
        journal: { path: join(dataDir, 'journal.db') },
        settings: { path: join(dataDir, 'settings.json') },
        billing: { gatewayUrl: biller.url },
        ...(opts.overrides ?? {}),
      },
    });
    const config = loaded.config;
    const logger = opts.logger ?? createLogger({
      level: config.log.level,
      destination: new Writable({ write(chunk: Buffer, _enc, cb) { logLines.push(chunk.toString('utf8')); cb(); } }),
    });
    const devices = createFakeDevices({ currency: config.terminal.currency });
    const runtime = createRuntime({
      config, logger,
      devices: { billValidator: devices.billValidator, scanner: devices.scanner, receiptPrinter: devices.receiptPrinter, display: devices.display, panel: devices.panel },
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.timers ? { timers: opts.timers } : {}),
      ...(opts.newTxId ? { newTxId: opts.newTxId } : {}),
      ...(opts.onAppend ? { onAppend: opts.onAppend } : {}),
    });
    return {
      runtime, devices, biller, config, dataDir, logLines,
      async close() {
        await runtime.close();
        await biller.close();
        if (ownDir) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await biller.close();
    throw err;
  }
}

/** Inserts a note the way a customer does and waits until the kiosk has settled its outcome. */
export async function insertNote(sim: SimKiosk, value: number): Promise<string> {
  const v = sim.devices.billValidator;
  const result = await v.insert(value);
  await v.whenSettled();
  await sim.runtime.kiosk.settle();
  return result;
}
