/**
 * The fleet dashboard: every terminal publishing under `<prefix>/+/+/#` on the broker, read over MQTT over
 * WebSocket. It shows what the telemetry says and nothing more; it never talks to a kiosk directly.
 */
import { byId, fill, h, prependCapped } from '../shared/dom.js';
import { applyI18n, bindLangButton, onLangChange, t, type MessageKey } from '../shared/i18n.js';
import { brokerUrl, watchTelemetry, type TelemetryMessage } from '../shared/mqtt.js';
import { COMMAND_PATH, DASHBOARD_COMMANDS, INFO_PATH, MQTT_WS_PATH, type CommandRequest, type CommandResponse, type PanelInfo } from '../shared/protocol.js';
import { DEFAULT_CASHBOX_CAPACITY, activeAlarms, applyEnvelope, cashboxMeter, paperMeter, type Meter, type TerminalView } from './model.js';

const KEEP = 200;
const fleet = new Map<string, TerminalView>();
let brokerConnected: boolean | undefined;
const capacity = Number(new URLSearchParams(location.search).get('cashboxCapacity')) || DEFAULT_CASHBOX_CAPACITY;

function renderConn(): void {
  const el = byId('conn');
  el.dataset['live'] = String(brokerConnected === true);
  el.textContent = brokerConnected === undefined ? '…' : t(brokerConnected ? 'conn.live' : 'conn.lost');
}

const METER_LABEL: Readonly<Record<string, MessageKey>> = {
  ok: 'fleet.paperOk', 'near-end': 'fleet.paperLow', out: 'fleet.paperOut', removed: 'fleet.cashboxRemoved', full: 'fleet.stackerFull',
};

