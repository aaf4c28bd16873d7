/**
 * The fleet dashboard's picture of each terminal, folded from kioskd's telemetry envelopes. Pure: no DOM,
 * no MQTT client, so it is tested on its own (tests/sim/web/fleet-model.test.ts).
 */

export interface EnvelopeLike {
  readonly boot: string;
  readonly ts: number;
  readonly terminal: string;
  readonly fleet: string;
  readonly class: string;
  readonly kind: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface DeviceDoc {
  readonly state: string;
  readonly reason: string;
  readonly text: string;
  /** Notes in the cash box and its capacity, if the telemetry ever reports them (it does not yet). */
  readonly cashbox?: { readonly notes: number; readonly capacity: number };
}

export interface AlarmView {
  readonly alarm: string;
  readonly severity: string;
  readonly ts: number;
}

/** Alarm kinds of a condition (raised while it holds, cleared when it stops), paired by `key`. */
const RAISED = 'raised';
const CLEARED = 'cleared';

export interface TerminalView {
  readonly key: string;
  readonly fleet: string;
  readonly terminal: string;
  /** undefined until a state document arrived. */
  online: boolean | undefined;
  boot: string | undefined;
  connection: number | undefined;
  service: string | undefined;
  fsm: string | undefined;
  reasons: string[];
  version: string | undefined;
  devices: Record<string, DeviceDoc>;
  heartbeat: { ts: number; uptimeMs: number; outboxDepth: number } | undefined;
  /** Notes in the cash box as the heartbeat counts them (the journal's cash period), zeroed by a collection. */
  cash: { notes: number; amounts: Record<string, number> } | undefined;
  /** Alarm conditions raised and not cleared, by key. */
  active: Map<string, AlarmView>;
  /** One-shot alarms (journal failure, settlement difference…), newest first. */
  alarms: AlarmView[];
}

const ALARMS_KEPT = 5;

function str(v: unknown): string | undefined { return typeof v === 'string' ? v : undefined; }
function num(v: unknown): number | undefined { return typeof v === 'number' && Number.isFinite(v) ? v : undefined; }

function blank(fleet: string, terminal: string): TerminalView {
  return {
    key: `${fleet}/${terminal}`, fleet, terminal, online: undefined, boot: undefined, connection: undefined, service: undefined,
    fsm: undefined, reasons: [], version: undefined, devices: {}, heartbeat: undefined, cash: undefined, active: new Map(), alarms: [],
  };
}

function deviceDoc(v: unknown): DeviceDoc | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const state = str(o['state']);
  const reason = str(o['reason']);
  if (state === undefined || reason === undefined) return undefined;
  const cb = o['cashbox'] as Record<string, unknown> | undefined;
  const notes = num(cb?.['notes']);
  const capacity = num(cb?.['capacity']);
  return { state, reason, text: str(o['text']) ?? '', ...(notes !== undefined && capacity !== undefined && capacity > 0 ? { cashbox: { notes, capacity } } : {}) };
}

/** Applies one envelope; returns the terminal it changed. */
export function applyEnvelope(fleet: Map<string, TerminalView>, env: EnvelopeLike): TerminalView {
  const key = `${env.fleet}/${env.terminal}`;
  let t = fleet.get(key);
  if (!t) { t = blank(env.fleet, env.terminal); fleet.set(key, t); }
  const d = env.data;
  switch (env.class) {
    case 'state': {
      const online = d['online'] === true;
      const connection = num(d['connection']);
      if (online) {
        t.online = true;
        t.boot = env.boot;
        t.connection = connection;
        t.service = str(d['serviceState']) ?? t.service;
        t.fsm = str(d['fsm']) ?? t.fsm;
        t.reasons = Array.isArray(d['reasons']) ? d['reasons'].filter((r): r is string => typeof r === 'string') : [];
      } else if (t.online !== true || (t.boot === env.boot && t.connection === connection)) {
        // A late Will of an older connection must not take a newer birth offline.
        t.online = false;
      }
      t.version = str(d['version']) ?? t.version;
      break;
    }
    case 'devices': {
      const devs = d['devices'];
      if (typeof devs === 'object' && devs !== null) {
        const next: Record<string, DeviceDoc> = {};
        for (const [name, v] of Object.entries(devs as Record<string, unknown>)) {
          const doc = deviceDoc(v);
          if (doc) next[name] = doc;
        }
        t.devices = next;
      }
      break;
    }
    case 'health':
      t.heartbeat = { ts: env.ts, uptimeMs: num(d['uptimeMs']) ?? 0, outboxDepth: num(d['outboxDepth']) ?? 0 };
      if (str(d['service'])) t.service = str(d['service']);
      if (str(d['fsm'])) t.fsm = str(d['fsm']);
      {
        const cash = d['cash'] as Record<string, unknown> | null | undefined;
        const notes = num(cash?.['notes']);
        if (notes !== undefined) {
          const amounts: Record<string, number> = {};
          const a = cash?.['amounts'];
          if (typeof a === 'object' && a !== null) for (const [c, v] of Object.entries(a)) if (typeof v === 'number') amounts[c] = v;
          t.cash = { notes, amounts };
        }
      }
      // The heartbeat names the active conditions: it corrects a raise or clear this page never saw.
      if (Array.isArray(d['alarms'])) {
        const names = new Set(d['alarms'].filter((a): a is string => typeof a === 'string'));
        for (const [key, a] of t.active) if (!names.has(a.alarm)) t.active.delete(key);
        const held = new Set([...t.active.values()].map((a) => a.alarm));
        for (const n of names) if (!held.has(n)) t.active.set(n, { alarm: n, severity: 'critical', ts: env.ts });
      }
      break;
    case 'alarm': {
      const view: AlarmView = { alarm: str(d['alarm']) ?? env.kind, severity: str(d['severity']) ?? 'warning', ts: env.ts };
      const key = str(d['key']) ?? view.alarm;
      if (env.kind === RAISED) {
        t.active.delete(view.alarm); // a placeholder from a heartbeat, now known by its key
        t.active.set(key, view);
      } else if (env.kind === CLEARED) {
        t.active.delete(key);
        t.active.delete(view.alarm);
      } else {
        t.alarms = [view, ...t.alarms].slice(0, ALARMS_KEPT);
      }
      break;
    }
    case 'collection':
      if (env.kind === 'cash.collected') t.cash = { notes: 0, amounts: {} };
      break;
    default:
      break;
  }
  return t;
}

