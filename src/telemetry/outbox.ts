import { randomUUID } from 'node:crypto';
import { KioskError } from '../errors/index.js';
import type { JournalRecord, Outcome } from '../fsm/types.js';
import type { Clock } from '../hal/clock.js';
import type { Journal, SqliteDatabase, SqliteStatement } from '../ledger/index.js';
import { DURABLE_CLASSES, encodeEnvelope, isDurableClass, makeEnvelope, type DurableClass, type Envelope, type JsonObject } from './envelope.js';
import { terminalTopics, type TerminalTopics, type TopicIdentity } from './topics.js';

/*
 * The outbox lives in the journal's SQLite file (the ledger owns the file; we only add two tables, created
 * idempotently). AUTOINCREMENT: row ids are never reused after a delete, so "rows after the last one sent"
 * stays a correct cursor for the publisher's in-flight window.
 */
const OUTBOX_DDL = `
CREATE TABLE IF NOT EXISTS outbox (
  row_id INTEGER PRIMARY KEY AUTOINCREMENT,
  class TEXT NOT NULL,
  seq INTEGER NOT NULL CHECK (seq >= 1),
  msg_id TEXT NOT NULL UNIQUE,
  topic TEXT NOT NULL,
  payload TEXT NOT NULL CHECK (json_valid(payload))
) STRICT;
CREATE INDEX IF NOT EXISTS outbox_by_class ON outbox(class);
CREATE TABLE IF NOT EXISTS outbox_seq (
  terminal TEXT NOT NULL,
  class TEXT NOT NULL,
  last INTEGER NOT NULL CHECK (last >= 1),
  PRIMARY KEY (terminal, class)
) STRICT;
`;

export interface OutboxOptions extends TopicIdentity {
  readonly bootId: string;
  readonly clock: Clock;
  /** Message ids; random UUIDs by default. */
  readonly newId?: () => string;
  /**
   * Rows per class at which the outbox reports itself full. Nothing is ever dropped: past the bound rows
   * are still stored; `full()` tells the runtime to stop taking customers and an alarm is raised.
   */
  readonly maxRows?: Partial<Record<DurableClass, number>>;
}

/** Which classes are at their bound; emitted on every change of `full()`. */
export interface OutboxFullState {
  readonly full: boolean;
  readonly classes: readonly DurableClass[];
  readonly depth: OutboxDepth;
}

/** Classes drained first, ahead of any backlog of the others (within the publisher's in-flight window). */
export const PRIORITY_CLASSES: readonly DurableClass[] = ['alarm'];
export type OutboxLane = 'priority' | 'bulk';

export interface OutboxMessage<D extends JsonObject = JsonObject> {
  readonly class: DurableClass;
  /** The message within its class, e.g. `tx.closed`. */
  readonly kind: string;
  readonly data: D;
}

/** One stored message: `payload` is the exact envelope text to publish, the same on every re-publish. */
export interface OutboxRow {
  readonly rowId: number;
  readonly class: DurableClass;
  readonly id: string;
  readonly seq: number;
  readonly topic: string;
  readonly payload: string;
}

export type OutboxDepth = Readonly<Record<DurableClass, number>>;

interface RawRow {
  row_id: number;
  class: string;
  seq: number;
  msg_id: string;
  topic: string;
  payload: string;
}

interface WriteStatements {
  readonly nextSeq: SqliteStatement;
  readonly insert: SqliteStatement;
  readonly txRow: SqliteStatement;
  readonly enqueue: (msg: OutboxMessage) => OutboxRow;
}

/**
 * The durable store-and-forward queue for telemetry events. `enqueue` runs inside the caller's SQL
 * transaction (the journal's `appendAll` extra): the event exists exactly when the journal rows do.
 */
export class Outbox {
  private readonly topics: TerminalTopics;
  private readonly newId: () => string;
  // Statements are bound to a connection: cache them per handle (normally there is just one).
  private readonly writers = new WeakMap<SqliteDatabase, WriteStatements>();
  private readonly selectAfter: SqliteStatement;
  private readonly selectPriority: SqliteStatement;
  private readonly selectBulk: SqliteStatement;
  private readonly deleteRow: SqliteStatement;
  private readonly rowExists: SqliteStatement;
  private readonly countByClass: SqliteStatement;
  private readonly lastPaid: SqliteStatement;
  private readonly selectCash: SqliteStatement;
  private readonly deleteMany: (ids: readonly number[]) => void;
  private readonly listeners = new Set<() => void>();
  private readonly fullListeners = new Set<(s: OutboxFullState) => void>();
  private notifyQueued = false;
  /*
   * Depth is kept in memory: counting 50,000 rows on every PUBACK would cost more than the publish. Rows
   * enqueued inside a caller's transaction are counted once that transaction is over and the row still
   * exists (a rollback takes it away again); acks subtract at once.
   */
  private readonly counts: Record<DurableClass, number> = { transaction: 0, alarm: 0, collection: 0 };
  private readonly unverified = new Map<number, DurableClass>();
  /** Rows PUBACKed whose DELETE is batched into the next `flushAcks()`. */
  private readonly acked = new Set<number>();
  private wasFull = false;
  /** Highest row id of a priority class ever enqueued: the publisher looks at that lane only when it moved. */
  private lastPriority = 0;

