/**
 * `npm start`: the simulated kiosk. The real runtime (config, journal, FSM, biller client, telemetry)
 * runs on simulated devices with an embedded MQTT broker; a terminal UI shows the LCD and takes keys.
 * When stdout is not a terminal, each screen change is printed as a plain line and stdin lines are read
 * as keys (e.g. `echo 1c` scans the first sample bill and presses CASH).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { CONFIG_EXIT_CODE, formatConfigIssues } from '../../../src/config/index.js';
import { toKioskError } from '../../../src/errors/index.js';
import { formatMinor } from '../../../src/money/index.js';
import { createLogger } from '../../../src/runtime/logger.js';
import { startControlSocket, type ControlSocket } from '../../../src/runtime/control-socket.js';
import { startSimKiosk, type SimKiosk } from '../harness.js';
import { createActionQueue, createActor } from './actions.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker.js';
import { keyMap } from './keys.js';
import { simConsoleKey } from '../web/console-key.js';
import { startWebPanel, type WebPanel } from '../web/server.js';
import { renderView, type ViewModel } from './view.js';

const USAGE = `usage: npm start -- [--validator fake|ssp|id003] [--broker-port N] [--web-port N] [--data-dir DIR] [--fresh] [--lines]

  --validator K    the bill validator: the HAL-level fake (default), or the real SSP (eSSP) or ID-003
                   driver talking its wire protocol to the device simulator over a mock serial port
  --broker-port N  embedded MQTT broker port on 127.0.0.1 (default: config, 1883; 0 = any free port)
  --web-port N     kiosk panel and fleet dashboard on http://127.0.0.1:N/ (default 8080; 0 = any free port)
  --data-dir DIR   journal, settings and log (default: var/sim)
  --fresh          start with an empty journal
  --lines          plain line output even on a terminal`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'broker-port': { type: 'string' }, 'web-port': { type: 'string' }, 'data-dir': { type: 'string' }, fresh: { type: 'boolean' },
      lines: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, validator: { type: 'string' },
    },
  });
  if (values.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const validator = values.validator ?? 'fake';
  if (validator !== 'fake' && validator !== 'ssp' && validator !== 'id003') {
    process.stderr.write(`unknown validator "${validator}": choose fake, ssp or id003\n${USAGE}\n`);
    return 2;
  }
  const dataDir = values['data-dir'] ?? join(process.cwd(), 'var', 'sim');
  if (values.fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const logPath = join(dataDir, 'kioskd.log');
  const tty = process.stdout.isTTY === true && !values.lines;
  const out = (s: string): void => { process.stdout.write(`${s}\n`); };

  let broker: EmbeddedBroker;
  const wantPort = values['broker-port'] !== undefined ? Number(values['broker-port']) : 1883;
  try {
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: wantPort });
  } catch (err) {
    // A busy default port should not stop a newcomer: take any free one and say so.
    if (values['broker-port'] !== undefined) throw err;
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    out(`[broker] port ${wantPort} is busy; the embedded broker listens on ${broker.port} instead`);
  }

  const logger = createLogger({ level: 'debug', destination: pino.destination({ dest: logPath, sync: false, mkdir: true }) });
  // The simulated fleet operator's key: the dashboard signs commands with it, the terminal trusts it.
  const consoleKey = await simConsoleKey(join(dataDir, 'fleet-console.pem'));
  let sim: SimKiosk;
  try {
    sim = await startSimKiosk({
      dataDir, logger, validator, display: 'st7920',
      overrides: { telemetry: { brokers: [{ url: broker.url, protocolVersion: 4 }], embeddedBroker: { enabled: true, host: broker.host, port: broker.port }, commands: { publicKeys: [consoleKey.publicKey] } } },
    });
  } catch (err) {
    await broker.stop();
    const e = toKioskError(err);
    if (e.code.startsWith('KIOSK_E_CONFIG')) { process.stderr.write(`invalid configuration: ${formatConfigIssues(e)}\n`); return CONFIG_EXIT_CODE; }
    if (e.code.startsWith('KIOSK_E_JOURNAL')) {
      process.stderr.write(`the journal in ${dataDir} was refused (${e.code}): ${e.message}\nIt was not modified. Use --fresh or another --data-dir to start over.\n`);
      return 65;
    }
    throw err;
  }
  const { kiosk, telemetry } = sim.runtime;
  const samples = sim.biller.sampleBarcodes();
  const keys = keyMap(samples);
  const currency = sim.config.terminal.currency;

  const view: ViewModel = {
    title: `kioskd - simulated kiosk  ${validator === 'fake' ? '' : `${validator} `}${sim.config.terminal.id}  ${sim.config.terminal.locale}  ${currency}   mqtt 127.0.0.1:${broker.port}`,
    lcd: sim.glass(), lcdCols: sim.runtime.kiosk.devices.display.geometry().cols,
    samples, events: [], receipt: [], showReceipt: false,
    status: { service: 'starting', fsm: 'idle', broker: 'connecting', outbox: 0, validator: 'closed', printer: 'closed', door: 'closed', log: relative(process.cwd(), logPath) },
  };
  const event = (s: string): void => {
    view.events.push(s);
    if (view.events.length > 50) view.events.shift();
    if (!tty) out(s);
    redraw();
  };

  let pending = false;
  const redraw = (): void => {
    if (!tty || pending) return;
    pending = true;
    setImmediate(() => {
      pending = false;
      process.stdout.write(`\u001b[H${renderView(view).join('\u001b[K\n')}\u001b[K`);
    });
  };

  // What is drawn is what the ST7920 simulator decoded from the driver's SPI bytes, not the frame asked for.
  kiosk.on('screen', () => {
    void kiosk.settle().then(() => {
      const glass = sim.glass();
      if (glass.join('\n') === view.lcd.join('\n')) return;
      view.lcd = glass;
      if (!tty) out(`[screen] ${glass.map((l) => l.trimEnd()).filter(Boolean).join(' / ')}`);
      redraw();
    });
  });
  kiosk.on('state', (s) => { view.status.service = s.service; view.status.fsm = s.fsm; if (!tty) out(`[state] ${s.service} ${s.fsm}${s.reasons.length ? ` (${s.reasons.join(', ')})` : ''}`); redraw(); });
  kiosk.on('device', ({ device, status }) => {
    const text = `${status.state}${status.reason !== 'ok' ? ` (${status.reason})` : ''}`;
    if (device === 'billValidator') view.status.validator = text;
    if (device === 'receiptPrinter') view.status.printer = text;
    redraw();
  });
  kiosk.on('journal', ({ stored }) => { for (const e of stored) event(`journal #${e.seq} ${e.type}${e.txId ? ` ${e.txId}` : ''}`); });
  kiosk.on('transaction', (t) => event(`transaction ${t.txId} ${t.outcome} ${formatMinor(t.paid, currency)} ${currency}`));
  kiosk.on('receipt', (r) => {
    view.receipt = (sim.devices.receiptPrinter.lastText() ?? '').split('\n');
    event(`receipt ${r.txId} ${r.printed ? 'printed' : 'NOT printed'}`);
    if (!tty) for (const l of view.receipt) out(`[receipt] ${l}`);
  });
  kiosk.on('fault', (f) => event(`fault ${f.code} at ${f.where}`));
  kiosk.on('collection', (c) => event(`collection ${c.collectionId}: ${formatMinor(c.total, currency)} ${currency}, ${c.notes} notes${c.attested ? ', attested' : ''}`));
  kiosk.on('alarm', (a) => event(`ALARM ${a.kind}`));
  sim.devices.panel.on('door', (d) => { view.status.door = d.open ? 'OPEN' : 'closed'; redraw(); });
  telemetry?.on('status', (s) => {
    view.status.broker = s.connected ? 'connected' : 'DISCONNECTED';
    view.status.outbox = s.outboxDepth;
    if (!tty) out(`[mqtt] ${view.status.broker}, outbox ${s.outboxDepth}`);
    redraw();
  });

  let web: WebPanel | undefined;
  const note = (line: string): void => { event(line); web?.log(line); };
  const act = createActor({
    sim, broker, log: note,
    toggleReceipt: () => { view.showReceipt = !view.showReceipt; redraw(); },
    quit: () => shutdown(),
  });

  let stopping = false;
  let control: ControlSocket | undefined;
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((r) => { resolveDone = r; });
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (tty) process.stdout.write('\u001b[?25h\u001b[?1049l');
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdin.pause();
    await control?.close();
    await web?.close();
    await sim.close();
    await broker.stop();
    out('simulated kiosk stopped');
    resolveDone(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());

  // Keys and clicks run one after another through one queue (see createActionQueue).
  const queued = createActionQueue(act, sim, (code) => note(`error: ${code}`));
  // The browser panel drives the same queue; a busy default port falls back to any free one, as the broker's does.
  const wantWeb = values['web-port'] !== undefined ? Number(values['web-port']) : 8080;
  try {
    web = await startWebPanel({ sim, broker, host: '127.0.0.1', port: wantWeb, act: queued, console: consoleKey });
  } catch (err) {
    if (values['web-port'] !== undefined) throw err;
    web = await startWebPanel({ sim, broker, host: '127.0.0.1', port: 0, act: queued, console: consoleKey });
    out(`[web] port ${wantWeb} is busy; the panel is served on ${web.port} instead`);
  }
  const onKeys = (text: string): void => {
    for (const ch of text) {
      const a = keys.get(ch) ?? keys.get(ch.toLowerCase());
      if (a) void queued(a);
    }
  };
  if (tty) {
    process.stdout.write('\u001b[?1049h\u001b[?25l\u001b[2J');
    if (process.stdin.isTTY) process.stdin.setRawMode(true);
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d: string) => onKeys(d));
  } else {
    process.stdin.setEncoding('utf8');
    let buf = '';
    process.stdin.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) { onKeys(buf.slice(0, i).trim()); buf = buf.slice(i + 1); }
    });
  }

  await sim.runtime.start();
  // kioskctl status|service|reprint|cash collect|settle --socket <data-dir>/control.sock
  try {
    control = await startControlSocket({ path: join(dataDir, 'control.sock'), kiosk, logger: logger.child({ module: 'control' }) });
  } catch (err) {
    event(`control socket not available: ${toKioskError(err).message}`);
  }
  out(`ready: ${kiosk.serviceState().service}, broker ${broker.url}, log ${logPath}`);
  out(`kiosk panel ${web.url}panel/  fleet dashboard ${web.url}fleet/`);
  // The terminal UI repaints over plain lines: the address goes in its title and the event list too.
  view.title += `   web ${web.url}`;
  if (tty) event(`kiosk panel ${web.url}panel/  fleet dashboard ${web.url}fleet/`);
  if (!tty) out(`keys: 1-${Math.min(9, samples.length)} scan a sample bill, a s d f g h insert 1/5/10/20/50/100, c cash, x cancel, m more time, o door, u unplug, p paper, b broker, Q quit`);
  redraw();
  return done;
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stdout.write('\u001b[?25h');
  process.stderr.write(`simulated kiosk failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
