/**
 * The simulated kiosk's web front: serves the built pages (dist/web), streams the kiosk's events to the
 * panel page over `/ws` and takes its clicks as the same actions the terminal UI has, and carries MQTT over
 * WebSocket on `/mqtt` into the embedded broker for the fleet dashboard. Loopback only: anyone who can reach
 * it can drive the simulated kiosk.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocket, WebSocketServer, createWebSocketStream } from 'ws';
import { z } from 'zod';
import { fleet as fleetConsole } from '../../../src/cli/fleet/index.js';
import { toKioskError } from '../../../src/errors/index.js';
import { formatMinor } from '../../../src/money/index.js';
import type { DeviceStatus } from '../../../src/hal/index.js';
import {
  COMMAND_PATH, DASHBOARD_COMMANDS, INFO_PATH, MQTT_WS_PATH, PANEL_WS_PATH,
  type CommandResponse, type DeviceView, type Faults, type LogEntry, type LogKind, type PanelInfo, type ReceiptView, type ServerMessage, type ServiceView, type WireAction,
} from '../../../web/shared/protocol.js';
import type { SimKiosk } from '../harness.js';
import type { ConsoleKey } from './console-key.js';
import type { EmbeddedBroker } from '../launcher/broker.js';
import type { Action } from '../launcher/keys.js';
import { NOTE_KEYS } from '../launcher/keys.js';

export interface WebPanelOptions {
  readonly sim: SimKiosk;
  readonly broker: EmbeddedBroker;
  readonly host?: string;
  /** 0 = any free port. */
  readonly port: number;
  /** Runs one action (the launcher's queued actor); settles when the kiosk has. */
  readonly act: (a: Action) => Promise<void>;
  /** Built pages; `dist/web` under the working directory by default. */
  readonly root?: string;
  /** The fleet operator's key: with it the dashboard's command form signs and sends through the fleet console. */
  readonly console?: ConsoleKey;
}

export interface WebPanel {
  readonly host: string;
  readonly port: number;
  /** `http://host:port/` */
  readonly url: string;
  /** Adds a line to the panel's event stream (the launcher's own notes: "insert 10.00", "broker stopped"). */
  log(text: string, kind?: LogKind): void;
  close(): Promise<void>;
}

/** Sample wallet payment codes: 18 digits, the 13… and 28… ranges the wallet tender will take. */
export const WALLET_CODES: readonly { readonly label: string; readonly code: string }[] = [
  { label: 'wallet 13…', code: '134567890123456789' },
  { label: 'wallet 28…', code: '286543210987654321' },
];
const BADGES = [{ label: 'collector badge', code: 'EMP-0042' }, { label: 'bag seal', code: 'SEAL-778899' }];
const LOG_KEEP = 200;

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.map': 'application/json',
  '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8',
};

