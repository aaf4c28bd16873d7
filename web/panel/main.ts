/**
 * The kiosk panel: the simulated kiosk's display, buttons, tray and fault switches, driving the same
 * simulators the tests use through the launcher's actions (`/ws`), plus the terminal's MQTT traffic.
 */
import { byId, fill, h, prependCapped } from '../shared/dom.js';
import { applyI18n, bindLangButton, onLangChange, t, type MessageKey } from '../shared/i18n.js';
import { renderLcd } from '../shared/lcd.js';
import { brokerUrl, watchTelemetry } from '../shared/mqtt.js';
import {
  PANEL_WS_PATH,
  type ClientMessage, type DeviceView, type Faults, type LogEntry, type PanelInfo, type ReceiptView, type ServerMessage, type ServiceView, type WireAction,
} from '../shared/protocol.js';

interface PanelState {
  info: PanelInfo | undefined;
  lcd: readonly string[];
  service: ServiceView;
  devices: Record<string, DeviceView>;
  faults: Faults | undefined;
  mqtt: { connected: boolean; outbox: number };
  receipt: ReceiptView | null;
  connected: boolean;
}

const state: PanelState = {
  info: undefined, lcd: [], service: { service: '…', fsm: '…', reasons: [] }, devices: {}, faults: undefined,
  mqtt: { connected: false, outbox: 0 }, receipt: null, connected: false,
};

const KEEP = 150;
let socket: WebSocket | undefined;
let nextId = 1;
let mqttStarted = false;

function send(action: WireAction): void {
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  const m: ClientMessage = { t: 'action', id: nextId++, action };
  socket.send(JSON.stringify(m));
}

// ---- rendering ------------------------------------------------------------------------------------

function money(minor: number, currency: string): string {
  const major = `${Math.floor(minor / 100)}${minor % 100 === 0 ? '' : `.${String(minor % 100).padStart(2, '0')}`}`;
  return currency === 'CNY' ? `¥${major}` : `${major} ${currency}`;
}

function renderConn(): void {
  const el = byId('conn');
  el.dataset['live'] = String(state.connected);
  el.textContent = t(state.connected ? 'conn.live' : 'conn.lost');
}

function renderDisplay(): void {
  if (!state.info) return;
  renderLcd(byId('lcd'), byId('lcd-text'), state.lcd, state.info.display);
}

function statusText(d: DeviceView | undefined): string {
  if (!d) return '—';
  return d.reason === 'ok' ? d.state : `${d.state} (${d.reason})`;
}

function renderStatus(): void {
  const s = state.service;
  const row = (key: MessageKey, value: string, bad = false): Node[] => [h('dt', {}, t(key)), h('dd', { class: bad ? 'bad' : undefined }, value)];
  const dev = (name: string): string => statusText(state.devices[name]);
  const devBad = (name: string): boolean => { const d = state.devices[name]; return d !== undefined && d.state !== 'online' && d.state !== 'busy'; };
  fill(byId('status'),
    ...row('st.service', s.service, s.service !== 'in-service'),
    ...row('st.fsm', s.fsm),
    ...row('st.reasons', s.reasons.length ? s.reasons.join(', ') : '—', s.reasons.length > 0),
    ...row('st.billValidator', dev('billValidator'), devBad('billValidator')),
    ...row('st.receiptPrinter', dev('receiptPrinter'), devBad('receiptPrinter')),
    ...row('st.scanner', dev('scanner'), devBad('scanner')),
    ...row('st.mqtt', `${t(state.mqtt.connected ? 'conn.live' : 'conn.lost')} · ${t('st.outbox')} ${state.mqtt.outbox}`, !state.mqtt.connected),
  );
  const root = byId('status');
  root.dataset['service'] = s.service;
}

function renderTray(): void {
  const info = state.info;
  if (!info) return;
  fill(byId('bills'), ...info.samples.map((s) => h('button', { type: 'button', 'data-code': s.code, title: s.code, onclick: () => send({ kind: 'scan', code: s.code }) }, s.label)));
  fill(byId('wallet'), ...info.walletCodes.map((w) => h('button', { type: 'button', 'data-code': w.code, title: w.code, onclick: () => send({ kind: 'code', code: w.code }) }, w.code)));
  fill(byId('staff'), ...info.badges.map((b) => h('button', { type: 'button', title: b.code, onclick: () => send({ kind: 'badge', code: b.code }) }, b.label)));
  fill(byId('notes'), ...info.notes.map((v) => h('button', { type: 'button', 'data-note': v, onclick: () => send({ kind: 'note', value: v }) }, money(v, info.currency))));
}

const FAULTS: readonly { key: keyof Faults; label: MessageKey; action: WireAction; fakeOnly: boolean }[] = [
  { key: 'jam', label: 'fault.jam', action: { kind: 'jam' }, fakeOnly: true },
  { key: 'paperOut', label: 'fault.paperOut', action: { kind: 'paper' }, fakeOnly: false },
  { key: 'cashboxOut', label: 'fault.cashboxOut', action: { kind: 'cashbox' }, fakeOnly: true },
  { key: 'unplugged', label: 'fault.unplugged', action: { kind: 'unplug' }, fakeOnly: false },
  { key: 'brokerDown', label: 'fault.brokerDown', action: { kind: 'broker' }, fakeOnly: false },
  { key: 'doorOpen', label: 'fault.doorOpen', action: { kind: 'door' }, fakeOnly: false },
];

