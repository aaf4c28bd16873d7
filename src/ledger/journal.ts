import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { KioskError } from '../errors/index.js';
import type { CashCount, JournalRecord, JournalRecordType, Outcome } from '../fsm/types.js';
import type { Clock } from '../hal/clock.js';
import { clearCleanMarker, closedCleanly, writeCleanMarker } from './clean-close.js';
import { inspectJournalFile, openError, type OpenCheck } from './inspect.js';
import { migrate } from './migrate.js';
import { creditedSeq, project } from './projector.js';
import { rebuildInto, verifyAgainst } from './rebuild.js';
import { LIVE_TABLES, SCHEMA_VERSION } from './schema.js';
import { openSqlite, sqliteCode, type SqliteDatabase, type SqliteStatement } from './sqlite.js';
import type {
  AppendEntry,
  AppendResult,
  CashboxRow,
  CollectionRow,
  EventQuery,
  StoredEvent,
  TotalsQuery,
  TotalsRow,
  TransactionRow,
  TxState,
  VerifyResult,
} from './types.js';

export interface JournalOptions {
  readonly path: string;
  /** Identifies this process lifetime; stored on every event because monotonic time restarts at boot. */
  readonly bootId: string;
  readonly clock: Clock;
  /** 'FULL' (default) fsyncs the WAL at every commit. 'OFF' is for benchmarks only. */
  readonly synchronous?: 'FULL' | 'OFF';
  /** Open an existing journal for reading only (kioskctl); appends then fail with KIOSK_E_JOURNAL_WRITE. */
  readonly readOnly?: boolean;
}

interface RawEvent {
  seq: number;
  type: string;
  tx_id: string | null;
  payload: string;
  wall_ms: number;
  mono_ms: number;
  boot_id: string;
}

interface RawTransaction {
  tx_id: string;
  biller_id: string;
  biller_name: string;
  account: string;
  period: string;
  bill_ref: string;
  due: number;
  currency: string;
  paid: number;
  surplus: number;
  notes: number;
  state: string;
  outcome: string | null;
  post_attempts: number;
  biller_ref: string | null;
  receipt_printed: number | null;
  opened_seq: number;
  closed_seq: number | null;
  opened_wall_ms: number;
  closed_wall_ms: number | null;
  tender: 'card' | 'wallet' | null;
  card_type: string | null;
  last4: string | null;
}

function toEvent(r: RawEvent): StoredEvent {
  return {
    seq: r.seq,
    type: r.type as JournalRecordType,
    txId: r.tx_id,
    // Our own rows, validated by the CHECK on insert: parsed back without a schema.
    record: JSON.parse(r.payload) as JournalRecord,
    wallMs: r.wall_ms,
    monoMs: r.mono_ms,
    bootId: r.boot_id,
  };
}

interface RawCollection {
  collection_id: string; seq: number; wall_ms: number; reason: string; counts: string; total: number; notes: number;
  collector_id: string | null; seal_number: string | null; attested_seq: number | null;
}

function toCollection(r: RawCollection): CollectionRow {
  return {
    collectionId: r.collection_id, seq: r.seq, wallMs: r.wall_ms, reason: r.reason, counts: JSON.parse(r.counts) as CashCount[],
    total: r.total, notes: r.notes, collectorId: r.collector_id, sealNumber: r.seal_number, attestedSeq: r.attested_seq,
  };
}

function toTransaction(r: RawTransaction): TransactionRow {
  return {
    txId: r.tx_id,
    billerId: r.biller_id,
    billerName: r.biller_name,
    account: r.account,
    period: r.period,
    billRef: r.bill_ref,
    due: r.due,
    currency: r.currency,
    paid: r.paid,
    surplus: r.surplus,
    notes: r.notes,
    state: r.state as TxState,
    outcome: r.outcome as Outcome | null,
    postAttempts: r.post_attempts,
    billerRef: r.biller_ref,
    receiptPrinted: r.receipt_printed === null ? null : r.receipt_printed === 1,
    openedSeq: r.opened_seq,
    closedSeq: r.closed_seq,
    openedWallMs: r.opened_wall_ms,
    closedWallMs: r.closed_wall_ms,
    tender: r.tender,
    cardType: r.card_type,
    last4: r.last4,
  };
}