/**
 * What needs an operator now: the active alarm conditions, devices in error, fraud or lost that no
 * condition names yet (a terminal that raises none, or its raise still on the way), then the recent
 * one-shot alarms.
 */
export function activeAlarms(t: TerminalView): string[] {
  const out: string[] = [];
  const named = new Set<string>();
  for (const a of t.active.values()) { out.push(`${a.alarm} (${a.severity})`); named.add(a.alarm); }
  for (const [name, dev] of Object.entries(t.devices)) {
    const faulty = dev.state === 'error' || dev.state === 'fraud' || (dev.state === 'offline' && dev.reason !== 'closed');
    if (faulty && !named.has(dev.reason)) out.push(`${name}: ${dev.reason}`);
  }
  for (const a of t.alarms) out.push(`${a.alarm} (${a.severity})`);
  return out;
}

export type Level = 'ok' | 'low' | 'bad' | 'unknown';

/** A common bill-validator cash box holds about a thousand notes; `?cashboxCapacity=` on the page overrides it. */
export const DEFAULT_CASHBOX_CAPACITY = 1000;

export interface Meter {
  /** 0..100 */
  readonly pct: number;
  readonly level: Level;
  /** 'ok' | 'near-end' | 'out' | 'removed' | 'full' | 'unknown' | a fill fraction as text */
  readonly label: string;
}

/** Paper as the printer reports it: the sensor knows ok, near end and out, not a length. */
export function paperMeter(t: TerminalView): Meter {
  const p = t.devices['receiptPrinter'];
  if (!p) return { pct: 0, level: 'unknown', label: 'unknown' };
  if (p.reason === 'paper-out') return { pct: 0, level: 'bad', label: 'out' };
  if (p.reason === 'paper-near-end') return { pct: 15, level: 'low', label: 'near-end' };
  if (p.state === 'offline') return { pct: 0, level: 'unknown', label: 'unknown' };
  return { pct: 100, level: 'ok', label: 'ok' };
}

/**
 * Cash box fill: the validator's status first (removed, full), then the heartbeat's note count against the
 * box's capacity (which the telemetry does not carry: the dashboard is told it), else unknown.
 */
export function cashboxMeter(t: TerminalView, capacity = DEFAULT_CASHBOX_CAPACITY): Meter {
  const v = t.devices['billValidator'];
  if (!v) return { pct: 0, level: 'unknown', label: 'unknown' };
  if (v.reason === 'cashbox-removed') return { pct: 0, level: 'bad', label: 'removed' };
  if (v.reason === 'stacker-full') return { pct: 100, level: 'bad', label: 'full' };
  const count = v.cashbox ?? (t.cash ? { notes: t.cash.notes, capacity } : undefined);
  if (count && count.capacity > 0) {
    const pct = Math.min(100, Math.round((count.notes / count.capacity) * 100));
    return { pct, level: pct >= 90 ? 'bad' : pct >= 75 ? 'low' : 'ok', label: `${count.notes}/${count.capacity}` };
  }
  return { pct: 0, level: 'unknown', label: 'unknown' };
}