const WireActionSchema: z.ZodType<WireAction> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('scan'), code: z.string().min(1).max(200) }),
  z.object({ kind: z.literal('code'), code: z.string().regex(/^\d{18}$/) }),
  z.object({ kind: z.literal('badge'), code: z.string().min(1).max(64) }),
  z.object({ kind: z.literal('note'), value: z.number().int().positive() }),
  z.object({ kind: z.literal('button'), button: z.enum(['cash', 'cancel', 'moreTime', 'confirm']) }),
  z.object({ kind: z.literal('card'), decision: z.enum(['approve', 'decline']) }),
  z.object({ kind: z.enum(['door', 'unplug', 'paper', 'broker', 'cashbox', 'jam']) }),
]);
const ClientMessageSchema = z.object({ t: z.literal('action'), id: z.number().int(), action: WireActionSchema });
const TOPIC_LEVEL = z.string().regex(/^[^+#/\u0000]{1,64}$/);
const CommandRequestSchema = z.object({ fleet: TOPIC_LEVEL, terminal: TOPIC_LEVEL, name: z.enum(DASHBOARD_COMMANDS) });
const MAX_BODY = 4096;

function deviceView(s: DeviceStatus): DeviceView {
  return { state: s.state, reason: s.reason, text: s.text };
}

export async function startWebPanel(o: WebPanelOptions): Promise<WebPanel> {
  const { sim, broker } = o;
  const host = o.host ?? '127.0.0.1';
  const root = resolve(o.root ?? join(process.cwd(), 'dist', 'web'));
  const { kiosk, telemetry } = sim.runtime;
  const cfg = sim.config;
  const currency = cfg.terminal.currency;
  const samples = sim.biller.sampleBarcodes();

  const info: PanelInfo = {
    terminal: cfg.terminal.id, fleet: cfg.terminal.fleet, topicPrefix: cfg.telemetry.topicPrefix, currency,
    locale: cfg.terminal.locale, validator: sim.cash.kind,
    display: sim.devices.display.geometry(),
    printerColumns: sim.devices.receiptPrinter.columns(),
    samples: samples.map((s) => ({ label: s.label, code: s.code, kind: s.kind })),
    walletCodes: WALLET_CODES.map((w) => ({ ...w, kind: 'wallet' })),
    badges: BADGES.map((b) => ({ ...b, kind: 'badge' })),
    notes: NOTE_KEYS.map(([, v]) => v),
    mqttPath: MQTT_WS_PATH,
    commands: o.console !== undefined,
  };

  // ---- what the page is shown -------------------------------------------------------------------
  const logs: LogEntry[] = [];
  let seq = 0;
  let receipt: ReceiptView | null = null;
  let mqtt = { connected: false, outbox: 0 };
  const devices: Record<string, DeviceView> = {
    scanner: deviceView(sim.devices.scanner.status()),
    billValidator: deviceView(sim.cash.validator.status()),
    receiptPrinter: deviceView(sim.devices.receiptPrinter.status()),
    display: deviceView(sim.devices.display.status()),
    panel: deviceView(sim.devices.panel.status()),
  };
  const serviceView = (): ServiceView => {
    const s = kiosk.serviceState();
    return { service: s.service, fsm: kiosk.state().name, reasons: [...s.reasons] };
  };
  const faults = (): Faults => ({
    jam: sim.cash.kind === 'fake' && sim.devices.billValidator.status().reason === 'jam',
    paperOut: sim.devices.receiptPrinter.status().reason === 'paper-out',
    cashboxOut: sim.cash.kind === 'fake' && sim.devices.billValidator.status().reason === 'cashbox-removed',
    unplugged: !sim.cash.pluggedIn(),
    brokerDown: !broker.running(),
    doorOpen: sim.devices.panel.doorOpen(),
  });

  const clients = new Set<WebSocket>();
  const send = (ws: WebSocket, m: ServerMessage): void => { if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m)); };
  const broadcast = (m: ServerMessage): void => { for (const ws of clients) send(ws, m); };
  let lastFaults = '';
  const pushFaults = (): void => {
    const f = faults();
    const key = JSON.stringify(f);
    if (key === lastFaults) return;
    lastFaults = key;
    broadcast({ t: 'faults', faults: f });
  };
  const log = (text: string, kind: LogKind = 'action'): void => {
    const entry: LogEntry = { seq: ++seq, kind, text };
    logs.push(entry);
    if (logs.length > LOG_KEEP) logs.shift();
    broadcast({ t: 'log', entry });
  };

  const offs: (() => void)[] = [
    kiosk.on('screen', ({ frame }) => broadcast({ t: 'screen', lines: [...frame.lines] })),
    kiosk.on('state', (s) => {
      broadcast({ t: 'state', state: { service: s.service, fsm: s.fsm, reasons: [...s.reasons] } });
      pushFaults();
    }),
    kiosk.on('device', ({ device, status }) => {
      devices[device] = deviceView(status);
      broadcast({ t: 'device', device, status: devices[device] });
      pushFaults();
    }),
    kiosk.on('journal', ({ stored }) => { for (const e of stored) log(`journal #${e.seq} ${e.type}${e.txId ? ` ${e.txId}` : ''}`, 'journal'); }),
    kiosk.on('transaction', (t) => log(`transaction ${t.txId} ${t.outcome} ${formatMinor(t.paid, currency)} ${currency}`, 'transaction')),
    kiosk.on('receipt', (r) => {
      const lines = r.printed ? (sim.devices.receiptPrinter.lastText() ?? '').split('\n') : [];
      receipt = { txId: r.txId, printed: r.printed, lines };
      broadcast({ t: 'receipt', receipt });
      log(`receipt ${r.txId} ${r.printed ? 'printed' : 'NOT printed'}`, 'receipt');
    }),
    kiosk.on('fault', (f) => log(`fault ${f.code} at ${f.where}`, 'fault')),
    kiosk.on('collection', (c) => log(`collection ${c.collectionId}: ${formatMinor(c.total, currency)} ${currency}, ${c.notes} notes${c.attested ? ', attested' : ''}`, 'collection')),
    kiosk.on('alarm', (a) => log(`ALARM ${a.kind}`, 'alarm')),
    sim.devices.panel.on('door', () => pushFaults()),
  ];
  if (telemetry) {
    offs.push(telemetry.on('status', (s) => {
      const changed = s.connected !== mqtt.connected;
      mqtt = { connected: s.connected, outbox: s.outboxDepth };
      broadcast({ t: 'mqtt', ...mqtt });
      if (changed) log(`mqtt ${s.connected ? 'connected' : 'disconnected'}, outbox ${s.outboxDepth}`, 'mqtt');
      pushFaults();
    }));
  }

  const toAction = (w: WireAction): Action | string => {
    switch (w.kind) {
      case 'scan': {
        const sample = samples.find((s) => s.code === w.code);
        return sample ? { kind: 'scan', sample } : 'unknown sample';
      }
      case 'note': return NOTE_KEYS.some(([, v]) => v === w.value) ? { kind: 'note', value: w.value } : 'unknown note';
      default: return w;
    }
  };

  const onMessage = (ws: WebSocket, raw: string): void => {
    let parsed: unknown;
    try { parsed = JSON.parse(raw); } catch { return; }
    const m = ClientMessageSchema.safeParse(parsed);
    if (!m.success) return;
    const a = toAction(m.data.action);
    const id = m.data.id;
    if (typeof a === 'string') { send(ws, { t: 'done', id, error: a }); return; }
    o.act(a).then(
      () => { pushFaults(); send(ws, { t: 'done', id }); },
      (err: unknown) => { pushFaults(); send(ws, { t: 'done', id, error: toKioskError(err).code }); },
    );
  };

  // ---- HTTP ---------------------------------------------------------------------------------------
  // A page on another site must not drive the kiosk through the visitor's browser: same origin only.
  const sameOrigin = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    return origin === undefined || origin === `http://${req.headers.host ?? ''}`;
  };
  const serveFile = (req: IncomingMessage, res: ServerResponse, path: string): void => {
    // Resolved inside `root` only: a `..` in the URL never leaves it.
    const file = normalize(join(root, decodeURIComponent(path)));
    if (file !== root && !file.startsWith(root + sep)) { res.writeHead(403).end(); return; }
    let target = file;
    if (existsSync(target) && statSync(target).isDirectory()) target = join(target, 'index.html');
    if (!existsSync(target) || !statSync(target).isFile()) {
      if (!existsSync(join(root, 'panel', 'index.html'))) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end(`The pages are not built: run npm run build:web (looked in ${root}).\n`);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    const type = MIME[extname(target)] ?? 'application/octet-stream';
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    if (req.method === 'HEAD') { res.end(); return; }
    createReadStream(target).pipe(res);
  };

  // The dashboard's command form: signed and sent by the fleet console's own `send`, which waits for the reply.
  const runCommand = (req: IncomingMessage, res: ServerResponse): void => {
    const answer = (status: number, body: CommandResponse): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    };
    const key = o.console;
    if (!key) { answer(501, { code: 69, text: 'this server has no fleet key: commands are off', json: null }); return; }
    if (!sameOrigin(req) || !(req.headers['content-type'] ?? '').startsWith('application/json')) { answer(403, { code: 77, text: 'refused', json: null }); return; }
    let body = '';
    let tooBig = false;
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { body += chunk; if (body.length > MAX_BODY) { tooBig = true; req.destroy(); } });
    req.on('end', () => {
      if (tooBig) return;
      let parsed: unknown;
      try { parsed = JSON.parse(body); } catch { parsed = undefined; }
      const c = CommandRequestSchema.safeParse(parsed);
      if (!c.success) { answer(400, { code: 64, text: 'bad command request', json: null }); return; }
      log(`command ${c.data.name} to ${c.data.fleet}/${c.data.terminal} (signed with ${key.keyId})`, 'action');
      fleetConsole([
        'send', c.data.terminal, c.data.name, '--fleet', c.data.fleet, '--url', broker.url, '--prefix', cfg.telemetry.topicPrefix,
        '--key', key.keyFile, '--key-id', key.keyId, '--ttl', '60', '--wait', '10000',
      ], { write: () => {} }).then(
        (r) => { log(`command ${c.data.name}: ${r.text.split('\n')[0] ?? ''}`, r.code === 0 ? 'action' : 'error'); answer(200, { code: r.code, text: r.text, json: r.json }); },
        (err: unknown) => answer(500, { code: 70, text: toKioskError(err).code, json: null }),
      );
    });
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === COMMAND_PATH && req.method === 'POST') { runCommand(req, res); return; }
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405).end(); return; }
    if (url.pathname === '/') { res.writeHead(302, { location: '/panel/' }).end(); return; }
    if (url.pathname === '/panel' || url.pathname === '/fleet') { res.writeHead(302, { location: `${url.pathname}/` }).end(); return; }
    if (url.pathname === INFO_PATH) {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(info));
      return;
    }
    serveFile(req, res, url.pathname);
  });

  // ---- WebSockets ---------------------------------------------------------------------------------
  const panelWss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const mqttWss = new WebSocketServer({ noServer: true, handleProtocols: (ps) => (ps.has('mqtt') ? 'mqtt' : false) });
  panelWss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('message', (data, isBinary) => { if (!isBinary) onMessage(ws, data.toString()); });
    lastFaults = JSON.stringify(faults());
    send(ws, {
      t: 'hello', info, lcd: [...sim.devices.display.current().lines], state: serviceView(), devices, faults: faults(),
      mqtt, receipt, log: logs,
    });
  });
  mqttWss.on('connection', (ws) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', () => stream.destroy());
    if (!broker.handleStream(stream)) ws.close(1013, 'broker down');
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const wss = path === PANEL_WS_PATH ? panelWss : path === MQTT_WS_PATH ? mqttWss : undefined;
    if (!wss || !sameOrigin(req)) { socket.end('HTTP/1.1 403 Forbidden\r\n\r\n'); return; }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port, host, () => { server.off('error', fail); ok(); });
  });
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : o.port;

  return {
    host, port, url: `http://${host}:${port}/`,
    log,
    async close() {
      for (const off of offs.splice(0)) off();
      for (const ws of [...panelWss.clients, ...mqttWss.clients]) ws.terminate();
      panelWss.close();
      mqttWss.close();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
