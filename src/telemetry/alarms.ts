import type { Logger } from 'pino';
import { toKioskError } from '../errors/index.js';
import type { DeviceStatus } from '../hal/index.js';
import type { SqliteStatement } from '../ledger/index.js';
import type { AlarmEventData, Outbox, OutboxFullState } from './outbox.js';

export type AlarmSeverity = 'warning' | 'critical';

/** One alarm condition: raised while it holds, cleared when it stops. */
export interface AlarmCondition {
  readonly alarm: string;
  readonly severity: AlarmSeverity;
}

/** `events/alarm` data of a condition: kind `raised` or `cleared`, `key` pairs the two. */
export interface AlarmConditionData extends AlarmEventData {
  readonly key: string;
}

/**
 * The alarm conditions one device status means (pure). Reasons are the drivers' stable reasons
 * (src/hal/device.ts): cash box, stacker, paper, jams, fraud and tamper, and a device gone offline.
 */
export function deviceAlarms(status: DeviceStatus): AlarmCondition[] {
  const r = status.reason;
  const out: AlarmCondition[] = [];
  if (r === 'cashbox-removed') out.push({ alarm: 'cashbox-removed', severity: 'critical' });
  if (r === 'stacker-full') out.push({ alarm: 'stacker-full', severity: 'critical' });
  else if (r.startsWith('stacker-near') || r === 'stacker-nearly-full') out.push({ alarm: 'stacker-nearly-full', severity: 'warning' });
  if (r === 'paper-out') out.push({ alarm: 'paper-out', severity: 'critical' });
  else if (r === 'paper-near-end') out.push({ alarm: 'paper-near-end', severity: 'warning' });
  if (/(^|-)jam(-|$)|jammed/.test(r)) out.push({ alarm: 'jam', severity: 'critical' });
  if (status.state === 'fraud') out.push(r === 'tamper' ? { alarm: 'tamper', severity: 'critical' } : { alarm: 'fraud-attempt', severity: 'critical' });
  // `closed` is every device before its first open: not a fault.
  if (status.state === 'offline' && r !== 'closed') out.push({ alarm: 'device-offline', severity: 'critical' });
  return out;
}

/** Alarms the journal hooks already make durable in the fact's own transaction (alarmOutboxHook). */
const JOURNAL_BACKED: ReadonlySet<string> = new Set(['counter-mismatch', 'needs-refund', 'settlement-difference']);

const ACTIVE_DDL = `
CREATE TABLE IF NOT EXISTS alarm_active (
  key TEXT PRIMARY KEY,
  alarm TEXT NOT NULL,
  severity TEXT NOT NULL,
  source TEXT NOT NULL,
  details TEXT NOT NULL CHECK (json_valid(details))
) STRICT, WITHOUT ROWID;
`;

interface ActiveRow { key: string; alarm: string; severity: string; source: string; details: string }

/**
 * Raises and clears alarm conditions as `events/alarm` outbox rows (durable; never dropped), at most once
 * per episode: a condition already active is not raised again. Which conditions are active is kept in the
 * journal's database with the outbox row, so a restart neither repeats a raise nor forgets a clear.
 */
export class AlarmMonitor {
  private readonly active = new Map<string, ActiveRow>();
  private readonly insertActive: SqliteStatement;
  private readonly deleteActive: SqliteStatement;

  constructor(private readonly outbox: Outbox, private readonly logger?: Logger) {
    const db = outbox.database;
    db.transaction(() => { db.exec(ACTIVE_DDL); })();
    this.insertActive = db.prepare('INSERT OR REPLACE INTO alarm_active (key, alarm, severity, source, details) VALUES (?, ?, ?, ?, ?)');
    this.deleteActive = db.prepare('DELETE FROM alarm_active WHERE key = ?');
    for (const r of db.prepare('SELECT key, alarm, severity, source, details FROM alarm_active').all() as ActiveRow[]) this.active.set(r.key, r);
  }