function renderFaults(): void {
  const f = state.faults;
  const fake = state.info?.validator === 'fake';
  fill(byId('faults'), ...FAULTS.map((s) => {
    const off = s.fakeOnly && !fake;
    return h('button', {
      type: 'button', 'data-fault': s.key, 'aria-pressed': String(f?.[s.key] ?? false), disabled: off,
      title: off ? t('fault.fakeOnly') : undefined, onclick: () => send(s.action),
    }, t(s.label));
  }));
}

/** The printer's placeholder lines for codes become labelled blocks; the text lines stay as printed. */
function renderReceipt(): void {
  const box = byId('receipt');
  const r = state.receipt;
  if (!r) { fill(box, h('span', { class: 'muted' }, t('receipt.none'))); return; }
  if (!r.printed) { fill(box, h('span', { class: 'bad' }, `${r.txId}: ${t('receipt.notPrinted')}`)); return; }
  box.dataset['txId'] = r.txId;
  const nodes: Node[] = [];
  let text = '';
  const flush = (): void => { if (text) { nodes.push(document.createTextNode(text)); text = ''; } };
  for (const line of r.lines) {
    const m = /^\[(QR|[A-Z0-9_-]+):(.*)\]$/.exec(line.trim());
    if (m) {
      flush();
      const qr = m[1] === 'QR';
      nodes.push(h('span', { class: qr ? 'qr' : 'code', 'data-kind': qr ? 'qr' : 'barcode' },
        h('span', { class: 'label' }, qr ? t('receipt.qr') : `${t('receipt.barcode')} ${m[1] ?? ''}`), m[2] ?? ''));
    } else {
      text += `${line}\n`;
    }
  }
  flush();
  fill(box, ...nodes);
}

function addLog(e: LogEntry): void {
  prependCapped(byId('events'), h('li', { 'data-kind': e.kind }, e.text), KEEP);
}

function renderAll(): void {
  renderConn();
  renderDisplay();
  renderStatus();
  renderTray();
  renderFaults();
  renderReceipt();
}

// ---- the kiosk's WebSocket ------------------------------------------------------------------------

function onServer(m: ServerMessage): void {
  switch (m.t) {
    case 'hello':
      state.info = m.info;
      state.lcd = m.lcd;
      state.service = m.state;
      state.devices = { ...m.devices };
      state.faults = m.faults;
      state.mqtt = { ...m.mqtt };
      state.receipt = m.receipt;
      byId('terminal').textContent = `${m.info.fleet} / ${m.info.terminal} · ${m.info.locale} · ${m.info.currency} · ${m.info.validator}`;
      fill(byId('events'));
      for (const e of m.log) addLog(e);
      renderAll();
      startMqtt(m.info);
      return;
    case 'screen': state.lcd = m.lines; renderDisplay(); return;
    case 'state': state.service = m.state; renderStatus(); return;
    case 'device': state.devices[m.device] = m.status; renderStatus(); return;
    case 'faults': state.faults = m.faults; renderFaults(); return;
    case 'mqtt': state.mqtt = { connected: m.connected, outbox: m.outbox }; renderStatus(); return;
    case 'receipt': state.receipt = m.receipt; renderReceipt(); return;
    case 'log': addLog(m.entry); return;
    case 'done': if (m.error) addLog({ seq: 0, kind: 'error', text: `action refused: ${m.error}` }); return;
  }
}

function connect(): void {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${PANEL_WS_PATH}`);
  socket = ws;
  ws.addEventListener('open', () => { state.connected = true; renderConn(); });
  ws.addEventListener('message', (ev) => {
    if (typeof ev.data !== 'string') return;
    try { onServer(JSON.parse(ev.data) as ServerMessage); } catch { /* a malformed frame is dropped */ }
  });
  ws.addEventListener('close', () => {
    state.connected = false;
    renderConn();
    setTimeout(connect, 1500);
  });
}

function startMqtt(info: PanelInfo): void {
  if (mqttStarted) return;
  mqttStarted = true;
  const list = byId('mqtt');
  watchTelemetry(brokerUrl(info.mqttPath), `${info.topicPrefix}/${info.fleet}/${info.terminal}/#`, (msg) => {
    const sub = msg.topic.split('/').slice(-2).join('/');
    const what = msg.env ? `${msg.env.class}/${msg.env.kind} #${msg.env.seq}` : '';
    const data = msg.env ? JSON.stringify(msg.env.data) : msg.text;
    prependCapped(list, h('li', { 'data-kind': msg.env?.class ?? 'mqtt' }, `${msg.retained ? '(retained) ' : ''}${sub} ${what} ${data.length > 240 ? `${data.slice(0, 240)}…` : data}`), KEEP);
  }, (connected) => {
    prependCapped(list, h('li', { 'data-kind': connected ? 'mqtt' : 'error' }, connected ? 'broker connected (ws)' : 'broker connection lost'), KEEP);
  });
}

// ---- wiring ---------------------------------------------------------------------------------------

for (const b of document.querySelectorAll<HTMLButtonElement>('[data-button]')) {
  b.addEventListener('click', () => send({ kind: 'button', button: b.dataset['button'] as 'cash' | 'cancel' | 'moreTime' | 'confirm' }));
}
for (const b of document.querySelectorAll<HTMLButtonElement>('[data-card]')) {
  b.addEventListener('click', () => send({ kind: 'card', decision: b.dataset['card'] === 'decline' ? 'decline' : 'approve' }));
}
bindLangButton(byId<HTMLButtonElement>('lang'));
onLangChange(renderAll);
applyI18n();
renderAll();
connect();
