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
import { deepMerge, type JsonObject } from '../../src/config/merge.js';
import { createEscposPrinter } from '../../src/drivers/escpos/index.js';
import { createDisplay } from '../../src/drivers/hd44780/index.js';
import { St7920CfgSchema } from '../../src/drivers/st7920/index.js';
import { St7920Sim } from './display/index.js';
import { startWalletSim, type WalletSim } from './wallet/index.js';
import { EscposPrinterSim } from './escpos/index.js';
import { attachToMockPort } from './serial/mock-bridge.js';
import { systemClock, systemTimers, type Clock, type Timers } from '../../src/hal/index.js';
import { ZvtSimTcpServer, ZvtTerminalSim } from './zvt/index.js';
import { createLogger } from '../../src/runtime/logger.js';
import { createRuntime, type Runtime, type RuntimeParts } from '../../src/runtime/compose.js';
import { buildElectronicTenders } from '../../src/runtime/devices.js';
import { startBillerSim, type BillerSim } from './biller/index.js';
import { cashConfig, fakeCash, wireCash, type CashKind, type CashSim, type WireSimOptions } from './cash.js';
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
  /** The bill validator: the HAL fake (default) or a real driver on a wire-level simulator. */
  readonly validator?: CashKind;
  readonly wireSim?: WireSimOptions;
  /** A wallet gateway simulator and the real wallet tender (customer-presented payment codes). */
  readonly wallet?: boolean;
  /**
   * The display: the HAL fake (default), or the real ST7920 driver writing SPI frames to the display
   * simulator, which decodes them back into the text on the glass (what `npm start` draws).
   */
  readonly display?: 'fake' | 'st7920';
  /** The receipt printer: the HAL fake (default) or the real ESC/POS driver against the printer simulator. */
  readonly printer?: 'fake' | 'escpos';
  /** The card module: the HAL fake (default) or the real ZVT driver against the ZVT terminal simulator over TCP. */
  readonly card?: 'fake' | 'zvt';
  /** ZVT simulator options (e.g. `leaky: true` sends full test PANs everywhere it can). */
  readonly zvtSim?: { readonly leaky?: boolean };
  /** An existing ZVT terminal simulator to serve (a restart test keeps the terminal's memory across kiosks). */
  readonly zvtTerminal?: ZvtTerminalSim;
  /** Replaces the HTTP biller client (fault-injection tests). */
  readonly billerClient?: RuntimeParts['biller'];
}

export interface SimKiosk {
  readonly runtime: Runtime;
  readonly devices: FakeDevices;
  /** The bill validator in use and what a customer does with it. */
  readonly cash: CashSim;
  readonly biller: BillerSim;
  /** The text on the glass: decoded from the driver's bytes by the ST7920 simulator, or the fake's frame. */
  glass(): string[];
  /** The wallet gateway simulator when `wallet: true`. */
  readonly walletSim: WalletSim | undefined;
  /** The ESC/POS printer simulator when `printer: 'escpos'` (decodes what was printed). */
  readonly escpos: EscposPrinterSim | undefined;
  /** The ZVT terminal simulator when `card: 'zvt'`. */
  readonly zvt: ZvtTerminalSim | undefined;
  readonly config: KioskConfig;
  readonly dataDir: string;
  /** Every log line written, when no logger was given. */
  readonly logLines: string[];
  close(): Promise<void>;
}

let printers = 0;

