import type { JournalRecord } from '../fsm/types.js';
import { project } from './projector.js';
import {
  LIVE_TABLES,
  PROJECTION_NAMES,
  registerRebuild,
  dropProjectionsDdl,
  projectionDdl,
  tableName,
  type ProjectionName,
  type ProjectionTables,
} from './schema.js';
import type { SqliteDatabase } from './sqlite.js';
import type { VerifyResult } from './types.js';

const PAGE = 5000;
const MAX_DIFFERENCES = 100;
const SHADOW_TABLES: ProjectionTables = { schema: 'temp', prefix: 'rebuilt_' };
const KEY: Readonly<Record<ProjectionName, string>> = {
  transactions: 'tx_id',
  cashbox: 'currency',
  cashbox_notes: 'value',
  credited_refs: 'device_ref',
  collections: 'collection_id',
};
/** Columns whose values stay out of difference reports (they may end up in logs). */
const REDACTED = new Set(['account']);

/**
 * Drops and recreates the projection tables `t`, then replays every event into them. The caller provides
 * the SQL transaction. Pages through `events` because better-sqlite3 forbids other statements while an
 * iterator is open on the same connection.
 */
export function rebuildInto(db: SqliteDatabase, t: ProjectionTables): void {
  db.exec(dropProjectionsDdl(t));
  db.exec(projectionDdl(t));
  const page = db.prepare('SELECT seq, payload, wall_ms FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
  let after = 0;
  for (;;) {
    const rows = page.all(after, PAGE) as { seq: number; payload: string; wall_ms: number }[];
    for (const r of rows) project(JSON.parse(r.payload) as JournalRecord, db, { seq: r.seq, wallMs: r.wall_ms }, t);
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < PAGE) return;
    after = last.seq;
  }
}

type Row = Record<string, unknown>;

function compareTable(db: SqliteDatabase, name: ProjectionName, live: ProjectionTables, out: string[]): void {
  const liveName = tableName(live, name);
  const shadowName = tableName(SHADOW_TABLES, name);
  const cols = (db.pragma(`${SHADOW_TABLES.schema}.table_info(${SHADOW_TABLES.prefix}${name})`) as { name: string }[]).map(
    (c) => c.name,
  );
  const list = cols.join(', ');
  const key = KEY[name];
  let liveOnly: Row[];
  let rebuiltOnly: Row[];
  try {
    liveOnly = db.prepare(`SELECT ${list} FROM ${liveName} EXCEPT SELECT ${list} FROM ${shadowName}`).all() as Row[];
    rebuiltOnly = db.prepare(`SELECT ${list} FROM ${shadowName} EXCEPT SELECT ${list} FROM ${liveName}`).all() as Row[];
  } catch (e) {
    out.push(`${name}: cannot compare (${e instanceof Error ? e.message : String(e)})`);
    return;
  }
  const rebuiltByKey = new Map(rebuiltOnly.map((r) => [String(r[key]), r]));
  for (const a of liveOnly) {
    const k = String(a[key]);
    const b = rebuiltByKey.get(k);
    if (b === undefined) {
      out.push(`${name}[${k}]: in the live projection only`);
      continue;
    }
    rebuiltByKey.delete(k);
    for (const c of cols) {
      if (a[c] === b[c]) continue;
      out.push(
        REDACTED.has(c)
          ? `${name}[${k}].${c}: live and rebuilt differ`
          : `${name}[${k}].${c}: live=${String(a[c])} rebuilt=${String(b[c])}`,
      );
    }
  }
  for (const k of rebuiltByKey.keys()) out.push(`${name}[${k}]: missing from the live projection`);
}

/** Rebuilds into temp tables, compares with `live`, and drops the temp tables again. */
export function verifyAgainst(db: SqliteDatabase, live: ProjectionTables): VerifyResult {
  try {
    // A (deferred) transaction gives the replay and the comparison one snapshot of `main`.
    return db.transaction((): VerifyResult => {
      rebuildInto(db, SHADOW_TABLES);
      const all: string[] = [];
      for (const name of PROJECTION_NAMES) compareTable(db, name, live, all);
      const differences = all.length > MAX_DIFFERENCES
        ? [...all.slice(0, MAX_DIFFERENCES), `… and ${all.length - MAX_DIFFERENCES} more`]
        : all;
      return { ok: all.length === 0, differences };
    })();
  } finally {
    db.exec(dropProjectionsDdl(SHADOW_TABLES));
  }
}

registerRebuild((db) => rebuildInto(db, LIVE_TABLES));