  private constructor(private readonly db: SqliteDatabase, private readonly o: OutboxOptions) {
    this.topics = terminalTopics(o);
    this.newId = o.newId ?? randomUUID;
    const cols = 'row_id, class, seq, msg_id, topic, payload';
    const prio = PRIORITY_CLASSES.map((c) => `'${c}'`).join(', ');
    this.selectAfter = db.prepare(`SELECT ${cols} FROM outbox WHERE row_id > ? ORDER BY row_id LIMIT ?`);
    this.selectPriority = db.prepare(`SELECT ${cols} FROM outbox WHERE class IN (${prio}) AND row_id > ? ORDER BY row_id LIMIT ?`);
    this.selectBulk = db.prepare(`SELECT ${cols} FROM outbox WHERE class NOT IN (${prio}) AND row_id > ? ORDER BY row_id LIMIT ?`);
    this.deleteRow = db.prepare('DELETE FROM outbox WHERE row_id = ? RETURNING class');
    this.rowExists = db.prepare('SELECT 1 FROM outbox WHERE row_id = ?').pluck();
    this.countByClass = db.prepare('SELECT class, count(*) AS n FROM outbox GROUP BY class');
    this.lastPaid = db.prepare("SELECT max(closed_wall_ms) FROM transactions WHERE state = 'closed' AND outcome IN ('paid', 'paid-partially')").pluck();
    this.selectCash = db.prepare('SELECT currency, value, count FROM cashbox ORDER BY currency');
    const del = db.prepare('DELETE FROM outbox WHERE row_id IN (SELECT value FROM json_each(?))');
    this.deleteMany = db.transaction((ids: readonly number[]) => { del.run(JSON.stringify(ids)); });
    this.lastPriority = Number(db.prepare(`SELECT coalesce(max(row_id), 0) FROM outbox WHERE class IN (${prio})`).pluck().get());
    for (const r of this.countByClass.all() as { class: string; n: number }[]) if (isDurableClass(r.class)) this.counts[r.class] = r.n;
    this.wasFull = this.fullClasses().length > 0;
  }

  /** The connection the outbox writes through (the journal's): for tables that must commit with it. */
  get database(): SqliteDatabase {
    return this.db;
  }

  /** Creates the outbox tables if absent (one SQL transaction) and binds to the handle. */
  static attach(db: SqliteDatabase, opts: OutboxOptions): Outbox {
    db.transaction(() => { db.exec(OUTBOX_DDL); })();
    return new Outbox(db, opts);
  }

  /**
   * Attaches to the journal's own connection. The ledger does not hand its handle out, so it is taken from
   * an empty `appendAll` (which writes no event) whose callback also creates the tables.
   */
  static attachJournal(journal: Pick<Journal, 'appendAll'>, opts: OutboxOptions): Outbox {
    let handle: SqliteDatabase | undefined;
    journal.appendAll([], (db) => {
      db.exec(OUTBOX_DDL);
      handle = db;
    });
    if (handle === undefined) throw new KioskError('KIOSK_E_INTERNAL', 'journal did not run the attach callback');
    return new Outbox(handle, opts);
  }

  /**
   * Stores one message with its final envelope (id, seq, times fixed now, so a re-publish after a crash is
   * byte-identical). Takes the next seq of (terminal, class) in the same transaction: a rollback undoes both.
   * Call it with the handle `appendAll` passes to its extra callback; outside a transaction it makes its own.
   */
  enqueue<D extends JsonObject>(db: SqliteDatabase, msg: OutboxMessage<D>): OutboxRow {
    if (!isDurableClass(msg.class)) throw new KioskError('KIOSK_E_INTERNAL', `not a durable telemetry class: ${String(msg.class)}`);
    const row = this.writer(db).enqueue(msg);
    this.unverified.set(row.rowId, msg.class);
    if (PRIORITY_CLASSES.includes(msg.class)) this.lastPriority = Math.max(this.lastPriority, row.rowId);
    this.scheduleNotify();
    return row;
  }