export async function startSimKiosk(opts: SimKioskOptions = {}): Promise<SimKiosk> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'kioskd-sim-'));
  const biller = await startBillerSim({ host: '127.0.0.1', ...(opts.billerPort !== undefined ? { port: opts.billerPort } : {}) });
  const logLines: string[] = [];
  const cash = cashConfig(opts.validator ?? 'fake');
  let zvt: ZvtTerminalSim | undefined;
  let zvtServer: ZvtSimTcpServer | undefined;
  let cardBlock: Record<string, unknown> = { driver: 'fake' };
  if (opts.card === 'zvt') {
    zvt = opts.zvtTerminal ?? new ZvtTerminalSim({ clock: systemClock, timers: systemTimers, statusRepeatMs: 500, ...(opts.zvtSim ?? {}) });
    zvtServer = new ZvtSimTcpServer(zvt);
    const port = await zvtServer.listen();
    cardBlock = { driver: 'zvt', transport: 'tcp', host: '127.0.0.1', tcpPort: port, password: '000000', statusRepeatMs: 500, maxStatusInfos: 20 };
  }
  const walletSim = opts.wallet ? await startWalletSim() : undefined;
  const walletBlock: Record<string, unknown> = walletSim
    ? { driver: 'wallet', gatewayUrl: walletSim.url, timeoutMs: 1_000, queryIntervalMs: 200, maxQueryMs: 3_000, retries: 2, backoffMs: 100 }
    : { driver: 'none' };
  let escpos: EscposPrinterSim | undefined;
  let printerBlock: Record<string, unknown> = { driver: 'fake' };
  if (opts.printer === 'escpos') {
    escpos = new EscposPrinterSim();
    const path = `/dev/sim/printer-${process.pid}-${++printers}`;
    attachToMockPort(path, escpos);
    printerBlock = { driver: 'escpos', transport: 'serial', port: { path, baudRate: 19200, binding: 'mock' }, paperWidthMm: 80, statusPollMs: 1000 };
  }
  try {
    const loaded = await loadConfig({
      profile: 'sim',
      env: {},
      overrides: deepMerge({
        journal: { path: join(dataDir, 'journal.db') },
        settings: { path: join(dataDir, 'settings.json') },
        billing: { gatewayUrl: biller.url },
        devices: { billValidator: cash.block, cardPayment: cardBlock, printer: printerBlock, wallet: walletBlock },
      }, opts.overrides ?? {}),
    });
    const config = loaded.config;
    const logger = opts.logger ?? createLogger({
      level: config.log.level,
      destination: new Writable({ write(chunk: Buffer, _enc, cb) { logLines.push(chunk.toString('utf8')); cb(); } }),
    });
    const devices = createFakeDevices({ currency: config.terminal.currency });
    const kind = opts.validator ?? 'fake';
    const st7920 = opts.display === 'st7920' ? new St7920Sim() : undefined;
    const st7920Display = st7920
      ? createDisplay(St7920CfgSchema.parse({ driver: 'st7920', spi: {} }), { clock: opts.clock ?? systemClock, timers: opts.timers ?? systemTimers, logger, spi: st7920.opener })
      : undefined;
    const cashSim = kind === 'fake' ? fakeCash(devices.billValidator) : wireCash(kind, config, cash.path, logger, opts.clock, opts.timers, opts.wireSim);
    const runtime = createRuntime({
      config, logger,
      devices: {
        billValidator: cashSim.validator, scanner: devices.scanner, display: st7920 ? st7920Display! : devices.display, panel: devices.panel,
        receiptPrinter: config.devices.printer.driver === 'escpos'
          ? createEscposPrinter(config.devices.printer, { clock: opts.clock ?? systemClock, timers: opts.timers ?? systemTimers, logger, language: config.terminal.locale })
          : devices.receiptPrinter,
        ...(config.devices.cardPayment.driver === 'fake' ? { cardPayment: devices.cardPayment } : {}),
        ...buildElectronicTenders(config, { clock: opts.clock ?? systemClock, timers: opts.timers ?? systemTimers, logger, currency: config.terminal.currency }),
      },
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(opts.timers ? { timers: opts.timers } : {}),
      ...(opts.newTxId ? { newTxId: opts.newTxId } : {}),
      ...(opts.onAppend ? { onAppend: opts.onAppend } : {}),
      ...(opts.billerClient ? { biller: opts.billerClient } : {}),
    });
    return {
      runtime, devices, biller, config, dataDir, logLines, cash: cashSim, zvt, escpos, walletSim,
      glass: () => (st7920 ? st7920.glass() : [...devices.display.current().lines]),
      async close() {
        await runtime.close();
        await biller.close();
        await zvtServer?.close();
        await walletSim?.close();
        if (ownDir) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await biller.close();
    await zvtServer?.close();
    await walletSim?.close();
    throw err;
  }
}

/**
 * Inserts a note the way a customer does and waits until the kiosk has settled its outcome: credited
 * (the journal's credit count grew), returned, or refused at the slot. Returns 'escrow' when the note
 * went through escrow (credited or returned), else the fake's refusal or 'refused'.
 */
export async function insertNote(sim: SimKiosk, value: number, maxMs = 20_000): Promise<string> {
  const { kiosk, journal } = sim.runtime;
  if (sim.cash.kind === 'fake') {
    const v = sim.devices.billValidator;
    const result = await v.insert(value);
    await v.whenSettled();
    await kiosk.settle();
    return result;
  }
  const credits = journal.creditCount();
  let returned = false;
  const off = sim.cash.validator.on('returned', () => { returned = true; });
  try {
    // A slot still busy with the previous note (stacking) does not draw the next one in yet: try again,
    // as a customer does, for a short while.
    const started = Date.now();
    while (!(await sim.cash.insert(value))) {
      if (Date.now() - started > 3_000) return 'refused';
      await new Promise((r) => setTimeout(r, 20));
    }
    while (journal.creditCount() === credits && !returned) {
      if (Date.now() - started > maxMs) throw new Error(`note of ${value} neither credited nor returned in ${maxMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await kiosk.settle();
    return 'escrow';
  } finally {
    off();
  }
}
