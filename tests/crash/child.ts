/**
 * kioskd under crash injection: the real runtime (config, journal, FSM, biller client, SSP driver over a
 * PTY with the real serialport binding, ZVT driver over TCP, wallet client over HTTP) on fakes for the
 * customer-facing devices, steered by JSON lines on stdin. `--crash-at <site>:<n>` SIGKILLs the process the n-th time the runtime reaches that journal
 * append site — no cleanup, no flush, as a power cut would leave it.
 *
 *   child --dir D --biller URL --pty PATH [--config-dir C] [--crash-at before:note.credited:2]
 *         [--zvt-port N] [--wallet URL]   (the card terminal and wallet gateway simulators, hosted by the parent)
 */
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { toKioskError } from '../../src/errors/index.js';
import { systemClock, systemTimers } from '../../src/hal/index.js';
import { createRuntime } from '../../src/runtime/compose.js';
import { buildBillValidator, buildElectronicTenders } from '../../src/runtime/devices.js';
import type { AppendSite } from '../../src/runtime/kiosk.js';
import { localDay } from '../../src/runtime/local-day.js';
import { createLogger } from '../../src/runtime/logger.js';
import { createFakeDevices } from '../sim/fakes/index.js';
import { parseCrashAt, type ChildCommand, type ChildReport, type CrashAt } from './protocol.js';
import { RecordingPrinter } from './recording-printer.js';

/** Synchronous, so a report written right before SIGKILL is not lost in a stream buffer. */
function report(r: ChildReport): void {
  writeSync(1, `${JSON.stringify(r)}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' }, biller: { type: 'string' }, pty: { type: 'string' }, 'crash-at': { type: 'string' }, 'config-dir': { type: 'string' },
      'zvt-port': { type: 'string' }, wallet: { type: 'string' },
    },
  });
  const dir = values.dir;
  if (!dir || !values.biller || !values.pty) throw new Error('usage: child --dir D --biller URL --pty PATH [--crash-at site:n]');
  const crashAt: CrashAt | undefined = values['crash-at'] ? parseCrashAt(values['crash-at']) : undefined;

  const { config } = await loadConfig({
    ...(values['config-dir'] ? { dir: values['config-dir'] } : {}),
    profile: 'sim',
    env: {},
    overrides: {
      terminal: { id: 'CRASH-0001' },
      journal: { path: join(dir, 'journal.db') },
      settings: { path: join(dir, 'settings.json') },
      billing: { gatewayUrl: values.biller, timeoutMs: 3000, retries: 1 },
      devices: {
        billValidator: { driver: 'ssp', port: { path: values.pty, baudRate: 9600, binding: 'real' }, encryption: true, pollMs: 200 },
        // The terminal waits (25 - 1) x 500 ms for the booking answer: the biller's 2 x 3 s plus backoff fit inside.
        ...(values['zvt-port'] ? { cardPayment: { driver: 'zvt', transport: 'tcp', host: '127.0.0.1', tcpPort: Number(values['zvt-port']), password: '000000', statusRepeatMs: 500, maxStatusInfos: 25 } } : {}),
        ...(values.wallet ? { wallet: { driver: 'wallet', gatewayUrl: values.wallet, timeoutMs: 1_000, queryIntervalMs: 200, maxQueryMs: 3_000, retries: 2, backoffMs: 100 } } : {}),
      },
      transaction: { messageMs: 1000 },
      telemetry: { enabled: false },
      log: { level: 'info' },
    },
  });
  // Synchronous log writes: the lines before a kill are the ones worth reading.
  const logger = createLogger({ level: config.log.level, destination: pino.destination({ dest: join(dir, 'kioskd.log'), sync: true, mkdir: true }), base: { pid: process.pid } });

  const hits = new Map<AppendSite, number>();
  const probe = (site: AppendSite): void => {
    const n = (hits.get(site) ?? 0) + 1;
    hits.set(site, n);
    if (crashAt && site === crashAt.site && n === crashAt.hit) {
      report({ dying: site, hit: n });
      process.kill(process.pid, 'SIGKILL');
    }
  };

  let nextTxId: string | undefined;
  let fallback = 0;
  const fakes = createFakeDevices({ currency: config.terminal.currency });
  const ctx = { clock: systemClock, timers: systemTimers, logger, currency: config.terminal.currency };
  const validator = buildBillValidator(config.devices.billValidator, ctx);
  const runtime = createRuntime({
    config, logger, probe,
    devices: {
      billValidator: validator, scanner: fakes.scanner, receiptPrinter: new RecordingPrinter(join(dir, 'printer.jsonl')), display: fakes.display, panel: fakes.panel,
      ...buildElectronicTenders(config, ctx),
    },
    newTxId: () => {
      const id = nextTxId ?? `X${process.pid}-${++fallback}`;
      nextTxId = undefined;
      return id;
    },
  });
  const { kiosk } = runtime;
  let txNow: string | null = null;
  kiosk.on('state', (s) => {
    const st = kiosk.state();
    txNow = 'tx' in st ? st.tx.txId : st.name === 'looking-up' ? st.txId : null;
    report({ state: { fsm: s.fsm, service: s.service }, tx: txNow });
  });
  kiosk.on('journal', ({ stored }) => {
    for (const e of stored) if (e.record.type === 'note.credited' && e.record.txId === null) report({ stray: e.record.value });
  });
  kiosk.on('alarm', (a) => report({ alarm: a.kind }));
  validator.on('escrow', (n) => report({ note: 'escrow', value: n.value }));
  validator.on('credited', (c) => report({ note: 'credited', value: c.value }));
  validator.on('returned', (r) => report(r.value === undefined ? { note: 'returned' } : { note: 'returned', value: r.value }));
  validator.on('rejected', () => report({ note: 'returned' }));

  const collect = async (collectorId: string, sealNumber: string): Promise<void> => {
    const left = runtime.journal.collections(1)[0];
    if (left && left.attestedSeq === null) await kiosk.attestCollection(collectorId, sealNumber, left.collectionId);
    const row = kiosk.collectCash('operator');
    await kiosk.attestCollection(collectorId, sealNumber, row.collectionId);
    await kiosk.settleDay(localDay(Date.now()));
  };

  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    let c: ChildCommand;
    try { c = JSON.parse(line) as ChildCommand; } catch { return; }
    switch (c.cmd) {
      case 'scan': if (c.txId !== undefined) nextTxId = c.txId; fakes.scanner.scan(c.code); return;
      case 'press': fakes.panel.press(c.button); return;
      case 'retry': void kiosk.retryPendingPostings().catch(() => undefined); return;
      case 'collect':
        void collect(c.collectorId, c.sealNumber).then(() => report({ collected: true }), (err: unknown) => { report({ fatal: `collect: ${toKioskError(err).message}` }); });
        return;
      case 'exit':
        void runtime.close().then(() => process.exit(0), (err: unknown) => { report({ fatal: toKioskError(err).message }); process.exit(1); });
        return;
    }
  });
  // The parent dying must not leave kioskd holding the PTY.
  lines.on('close', () => process.exit(0));

  await runtime.start();
  report({ ready: true });
  const st = kiosk.serviceState();
  report({ state: { fsm: kiosk.state().name, service: st.service }, tx: txNow });
}

main().catch((err: unknown) => {
  report({ fatal: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  process.exit(1);
});