  /** Whether a priority row may exist after `afterRowId` (cheap; may say yes for a rolled-back row). */
  priorityAfter(afterRowId: number): boolean {
    return this.lastPriority > afterRowId;
  }

  /** Rows of one lane after `afterRowId`, oldest first: the priority classes, or every other class. */
  peekLane(lane: OutboxLane, limit: number, afterRowId = 0): OutboxRow[] {
    if (!Number.isSafeInteger(limit) || limit < 0 || !Number.isSafeInteger(afterRowId)) {
      throw new KioskError('KIOSK_E_INTERNAL', 'peek limit and cursor must be integers');
    }
    const stmt = lane === 'priority' ? this.selectPriority : this.selectBulk;
    return this.unacked((stmt.all(afterRowId, limit) as RawRow[]).map(toRow));
  }

  /** Rows in order after `afterRowId` (0: from the oldest), at most `limit`. Peeking changes nothing. */
  peek(limit: number, afterRowId = 0): OutboxRow[] {
    if (!Number.isSafeInteger(limit) || limit < 0 || !Number.isSafeInteger(afterRowId)) {
      throw new KioskError('KIOSK_E_INTERNAL', 'peek limit and cursor must be integers');
    }
    return this.unacked((this.selectAfter.all(afterRowId, limit) as RawRow[]).map(toRow));
  }

  /** Deletes a delivered row now (call on PUBACK only). False when it was already gone. */
  ack(rowId: number): boolean {
    if (this.acked.delete(rowId)) {
      this.deleteRow.get(rowId);
      return true;
    }
    const gone = this.deleteRow.get(rowId) as { class: string } | undefined;
    if (gone === undefined) return false;
    if (isDurableClass(gone.class)) this.forget(rowId, gone.class);
    this.checkFull();
    return true;
  }

  /**
   * Marks a row delivered (PUBACK) and batches its DELETE into the next `flushAcks()`: one SQL transaction
   * per drain tick instead of one fsync per PUBACK. Losing a batch in a crash only means a re-publish
   * with the same id and seq, which consumers drop. The row counts as gone at once.
   */
  ackLater(row: Pick<OutboxRow, 'rowId' | 'class'>): void {
    if (this.acked.has(row.rowId)) return;
    this.acked.add(row.rowId);
    this.forget(row.rowId, row.class);
    this.checkFull();
  }

  /** Deletes every row marked by `ackLater` in one transaction. Returns how many. */
  flushAcks(): number {
    if (this.acked.size === 0) return 0;
    const ids = [...this.acked];
    this.deleteMany(ids);
    this.acked.clear();
    return ids.length;
  }

  /** Rows acknowledged and not yet deleted (bounded by the publisher's window between flushes). */
  pendingAcks(): number {
    return this.acked.size;
  }

  depth(): OutboxDepth {
    return this.current();
  }

  /** Rows waiting, all classes. */
  size(): number {
    const c = this.current();
    return c.transaction + c.alarm + c.collection;
  }

  /** Classes at or past their bound. */
  fullClasses(): DurableClass[] {
    const max = this.o.maxRows ?? {};
    return DURABLE_CLASSES.filter((c) => max[c] !== undefined && this.counts[c] >= max[c]!);
  }

  /** True while any class is at its bound: the runtime stops taking customers (nothing is dropped). */
  full(): boolean {
    this.settle();
    return this.fullClasses().length > 0;
  }

  /** Called on every change of `full()`. Returns the unsubscribe. */
  onFullChange(fn: (s: OutboxFullState) => void): () => void {
    this.fullListeners.add(fn);
    return () => { this.fullListeners.delete(fn); };
  }

  /** The cash box now (the journal's projection): notes and amount per currency, for the heartbeat. */
  cashbox(): { readonly notes: number; readonly amounts: Readonly<Record<string, number>> } {
    const amounts: Record<string, number> = {};
    let notes = 0;
    for (const r of this.selectCash.all() as { currency: string; value: number; count: number }[]) {
      amounts[r.currency] = r.value;
      notes += r.count;
    }
    return { notes, amounts };
  }

  /** Wall time of the newest paid transaction in the journal's projection, or null. */
  lastPaidWallMs(): number | null {
    const v = this.lastPaid.get();
    return typeof v === 'number' ? v : null;
  }