  /** Active alarm names (for the fleet view and diagnostics). */
  activeAlarms(): { readonly key: string; readonly alarm: string; readonly severity: string }[] {
    return [...this.active.values()].map((r) => ({ key: r.key, alarm: r.alarm, severity: r.severity }));
  }

  /** A device reported a status: its conditions are set to exactly those the status means. */
  device(name: string, status: DeviceStatus): void {
    const want = new Map(deviceAlarms(status).map((c) => [`${c.alarm}/${name}`, c]));
    for (const [key, row] of this.active) if (row.source === `device:${name}` && !want.has(key)) this.clear(key);
    for (const [key, c] of want) this.raise(key, c, `device:${name}`, { device: name, reason: status.reason });
  }

  /** The service reasons changed: the door is a condition of its own. */
  serviceReasons(reasons: readonly string[]): void {
    if (reasons.includes('door-open')) this.raise('door-open/panel', { alarm: 'door-open', severity: 'warning' }, 'door', { device: 'panel', reason: 'door-open' });
    else if (this.active.has('door-open/panel')) this.clear('door-open/panel');
  }

  /** The outbox reached or left its bound. */
  outboxFull(s: OutboxFullState): void {
    if (s.full) this.raise('outbox-full/outbox', { alarm: 'outbox-full', severity: 'critical' }, 'outbox', { classes: s.classes.join(','), depth: s.depth.transaction + s.depth.alarm + s.depth.collection });
    else if (this.active.has('outbox-full/outbox')) this.clear('outbox-full/outbox');
  }

  /**
   * A one-shot alarm from the Kiosk (its `alarm` event). Those the journal already carries are skipped;
   * the others (e.g. `journal-failure`) are enqueued here — which may itself fail if the disk is the cause.
   */
  kioskAlarm(kind: string, details: Readonly<Record<string, string | number>>): void {
    if (JOURNAL_BACKED.has(kind)) return;
    const data: AlarmEventData = { alarm: kind, severity: 'critical', details: { ...details } };
    try {
      this.outbox.enqueue(this.outbox.database, { class: 'alarm', kind, data });
    } catch (e) {
      this.logger?.error({ alarm: kind, code: toKioskError(e).code }, 'alarm could not be stored for the fleet');
    }
  }

  private raise(key: string, c: AlarmCondition, source: string, details: Readonly<Record<string, string | number>>): void {
    if (this.active.has(key)) return;
    const row: ActiveRow = { key, alarm: c.alarm, severity: c.severity, source, details: JSON.stringify(details) };
    const data: AlarmConditionData = { alarm: c.alarm, severity: c.severity, details: { ...details }, key };
    if (this.store('raised', data, () => this.insertActive.run(row.key, row.alarm, row.severity, row.source, row.details))) this.active.set(key, row);
  }

  private clear(key: string): void {
    const row = this.active.get(key);
    if (!row) return;
    const data: AlarmConditionData = { alarm: row.alarm, severity: row.severity === 'warning' ? 'warning' : 'critical', details: JSON.parse(row.details) as Record<string, string | number>, key };
    if (this.store('cleared', data, () => this.deleteActive.run(key))) this.active.delete(key);
  }

  /** The outbox row and the active-set change commit together, or neither does. */
  private store(kind: 'raised' | 'cleared', data: AlarmConditionData, change: () => void): boolean {
    const db = this.outbox.database;
    try {
      db.transaction(() => {
        this.outbox.enqueue(db, { class: 'alarm', kind, data });
        change();
      })();
      this.logger?.[kind === 'raised' ? 'warn' : 'info']({ alarm: data.alarm, key: data.key }, `alarm ${kind}`);
      return true;
    } catch (e) {
      this.logger?.error({ alarm: data.alarm, key: data.key, code: toKioskError(e).code }, `alarm could not be ${kind} durably`);
      return false;
    }
  }
}
