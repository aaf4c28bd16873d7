import type { Envelope } from '../../telemetry/index.js';
import { SeqLedger } from './seq.js';

/** One terminal as the fleet console shows it. */
export interface TerminalRow {
  readonly fleet: string;
  readonly terminal: string;
  online: boolean | null;
  service: string | null;
  reasons: readonly string[];
  /** Active alarm conditions by key (`paper-out/receiptPrinter`), plus one-shot alarms until cleared by hand. */
  readonly alarms: Map<string, string>;
  cashNotes: number | null;
  cashAmounts: Readonly<Record<string, number>>;
  paper: string | null;
  lastSeenMs: number | null;
  version: string | null;
  /** (boot, connection) of the online state held: an older connection's Will must not turn it offline. */
  connection: string | null;
}

export interface FeedLine {
  readonly atMs: number;
  readonly terminal: string;
  readonly text: string;
}

const FEED_MAX = 50;
const DURABLE = new Set(['transaction', 'alarm', 'collection']);

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/**
 * The fleet as retained state, devices, heartbeats and events describe it (pure: the caller feeds it
 * envelopes and the time). Events are de-duplicated by (terminal, class, seq) before they count.
 */
export class FleetView {
  readonly seqs = new SeqLedger();
  private readonly terminals = new Map<string, TerminalRow>();
  private readonly feed: FeedLine[] = [];

  /** Applies one message; returns the alarm or reply line it produced, if any. */
  apply(env: Envelope, nowMs: number): FeedLine | undefined {
    if (DURABLE.has(env.class) && !this.seqs.accept(env.terminal, env.class, env.seq)) return undefined;
    const row = this.row(env.fleet, env.terminal);
    row.lastSeenMs = nowMs;
    const d = env.data;
    switch (env.class) {
      case 'state': {
        const conn = `${env.boot}/${String(d['connection'])}`;
        if (d['online'] === true) {
          row.online = true;
          row.connection = conn;
          row.service = str(d['serviceState']);
          row.reasons = Array.isArray(d['reasons']) ? d['reasons'].map(String) : [];
          row.version = str(d['version']);
        } else if (row.connection === null || row.connection === conn) {
          row.online = false;
        }
        return undefined;
      }
      case 'devices': {
        const devices = (d['devices'] ?? {}) as Record<string, { state?: unknown; reason?: unknown }>;
        const printer = devices['receiptPrinter'] ?? devices['printer'];
        if (printer) row.paper = String(printer.reason ?? '') === 'ok' ? 'ok' : `${String(printer.state)}/${String(printer.reason)}`;
        return undefined;
      }
      case 'health': {
        const cash = d['cash'] as { notes?: unknown; amounts?: unknown } | null | undefined;
        if (cash && typeof cash.notes === 'number') { row.cashNotes = cash.notes; row.cashAmounts = (cash.amounts ?? {}) as Record<string, number>; }
        if (typeof d['service'] === 'string') row.service = d['service'];
        if (row.online === null) row.online = true;
        return undefined;
      }
      case 'alarm': {
        const alarm = str(d['alarm']) ?? env.kind;
        const key = str(d['key']) ?? `${alarm}/${env.id}`;
        if (env.kind === 'cleared') row.alarms.delete(key); else row.alarms.set(key, alarm);
        return this.push({ atMs: nowMs, terminal: env.terminal, text: `${env.kind === 'cleared' ? 'cleared' : 'ALARM'} ${alarm} ${detailsText(d['details'])}`.trim() });
      }
      case 'collection':
        if (env.kind === 'cash.collected') { row.cashNotes = 0; row.cashAmounts = {}; }
        return undefined;
      case 'reply':
        return this.push({ atMs: nowMs, terminal: env.terminal, text: `reply ${String(d['name'])} ${String(d['status'])}${d['reason'] ? ` (${String(d['reason'])})` : ''} id=${String(d['commandId'])}` });
      default:
        return undefined;
    }
  }

  rows(): TerminalRow[] {
    return [...this.terminals.values()].sort((a, b) => `${a.fleet}/${a.terminal}`.localeCompare(`${b.fleet}/${b.terminal}`));
  }

  alarmFeed(): readonly FeedLine[] {
    return this.feed;
  }

  private push(line: FeedLine): FeedLine {
    this.feed.push(line);
    if (this.feed.length > FEED_MAX) this.feed.splice(0, this.feed.length - FEED_MAX);
    return line;
  }

  private row(fleet: string, terminal: string): TerminalRow {
    const key = `${fleet}/${terminal}`;
    let r = this.terminals.get(key);
    if (!r) {
      r = { fleet, terminal, online: null, service: null, reasons: [], alarms: new Map(), cashNotes: null, cashAmounts: {}, paper: null, lastSeenMs: null, version: null, connection: null };
      this.terminals.set(key, r);
    }
    return r;
  }
}

function detailsText(v: unknown): string {
  if (!v || typeof v !== 'object') return '';
  return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}=${String(x)}`).join(' ');
}

function ago(ms: number | null, now: number): string {
  if (ms === null) return '-';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

/** The live table, one line per terminal, fixed columns. */
export function renderTable(rows: readonly TerminalRow[], nowMs: number): string {
  const head = ['TERMINAL', 'ONLINE', 'STATE', 'ALARMS', 'CASH', 'PAPER', 'SEEN'];
  const body = rows.map((r) => [
    `${r.fleet}/${r.terminal}`,
    r.online === null ? '?' : r.online ? 'yes' : 'NO',
    r.service === null ? '-' : r.reasons.length ? `${r.service} (${r.reasons.join(',')})` : r.service,
    r.alarms.size ? [...new Set(r.alarms.values())].join(',') : '-',
    r.cashNotes === null ? '-' : `${r.cashNotes} notes ${Object.entries(r.cashAmounts).map(([c, v]) => `${(v / 100).toFixed(2)} ${c}`).join(' ')}`.trim(),
    r.paper ?? '-',
    ago(r.lastSeenMs, nowMs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n');
}

/** A row as plain JSON for `--json`. */
export function rowJson(r: TerminalRow): Record<string, unknown> {
  return {
    fleet: r.fleet, terminal: r.terminal, online: r.online, service: r.service, reasons: r.reasons,
    alarms: [...r.alarms.entries()].map(([key, alarm]) => ({ key, alarm })), cashNotes: r.cashNotes, cashAmounts: r.cashAmounts,
    paper: r.paper, lastSeenMs: r.lastSeenMs, version: r.version,
  };
}