const PRAGMA_NAME = /^[a-z_]+$/;
const PAGE_SIZE = 1024;
const WAL_CHECKPOINT_BYTES = 4 * 1024 * 1024;

/**
 * kioskd's durable journal: an append-only `events` table plus projections kept in step in the same SQL
 * transaction. Synchronous (better-sqlite3): keep what runs inside `appendAll` short.
 */
export class Journal {
  private readonly insertEvent: SqliteStatement;
  private readonly selectEvents: SqliteStatement;
  private readonly selectTxEvents: SqliteStatement;
  private readonly selectUnclosed: SqliteStatement;
  private readonly selectTx: SqliteStatement;
  private readonly selectCashbox: SqliteStatement;
  private readonly selectTotals: SqliteStatement;
  private readonly selectLastSeq: SqliteStatement;
  private readonly selectLastOfType: SqliteStatement;
  private readonly selectPending: SqliteStatement;
  private readonly selectUnprinted: SqliteStatement;
  private readonly selectLastClosed: SqliteStatement;
  private readonly selectNotes: SqliteStatement;
  private readonly selectCollections: SqliteStatement;
  private readonly selectCollection: SqliteStatement;
  private readonly selectPostedBetween: SqliteStatement;
  private readonly selectCreditCount: SqliteStatement;
  private readonly appendTx: (records: readonly JournalRecord[], at: { wallMs: number; monoMs: number }, extra?: (db: SqliteDatabase) => void) => AppendResult;

