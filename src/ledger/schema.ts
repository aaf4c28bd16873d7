import type { SqliteDatabase } from './sqlite.js';

/** `PRAGMA application_id` of every kioskd journal: ASCII "KSKJ", so `file(1)` and we can tell it apart. */
export const JOURNAL_APPLICATION_ID = 0x4b534b4a;

/**
 * Where a set of projection tables lives. The live ones are in `main`; verification rebuilds a second set
 * into `temp` under a prefix, so the two can be compared side by side without touching the live ones.
 */
export interface ProjectionTables {
  readonly schema: 'main' | 'temp';
  readonly prefix: string;
}

export const LIVE_TABLES: ProjectionTables = { schema: 'main', prefix: '' };

export type ProjectionName = 'transactions' | 'cashbox' | 'cashbox_notes' | 'credited_refs' | 'collections';
export const PROJECTION_NAMES: readonly ProjectionName[] = ['transactions', 'cashbox', 'cashbox_notes', 'credited_refs', 'collections'];

/** Fully qualified name of a projection table, e.g. `main.transactions`. */
export function tableName(t: ProjectionTables, name: ProjectionName): string {
  return `${t.schema}.${t.prefix}${name}`;
}

const EVENTS_DDL = `
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  type TEXT NOT NULL,
  tx_id TEXT,
  payload TEXT NOT NULL CHECK (json_valid(payload)),
  wall_ms INTEGER NOT NULL,
  mono_ms INTEGER NOT NULL,
  boot_id TEXT NOT NULL
) STRICT;
CREATE INDEX events_tx ON events(tx_id, seq) WHERE tx_id IS NOT NULL;
-- Facts are never edited: corrections are new events.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;
`;

/**
 * The CURRENT shape of the projections. Projections are derived data: a migration that changes them drops
 * them, recreates them from this DDL and rebuilds them from `events` (see Journal.rebuildProjections).
 * Temp copies get no foreign keys: SQLite cannot reference `main` tables from `temp`.
 */
export function projectionDdl(t: ProjectionTables): string {
  const fk = t.schema === 'main' ? ' REFERENCES events(seq)' : '';
  const s = t.schema;
  const p = t.prefix;
  return `
CREATE TABLE ${s}.${p}transactions (
  tx_id TEXT PRIMARY KEY NOT NULL,
  biller_id TEXT NOT NULL,
  biller_name TEXT NOT NULL,
  account TEXT NOT NULL,
  period TEXT NOT NULL,
  bill_ref TEXT NOT NULL,
  due INTEGER NOT NULL CHECK (due >= 0),
  currency TEXT NOT NULL,
  paid INTEGER NOT NULL DEFAULT 0 CHECK (paid >= 0),
  surplus INTEGER NOT NULL DEFAULT 0 CHECK (surplus >= 0),
  notes INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL CHECK (state IN ('open', 'posting', 'closed')),
  outcome TEXT CHECK (outcome IN ('paid', 'paid-partially', 'pending', 'needs-refund', 'cancelled')),
  post_attempts INTEGER NOT NULL DEFAULT 0,
  biller_ref TEXT,
  receipt_printed INTEGER CHECK (receipt_printed IN (0, 1)),
  opened_seq INTEGER NOT NULL${fk},
  closed_seq INTEGER${fk},
  opened_wall_ms INTEGER NOT NULL,
  closed_wall_ms INTEGER,
  -- NULL: cash. Card and wallet keep the card type and last four digits only.
  tender TEXT CHECK (tender IN ('card', 'wallet')),
  card_type TEXT,
  last4 TEXT CHECK (last4 IS NULL OR length(last4) = 4),
  CHECK ((state = 'closed') = (outcome IS NOT NULL))
) STRICT;
-- Recovery reads only the unclosed transactions: this partial index stays tiny however long the journal.
CREATE INDEX ${s}.${p}transactions_unclosed ON ${p}transactions(state) WHERE state <> 'closed';
CREATE INDEX ${s}.${p}transactions_closed_at ON ${p}transactions(closed_wall_ms) WHERE state = 'closed';
${queueIndexDdl(t)}

CREATE TABLE ${s}.${p}cashbox (
  currency TEXT PRIMARY KEY NOT NULL,
  value INTEGER NOT NULL DEFAULT 0 CHECK (value >= 0),
  count INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0)
) STRICT;

-- The cash box's current period by denomination; a collection empties it.
CREATE TABLE ${s}.${p}cashbox_notes (
  currency TEXT NOT NULL,
  value INTEGER NOT NULL CHECK (value > 0),
  count INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0),
  PRIMARY KEY (currency, value)
) STRICT;

-- Closed cash periods: what was taken out, by whom, under which seal.
CREATE TABLE ${s}.${p}collections (
  collection_id TEXT PRIMARY KEY NOT NULL,
  seq INTEGER NOT NULL${fk},
  wall_ms INTEGER NOT NULL,
  reason TEXT NOT NULL,
  counts TEXT NOT NULL CHECK (json_valid(counts)),
  total INTEGER NOT NULL CHECK (total >= 0),
  notes INTEGER NOT NULL CHECK (notes >= 0),
  collector_id TEXT,
  seal_number TEXT,
  attested_seq INTEGER${fk}
) STRICT;

CREATE TABLE ${s}.${p}credited_refs (
  seq INTEGER PRIMARY KEY${fk},
  device_ref TEXT NOT NULL UNIQUE,
  tx_id TEXT,
  value INTEGER NOT NULL,
  currency TEXT NOT NULL
) STRICT;
`;
}