  /**
   * Called (once per burst, after the current synchronous work — so after the enqueuing SQL transaction has
   * committed or rolled back) whenever something was enqueued. The publisher drains on it.
   */
  onEnqueue(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  /** The `transactions` projection's currency and biller, read through the caller's handle. */
  transactionFacts(db: SqliteDatabase, txId: string): { currency: string | null; billerId: string | null; paid: number; surplus: number } {
    const r = this.writer(db).txRow.get(txId) as { currency: string; biller_id: string; paid: number; surplus: number } | undefined;
    return { currency: r?.currency ?? null, billerId: r?.biller_id ?? null, paid: r?.paid ?? 0, surplus: r?.surplus ?? 0 };
  }

  private writer(db: SqliteDatabase): WriteStatements {
    let w = this.writers.get(db);
    if (w) return w;
    const nextSeq = db.prepare(
      'INSERT INTO outbox_seq (terminal, class, last) VALUES (?, ?, 1) ON CONFLICT (terminal, class) DO UPDATE SET last = last + 1 RETURNING last',
    ).pluck();
    const insert = db.prepare('INSERT INTO outbox (class, seq, msg_id, topic, payload) VALUES (?, ?, ?, ?, ?)');
    const txRow = db.prepare('SELECT currency, biller_id, paid, surplus FROM transactions WHERE tx_id = ?');
    // Nested inside appendAll's transaction, better-sqlite3 turns this into a savepoint.
    const enqueue = db.transaction((msg: OutboxMessage): OutboxRow => {
      const seq = Number(nextSeq.get(this.o.terminal, msg.class));
      const env: Envelope = makeEnvelope(
        { id: this.newId(), wallMs: this.o.clock.wallMs(), monoMs: this.o.clock.monoMs(), boot: this.o.bootId, seq, terminal: this.o.terminal, fleet: this.o.fleet },
        msg.class, msg.kind, msg.data,
      );
      const topic = this.topics.event(msg.class);
      const payload = encodeEnvelope(env);
      const res = insert.run(msg.class, seq, env.id, topic, payload);
      return { rowId: Number(res.lastInsertRowid), class: msg.class, id: env.id, seq, topic, payload };
    });
    w = { nextSeq, insert, txRow, enqueue };
    this.writers.set(db, w);
    return w;
  }

  private scheduleNotify(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      this.settle();
      for (const fn of [...this.listeners]) fn();
    });
  }

  /** Counts rows enqueued in transactions that are over by now: committed rows exist, rolled back ones do not. */
  private settle(): void {
    if (this.unverified.size === 0) return;
    if (!this.db.open) { this.unverified.clear(); return; }
    if (this.db.inTransaction) return;
    for (const [rowId, cls] of this.unverified) if (this.rowExists.get(rowId) !== undefined) this.counts[cls] += 1;
    this.unverified.clear();
    this.checkFull();
  }

  /** The counts as this connection sees them now: inside an open transaction, its own rows included. */
  private current(): Record<DurableClass, number> {
    this.settle();
    const out = { ...this.counts };
    if (this.unverified.size > 0 && this.db.open) {
      for (const [rowId, cls] of this.unverified) if (this.rowExists.get(rowId) !== undefined) out[cls] += 1;
    }
    return out;
  }

  private forget(rowId: number, cls: DurableClass): void {
    // Acked before its enqueue was counted: it never enters the count.
    if (this.unverified.delete(rowId)) return;
    this.counts[cls] = Math.max(0, this.counts[cls] - 1);
  }

  private unacked(rows: OutboxRow[]): OutboxRow[] {
    return this.acked.size === 0 ? rows : rows.filter((r) => !this.acked.has(r.rowId));
  }

  private checkFull(): void {
    const classes = this.fullClasses();
    const full = classes.length > 0;
    if (full === this.wasFull) return;
    this.wasFull = full;
    const state: OutboxFullState = { full, classes, depth: { ...this.counts } };
    for (const fn of [...this.fullListeners]) fn(state);
  }
}

function toRow(r: RawRow): OutboxRow {
  // Our own rows, written with a checked class.
  return { rowId: r.row_id, class: r.class as DurableClass, id: r.msg_id, seq: r.seq, topic: r.topic, payload: r.payload };
}

/** What the transaction event carries: amounts and ids only — no account, barcode or anything personal. */
export interface TransactionEventData extends JsonObject {
  readonly txId: string;
  readonly outcome: Outcome;
  readonly paid: number;
  readonly surplus: number;
  readonly currency: string | null;
  readonly billerId: string | null;
}

/**
 * The Kiosk's `onAppend`: inside the journal's SQL transaction, enqueues one `events/transaction` message
 * per `tx.closed` record. An exception later in that transaction rolls the outbox row back with the journal.
 */