  private constructor(
    private readonly db: SqliteDatabase,
    readonly path: string,
    readonly bootId: string,
    private readonly clock: Clock,
    readonly readOnly: boolean,
    /** How the existing file was checked at open: 'full' quick_check, or 'header' after a clean close. */
    readonly openCheck: OpenCheck,
  ) {
    this.insertEvent = db.prepare(
      'INSERT INTO events (type, tx_id, payload, wall_ms, mono_ms, boot_id) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const cols = 'seq, type, tx_id, payload, wall_ms, mono_ms, boot_id';
    // LIMIT -1 means no limit in SQLite.
    this.selectEvents = db.prepare(`SELECT ${cols} FROM events WHERE seq > ? ORDER BY seq LIMIT ?`);
    this.selectTxEvents = db.prepare(`SELECT ${cols} FROM events WHERE tx_id = ? AND seq > ? ORDER BY seq LIMIT ?`);
    this.selectUnclosed = db.prepare("SELECT * FROM transactions WHERE state <> 'closed' ORDER BY opened_seq");
    this.selectTx = db.prepare('SELECT * FROM transactions WHERE tx_id = ?');
    this.selectCashbox = db.prepare('SELECT currency, value, count FROM cashbox ORDER BY currency');
    this.selectTotals = db.prepare(
      `SELECT outcome, currency, count(*) AS count, sum(paid) AS paid, sum(surplus) AS surplus
       FROM transactions WHERE state = 'closed' AND closed_wall_ms >= ? AND closed_wall_ms < ?
       GROUP BY outcome, currency ORDER BY outcome, currency`,
    );
    this.selectLastSeq = db.prepare('SELECT max(seq) FROM events').pluck();
    // Scans back from the newest event; used at device (re)connects only, not on a hot path.
    this.selectLastOfType = db.prepare(`SELECT ${cols} FROM events WHERE type = ? ORDER BY seq DESC LIMIT 1`);
    this.selectCreditCount = db.prepare('SELECT count(*) FROM credited_refs').pluck();
    // The biller outbox and the receipt queue are small by nature (rows wait only while a biller or a
    // printer is down); these scan the transactions projection, never the events.
    this.selectPending = db.prepare("SELECT * FROM transactions WHERE state = 'closed' AND outcome = 'pending' ORDER BY closed_seq");
    this.selectUnprinted = db.prepare(
      "SELECT * FROM transactions WHERE state = 'closed' AND outcome <> 'cancelled' AND (receipt_printed IS NULL OR receipt_printed = 0) ORDER BY closed_seq",
    );
    this.selectNotes = db.prepare('SELECT currency, value, count FROM cashbox_notes ORDER BY currency, value');
    this.selectCollections = db.prepare('SELECT * FROM collections ORDER BY seq DESC LIMIT ?');
    this.selectCollection = db.prepare('SELECT * FROM collections WHERE collection_id = ?');
    this.selectPostedBetween = db.prepare(
      `SELECT currency, count(*) AS count, coalesce(sum(paid), 0) AS total FROM transactions
       WHERE state = 'closed' AND biller_ref IS NOT NULL AND closed_wall_ms >= ? AND closed_wall_ms < ? GROUP BY currency`,
    );
    this.selectLastClosed = db.prepare("SELECT * FROM transactions WHERE state = 'closed' AND outcome <> 'cancelled' ORDER BY closed_seq DESC LIMIT 1");
    const tx = db.transaction(this.appendInTransaction.bind(this));
    this.appendTx = (records, at, extra) => tx.immediate(records, at, extra);
  }

  /**
   * Opens (creating if absent) the journal at `path`. An existing file is first inspected read-only and
   * refused untouched when it is not SQLite or fails the check (KIOSK_E_JOURNAL_CORRUPT), belongs to
   * something else (KIOSK_E_JOURNAL_FOREIGN) or has a newer schema (KIOSK_E_JOURNAL_VERSION).
   * Projections are persistent: opening never replays events. The check is a full quick_check unless the
   * file is exactly as a clean close() left it (clean-close.ts); then header, schema and newest event only.
   */
  static open(opts: JournalOptions): Journal {
    const path = resolve(opts.path);
    const readOnly = opts.readOnly ?? false;
    if (!readOnly) {
      try {
        mkdirSync(dirname(path), { recursive: true });
      } catch (e) {
        throw new KioskError('KIOSK_E_JOURNAL_OPEN', undefined, { cause: e, details: { path } });
      }
    }
    // A full quick_check only when the last run may not have ended cleanly (see clean-close.ts).
    const check: OpenCheck = closedCleanly(path) ? 'header' : 'full';
    const found = inspectJournalFile(path, SCHEMA_VERSION, check);
    if (readOnly && (found.kind !== 'kioskd' || found.userVersion !== SCHEMA_VERSION)) {
      throw new KioskError('KIOSK_E_JOURNAL_OPEN', 'no journal of the current schema to open read-only', {
        details: { path, found: found.kind },
      });
    }
    let db: SqliteDatabase | undefined;
    try {
      // From the first write on, a crash must be met with a full check at the next open.
      if (!readOnly) clearCleanMarker(path);
      db = openSqlite(path, { readonly: readOnly });
      if (!readOnly) {
        // Small pages for NEW journals (a no-op on an existing file): a commit writes one WAL frame per page
        // it touches (~5 per commit), so 1 KiB pages write a quarter of the bytes of the 4 KiB default.
        db.pragma(`page_size = ${PAGE_SIZE}`);
        const mode = db.pragma('journal_mode = WAL', { simple: true });
        if (mode !== 'wal') throw new KioskError('KIOSK_E_JOURNAL_OPEN', `journal_mode is ${String(mode)}, not wal`);
      }
      db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
      // Checkpoint at ~4 MiB of WAL whatever the page size: each checkpoint costs two fsyncs.
      if (!readOnly) db.pragma(`wal_autocheckpoint = ${Math.ceil(WAL_CHECKPOINT_BYTES / Number(db.pragma('page_size', { simple: true })))}`);
      db.pragma('foreign_keys = ON');
      if (!readOnly) migrate(db);
      return new Journal(db, path, opts.bootId, opts.clock, readOnly, check);
    } catch (e) {
      db?.close();
      throw openError(e, path);
    }
  }

  /** Reads one pragma from the open handle, e.g. `pragma('journal_mode')` → 'wal'. */
  pragma(name: string): unknown {
    if (!PRAGMA_NAME.test(name)) throw new KioskError('KIOSK_E_INTERNAL', 'pragma name must be a bare identifier');
    return this.db.pragma(name, { simple: true });
  }

  append(record: JournalRecord): AppendEntry {
    const entry = this.appendAll([record]).entries[0];
    if (entry === undefined) throw new KioskError('KIOSK_E_INTERNAL', 'append produced no entry');
    return entry;
  }

  /**
   * Appends the records of one FSM transition in ONE SQL transaction (one fsync at commit): each goes into
   * `events` and through the projector; then `extra(db)` runs inside the same transaction (the telemetry
   * outbox enqueues there). A `note.credited` whose deviceRef was already counted is skipped and reported as
   * 'duplicate'. On any failure nothing is written: SQLite errors become KIOSK_E_JOURNAL_WRITE (not
   * retryable); KioskErrors (a projector refusal) and errors thrown by `extra` pass through unchanged.
   */
  appendAll(records: readonly JournalRecord[], extra?: (db: SqliteDatabase) => void): AppendResult {
    if (!this.db.open) throw new KioskError('KIOSK_E_JOURNAL_WRITE', 'journal is closed');
    // One stamp for the whole transition: these facts happened together.
    const at = { wallMs: Math.floor(this.clock.wallMs()), monoMs: Math.floor(this.clock.monoMs()) };
    try {
      return this.appendTx(records, at, extra);
    } catch (e) {
      throw writeError(e);
    }
  }

  private appendInTransaction(
    records: readonly JournalRecord[],
    at: { wallMs: number; monoMs: number },
    extra?: (db: SqliteDatabase) => void,
  ): AppendResult {
    const entries: AppendEntry[] = [];
    const stored: StoredEvent[] = [];
    for (const record of records) {
      if (record.type === 'note.credited') {
        const existingSeq = creditedSeq(this.db, record.deviceRef);
        if (existingSeq !== undefined) {
          entries.push({ status: 'duplicate', record, existingSeq });
          continue;
        }
      }
      const txId = 'txId' in record ? record.txId : null;
      const res = this.insertEvent.run(record.type, txId, JSON.stringify(record), at.wallMs, at.monoMs, this.bootId);
      const seq = Number(res.lastInsertRowid);
      project(record, this.db, { seq, wallMs: at.wallMs }, LIVE_TABLES);
      const event: StoredEvent = { seq, type: record.type, txId, record, wallMs: at.wallMs, monoMs: at.monoMs, bootId: this.bootId };
      entries.push({ status: 'stored', event });
      stored.push(event);
    }
    extra?.(this.db);
    return { entries, stored, duplicate: stored.length !== entries.length };
  }

  /** Transactions not yet closed, oldest first; served by a partial index, never by replaying events. */
  openTransactions(): TransactionRow[] {
    return (this.selectUnclosed.all() as RawTransaction[]).map(toTransaction);
  }

  transaction(txId: string): TransactionRow | undefined {
    const row = this.selectTx.get(txId) as RawTransaction | undefined;
    return row === undefined ? undefined : toTransaction(row);
  }

  events(q: EventQuery = {}): StoredEvent[] {
    const after = q.afterSeq ?? 0;
    const limit = q.limit ?? -1;
    if (!Number.isSafeInteger(after) || !Number.isSafeInteger(limit) || limit < -1) {
      throw new KioskError('KIOSK_E_INTERNAL', 'afterSeq and limit must be integers');
    }
    const rows = q.txId === undefined ? this.selectEvents.all(after, limit) : this.selectTxEvents.all(q.txId, after, limit);
    return (rows as RawEvent[]).map(toEvent);
  }

  cashbox(): CashboxRow[] {
    return this.selectCashbox.all() as CashboxRow[];
  }

  /** Closed transactions by outcome and currency, closing wall time in [fromWallMs, toWallMs). */
  totals(q: TotalsQuery = {}): TotalsRow[] {
    const from = q.fromWallMs ?? Number.MIN_SAFE_INTEGER;
    const to = q.toWallMs ?? Number.MAX_SAFE_INTEGER;
    return this.selectTotals.all(from, to) as TotalsRow[];
  }

  /** Seq of the newest event, 0 for an empty journal. */
  /** The cash box's current period by denomination. */
  cashboxNotes(): CashCount[] {
    return this.selectNotes.all() as CashCount[];
  }

  /** Closed cash periods, newest first. */
  collections(limit = 50): CollectionRow[] {
    return (this.selectCollections.all(limit) as RawCollection[]).map(toCollection);
  }

  collection(id: string): CollectionRow | undefined {
    const r = this.selectCollection.get(id) as RawCollection | undefined;
    return r ? toCollection(r) : undefined;
  }

  /** Transactions the biller accepted that closed in [fromWallMs, toWallMs), per currency: for settlement. */
  postedBetween(fromWallMs: number, toWallMs: number): { currency: string; count: number; total: number }[] {
    return this.selectPostedBetween.all(fromWallMs, toWallMs) as { currency: string; count: number; total: number }[];
  }

  /** Closed as `pending`: money taken, the biller not reached yet — the biller outbox retries these. */
  pendingPostings(): TransactionRow[] {
    return (this.selectPending.all() as RawTransaction[]).map(toTransaction);
  }

  /** Money-taking transactions whose receipt was never printed cleanly: the receipt queue. */
  unprintedReceipts(): TransactionRow[] {
    return (this.selectUnprinted.all() as RawTransaction[]).map(toTransaction);
  }

  /** The newest closed money-taking transaction (the default for a reprint). */
  lastClosedTransaction(): TransactionRow | undefined {
    const row = this.selectLastClosed.get() as RawTransaction | undefined;
    return row ? toTransaction(row) : undefined;
  }

  /** The newest event of one type, if any. */
  lastOfType(type: JournalRecordType): StoredEvent | undefined {
    const row = this.selectLastOfType.get(type) as RawEvent | undefined;
    return row ? toEvent(row) : undefined;
  }

  /** Notes ever credited in this journal (each deviceRef once). */
  creditCount(): number {
    return Number(this.selectCreditCount.get());
  }

  /** Whether a note credit with this device reference is already in the journal (a redelivery). */
  hasCredit(deviceRef: string): boolean {
    return creditedSeq(this.db, deviceRef) !== undefined;
  }

  lastSeq(): number {
    const seq = this.selectLastSeq.get();
    return typeof seq === 'number' ? seq : 0;
  }

  /** Drops every projection and rebuilds it from `events`, in one SQL transaction. */
  rebuildProjections(): void {
    try {
      this.db.transaction(() => rebuildInto(this.db, LIVE_TABLES)).immediate();
    } catch (e) {
      throw writeError(e);
    }
  }

  /** Rebuilds the projections into temp tables and compares them with the live ones; changes nothing. */
  verifyProjections(): VerifyResult {
    return verifyAgainst(this.db, LIVE_TABLES);
  }

  /**
   * Checkpoints the WAL into the main file (TRUNCATE), closes, and marks the file as cleanly closed so the
   * next open can skip the full quick_check. Idempotent.
   */
  close(): void {
    if (!this.db.open) return;
    let failure: unknown;
    let checkpointed = false;
    if (!this.readOnly) {
      try {
        // Row: [busy, wal frames, frames checkpointed]; busy = 1 when a reader kept the WAL from resetting.
        const row = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy?: number }[];
        checkpointed = row[0]?.busy === 0;
      } catch (e) {
        failure = e;
      }
    }
    this.db.close();
    if (failure !== undefined) throw writeError(failure);
    if (checkpointed) {
      try {
        writeCleanMarker(this.path);
      } catch {
        // Deliberately quiet: every fact is already durable; without a marker the next open only runs
        // the full check (slower, never less safe).
      }
    }
  }
}

function writeError(e: unknown): unknown {
  if (e instanceof KioskError) return e;
  const code = sqliteCode(e);
  if (code === undefined) return e;
  return new KioskError('KIOSK_E_JOURNAL_WRITE', undefined, { cause: e, retryable: false, details: { sqliteCode: code } });
}