function meter(key: MessageKey, m: Meter, unknown: MessageKey, testId: string): HTMLElement {
  const label = m.level === 'unknown' ? t(unknown) : (METER_LABEL[m.label] ? t(METER_LABEL[m.label] as MessageKey) : m.label);
  return h('div', { class: 'meter', 'data-testid': testId, 'data-level': m.level },
    h('span', {}, t(key)),
    h('div', { class: 'track', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': m.pct, 'aria-valuetext': label, 'aria-label': t(key) },
      h('div', { class: 'bar', 'data-level': m.level, style: `width:${m.level === 'unknown' ? 100 : m.pct}%` })),
    h('span', {}, label));
}

function card(tv: TerminalView): HTMLElement {
  const alarms = activeAlarms(tv);
  const onlineKey: MessageKey = tv.online === undefined ? 'fleet.unknown' : tv.online ? 'fleet.online' : 'fleet.offline';
  const onlineV = tv.online === undefined ? 'unknown' : tv.online ? 'online' : 'offline';
  const hb = tv.heartbeat ? `${Math.round(tv.heartbeat.uptimeMs / 1000)} s up · ${t('st.outbox')} ${tv.heartbeat.outboxDepth}` : '—';
  return h('article', { class: 'terminal', 'data-terminal': tv.terminal, 'data-online': tv.online === undefined ? undefined : String(tv.online), 'data-alarm': String(alarms.length > 0), tabindex: 0, 'aria-label': `${tv.fleet}/${tv.terminal}` },
    h('h3', {}, h('span', {}, tv.terminal), h('span', { class: 'badge', 'data-v': onlineV, 'data-testid': 'online' }, t(onlineKey))),
    h('dl', { class: 'kv' },
      h('dt', {}, t('st.service')), h('dd', { class: 'service', 'data-v': tv.service ?? '', 'data-testid': 'service' }, tv.service ?? '—'),
      h('dt', {}, t('st.reasons')), h('dd', { 'data-testid': 'reasons' }, tv.reasons.length ? tv.reasons.join(', ') : '—'),
      h('dt', {}, t('st.fsm')), h('dd', {}, tv.fsm ?? '—'),
      h('dt', {}, t('fleet.heartbeat')), h('dd', {}, hb),
    ),
    h('h4', { class: 'muted' }, t('fleet.alarms')),
    alarms.length
      ? h('ul', { class: 'alarms', 'data-testid': 'alarms' }, ...alarms.map((a) => h('li', {}, a)))
      : h('p', { class: 'muted', 'data-testid': 'alarms' }, t('fleet.noAlarms')),
    meter('fleet.cashbox', cashboxMeter(tv, capacity), 'fleet.cashboxUnknown', 'cashbox'),
    meter('fleet.paper', paperMeter(tv), 'fleet.unknown', 'paper'),
    h('details', {}, h('summary', {}, t('fleet.devices')),
      h('ul', { class: 'devices' }, ...Object.entries(tv.devices).map(([n, d]) => h('li', {}, `${n}: ${d.state}${d.reason === 'ok' ? '' : ` (${d.reason})`}`)))),
  );
}

function renderGrid(): void {
  const grid = byId('grid');
  const all = [...fleet.values()].sort((a, b) => a.key.localeCompare(b.key));
  if (all.length === 0) { fill(grid, h('p', { class: 'muted' }, t('fleet.none'))); return; }
  // Keep keyboard focus on the card it was on across a redraw.
  const focused = (document.activeElement as HTMLElement | null)?.dataset['terminal'];
  fill(grid, ...all.map(card));
  if (focused) grid.querySelector<HTMLElement>(`[data-terminal="${CSS.escape(focused)}"]`)?.focus();
  const select = byId<HTMLSelectElement>('cmd-terminal');
  const chosen = select.value;
  fill(select, ...all.map((tv) => h('option', { value: tv.key, selected: tv.key === chosen }, tv.key)));
}

function onMessage(m: TelemetryMessage): void {
  const sub = m.topic.split('/').slice(-3).join('/');
  const env = m.env;
  const text = env ? `${env.terminal} ${env.class}/${env.kind} ${JSON.stringify(env.data)}` : `${sub} ${m.text}`;
  prependCapped(byId('events'), h('li', { 'data-kind': env?.class ?? 'mqtt' }, `${m.retained ? '(retained) ' : ''}${text.length > 260 ? `${text.slice(0, 260)}…` : text}`), KEEP);
  if (!env) return;
  applyEnvelope(fleet, env);
  renderGrid();
}

async function serverInfo(): Promise<PanelInfo | undefined> {
  try {
    const r = await fetch(INFO_PATH, { cache: 'no-store' });
    if (r.ok) return (await r.json()) as PanelInfo;
  } catch { /* served elsewhere: defaults, and no commands */ }
  return undefined;
}

// ---- signed commands: the server signs with the fleet console's code; the page never holds a key ----

let commandsOn = false;

function renderCommandNote(): void {
  const note = byId('command-note');
  note.dataset['i18n'] = commandsOn ? 'fleet.cmdEnabled' : 'fleet.cmdUnavailable';
  note.textContent = t(commandsOn ? 'fleet.cmdEnabled' : 'fleet.cmdUnavailable');
}

async function sendCommand(e: SubmitEvent): Promise<void> {
  e.preventDefault();
  if (!commandsOn) return;
  const key = byId<HTMLSelectElement>('cmd-terminal').value;
  const name = byId<HTMLSelectElement>('cmd-name').value;
  const tv = fleet.get(key);
  const out = byId('command-result');
  if (!tv) return;
  const fields = byId<HTMLFieldSetElement>('command-fields');
  fields.disabled = true;
  out.removeAttribute('data-ok');
  out.textContent = t('fleet.cmdSending');
  try {
    const body: CommandRequest = { fleet: tv.fleet, terminal: tv.terminal, name };
    const r = await fetch(COMMAND_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const res = (await r.json()) as CommandResponse;
    out.dataset['ok'] = String(res.code === 0);
    out.textContent = res.text;
  } catch (err) {
    out.dataset['ok'] = 'false';
    out.textContent = String(err);
  } finally {
    fields.disabled = false;
  }
}

async function start(): Promise<void> {
  const info = await serverInfo();
  commandsOn = info?.commands === true;
  byId<HTMLFieldSetElement>('command-fields').disabled = !commandsOn;
  renderCommandNote();
  const p = info?.topicPrefix ?? 'kiosk/v1';
  const filter = `${p}/+/+/#`;
  byId('filter').textContent = filter;
  watchTelemetry(brokerUrl(MQTT_WS_PATH), filter, onMessage, (connected) => {
    brokerConnected = connected;
    renderConn();
    prependCapped(byId('events'), h('li', { 'data-kind': connected ? 'mqtt' : 'error' }, connected ? 'broker connected' : 'broker connection lost'), KEEP);
  });
}

fill(byId('cmd-name'), ...DASHBOARD_COMMANDS.map((c) => h('option', { value: c }, c)));
byId<HTMLFormElement>('command').addEventListener('submit', (e) => void sendCommand(e));

bindLangButton(byId<HTMLButtonElement>('lang'));
onLangChange(() => { renderConn(); renderGrid(); renderCommandNote(); });
applyI18n();
renderConn();
renderGrid();
void start();