export function transactionOutboxHook(outbox: Outbox): (records: readonly JournalRecord[], db: SqliteDatabase) => void {
  return (records, db) => {
    for (const r of records) {
      if (r.type === 'tx.closed') {
        const facts = outbox.transactionFacts(db, r.txId);
        const data: TransactionEventData = { txId: r.txId, outcome: r.outcome, paid: r.paid, surplus: r.surplus, currency: facts.currency, billerId: facts.billerId };
        outbox.enqueue(db, { class: 'transaction', kind: 'tx.closed', data });
      } else if (r.type === 'tx.late-post') {
        // A pending transaction reached its final outcome later: the fleet's view of it changes.
        const facts = outbox.transactionFacts(db, r.txId);
        const data: TransactionEventData = { txId: r.txId, outcome: r.outcome, paid: facts.paid, surplus: facts.surplus, currency: facts.currency, billerId: facts.billerId };
        outbox.enqueue(db, { class: 'transaction', kind: 'tx.late-post', data });
      }
    }
  };
}

/** What an alarm event carries: a stable kind and numbers or ids only. */
export interface AlarmEventData extends JsonObject {
  readonly alarm: string;
  readonly severity: 'warning' | 'critical';
  readonly details: { readonly [key: string]: string | number };
}

/**
 * Durable alarms that arise from journal facts, enqueued in the same SQL transaction as the fact so the
 * fleet hears of them even if kioskd dies right after: a validator whose counters disagree with the
 * journal, and a transaction that needs a refund.
 */
export function alarmOutboxHook(outbox: Outbox): (records: readonly JournalRecord[], db: SqliteDatabase) => void {
  return (records, db) => {
    for (const r of records) {
      if (r.type === 'validator.counters' && r.mismatch !== 0) {
        const data: AlarmEventData = { alarm: 'counter-mismatch', severity: 'critical', details: { serial: r.serial, stacked: r.stacked, credits: r.credits, mismatch: r.mismatch } };
        outbox.enqueue(db, { class: 'alarm', kind: 'counter-mismatch', data });
      }
      // Money was taken and the biller refused it for good: a person must refund the customer.
      const refused = (r.type === 'tx.closed' && r.outcome === 'needs-refund') || (r.type === 'tx.late-post' && r.result === 'refused');
      if (refused) {
        const facts = outbox.transactionFacts(db, r.txId);
        const paid = r.type === 'tx.closed' ? r.paid : facts.paid;
        const data: AlarmEventData = { alarm: 'needs-refund', severity: 'critical', details: { txId: r.txId, paid, currency: facts.currency ?? '', billerId: facts.billerId ?? '' } };
        outbox.enqueue(db, { class: 'alarm', kind: 'needs-refund', data });
      }
    }
  };
}

/**
 * Cash accounting for the fleet (`events/collection`): a cash period closed, its collector and seal, and
 * each day's settlement. A settlement with differences is also an alarm.
 */
export function collectionOutboxHook(outbox: Outbox): (records: readonly JournalRecord[], db: SqliteDatabase) => void {
  return (records, db) => {
    for (const r of records) {
      if (r.type === 'cash.collected') {
        const counts = r.counts.map((c) => ({ currency: c.currency, value: c.value, count: c.count }));
        outbox.enqueue(db, { class: 'collection', kind: 'cash.collected', data: { collectionId: r.collectionId, reason: r.reason, total: r.total, notes: r.notes, counts } });
      } else if (r.type === 'collection.attested') {
        outbox.enqueue(db, { class: 'collection', kind: 'collection.attested', data: { collectionId: r.collectionId, collectorId: r.collectorId, sealNumber: r.sealNumber } });
      } else if (r.type === 'settlement.made') {
        const data = { day: r.day, currency: r.currency, journalTotal: r.journalTotal, journalPostings: r.journalPostings, billerTotal: r.billerTotal, billerPostings: r.billerPostings, differences: [...r.differences] };
        outbox.enqueue(db, { class: 'collection', kind: 'settlement', data });
        if (r.differences.length) {
          const alarm: AlarmEventData = { alarm: 'settlement-difference', severity: 'critical', details: { day: r.day, differences: r.differences.join(',') } };
          outbox.enqueue(db, { class: 'alarm', kind: 'settlement-difference', data: alarm });
        }
      }
    }
  };
}

/** Every journal-driven outbox producer, in one `onAppend`. */
export function journalOutboxHook(outbox: Outbox): (records: readonly JournalRecord[], db: SqliteDatabase) => void {
  const hooks = [transactionOutboxHook(outbox), alarmOutboxHook(outbox), collectionOutboxHook(outbox)];
  return (records, db) => { for (const h of hooks) h(records, db); };
}