/**
 * The queues read at every start (postings to retry, receipts to print) are served by partial indexes
 * that hold only their members, so boot time does not grow with the number of closed transactions.
 * The WHERE clauses repeat the queries' own (journal.ts) so that SQLite can use them.
 */
export function queueIndexDdl(t: ProjectionTables, ifNotExists = false): string {
  const s = t.schema;
  const p = t.prefix;
  const ine = ifNotExists ? 'IF NOT EXISTS ' : '';
  return `
CREATE INDEX ${ine}${s}.${p}transactions_pending ON ${p}transactions(closed_seq) WHERE state = 'closed' AND outcome = 'pending';
CREATE INDEX ${ine}${s}.${p}transactions_unprinted ON ${p}transactions(closed_seq)
  WHERE state = 'closed' AND outcome <> 'cancelled' AND (receipt_printed IS NULL OR receipt_printed = 0);
`;
}

export function dropProjectionsDdl(t: ProjectionTables): string {
  return PROJECTION_NAMES.map((n) => `DROP TABLE IF EXISTS ${tableName(t, n)};`).join('\n');
}

export interface Migration {
  readonly version: number;
  readonly up: (db: SqliteDatabase) => void;
}

/** Ordered by version; each runs once, all pending ones in one SQL transaction. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up: (db) => {
      db.exec(EVENTS_DDL);
      db.exec(projectionDdl(LIVE_TABLES));
    },
  },
  {
    // Cash collections: per-denomination cash box and the collections projection, rebuilt from events.
    version: 2,
    up: (db) => rebuildLive(db),
  },
  {
    // Boot-time queues by partial index (no full scan of `transactions` at start).
    version: 3,
    up: (db) => db.exec(queueIndexDdl(LIVE_TABLES, true)),
  },
  {
    // Card and wallet tenders on the transactions projection (tender, card type, last four).
    version: 4,
    up: (db) => rebuildLive(db),
  },
];

/** Set by rebuild.ts (which imports this module) to avoid an import cycle. */
let rebuildLive: (db: SqliteDatabase) => void = () => { throw new Error('projection rebuild not registered'); };
export function registerRebuild(fn: (db: SqliteDatabase) => void): void { rebuildLive = fn; }

export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
