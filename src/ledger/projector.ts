import { KioskError } from '../errors/index.js';
import type { JournalRecord } from '../fsm/types.js';
import { isMinor } from '../money/index.js';
import { LIVE_TABLES, tableName, type ProjectionTables } from './schema.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite.js';

/** Where the record being projected sits in the journal. */
export interface ProjectionContext {
  readonly seq: number;
  readonly wallMs: number;
}

interface Statements {
  readonly txInsert: SqliteStatement;
  readonly txCredit: SqliteStatement;
  readonly txPostIntent: SqliteStatement;
  readonly txPosted: SqliteStatement;
  readonly txState: SqliteStatement;
  readonly txClose: SqliteStatement;
  readonly txReceipt: SqliteStatement;
  readonly txLatePost: SqliteStatement;
  readonly noteAdd: SqliteStatement;
  readonly txAuthorised: SqliteStatement;
  readonly txVoided: SqliteStatement;
  readonly cashReset: SqliteStatement;
  readonly notesReset: SqliteStatement;
  readonly collectionInsert: SqliteStatement;
  readonly collectionAttest: SqliteStatement;
  readonly cashAdd: SqliteStatement;
  readonly refInsert: SqliteStatement;
  readonly refSeq: SqliteStatement;
}

// Prepared lazily per connection and table set: a rebuild of a million events must not re-prepare per row.
const cache = new WeakMap<SqliteDatabase, Map<string, Statements>>();

function statements(db: SqliteDatabase, t: ProjectionTables): Statements {
  let perDb = cache.get(db);
  if (perDb === undefined) cache.set(db, (perDb = new Map()));
  const key = `${t.schema}.${t.prefix}`;
  const hit = perDb.get(key);
  if (hit !== undefined) return hit;
  const tx = tableName(t, 'transactions');
  const cash = tableName(t, 'cashbox');
  const refs = tableName(t, 'credited_refs');
  const s: Statements = {
    txInsert: db.prepare(
      `INSERT INTO ${tx} (tx_id, biller_id, biller_name, account, period, bill_ref, due, currency, state, opened_seq, opened_wall_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`,
    ),
    txCredit: db.prepare(
      `UPDATE ${tx} SET paid = paid + ?, surplus = surplus + ?, notes = notes + 1
       WHERE tx_id = ? AND state <> 'closed' AND currency = ?`,
    ),
    txPostIntent: db.prepare(
      `UPDATE ${tx} SET state = 'posting', post_attempts = post_attempts + 1 WHERE tx_id = ? AND state <> 'closed'`,
    ),
    txPosted: db.prepare(`UPDATE ${tx} SET biller_ref = ? WHERE tx_id = ? AND state = 'posting'`),
    txState: db.prepare(`SELECT state FROM ${tx} WHERE tx_id = ?`).pluck(),
    txClose: db.prepare(
      `UPDATE ${tx} SET state = 'closed', outcome = ?, closed_seq = ?, closed_wall_ms = ? WHERE tx_id = ? AND state <> 'closed'`,
    ),
    txReceipt: db.prepare(`UPDATE ${tx} SET receipt_printed = ? WHERE tx_id = ?`),
    txAuthorised: db.prepare(`UPDATE ${tx} SET tender = ?, card_type = ?, last4 = ?, paid = ? WHERE tx_id = ? AND state = 'open'`),
    txVoided: db.prepare(`UPDATE ${tx} SET paid = 0 WHERE tx_id = ? AND state <> 'closed'`),
    noteAdd: db.prepare(
      `INSERT INTO ${tableName(t, 'cashbox_notes')} (currency, value, count) VALUES (?, ?, 1)
       ON CONFLICT (currency, value) DO UPDATE SET count = count + 1`,
    ),
    cashReset: db.prepare(`DELETE FROM ${cash}`),
    notesReset: db.prepare(`DELETE FROM ${tableName(t, 'cashbox_notes')}`),
    collectionInsert: db.prepare(
      `INSERT INTO ${tableName(t, 'collections')} (collection_id, seq, wall_ms, reason, counts, total, notes) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    collectionAttest: db.prepare(
      `UPDATE ${tableName(t, 'collections')} SET collector_id = ?, seal_number = ?, attested_seq = ? WHERE collection_id = ?`,
    ),
    txLatePost: db.prepare(
      `UPDATE ${tx} SET outcome = ?, biller_ref = coalesce(?, biller_ref) WHERE tx_id = ? AND state = 'closed' AND outcome = 'pending'`,
    ),
    cashAdd: db.prepare(
      `INSERT INTO ${cash} (currency, value, count) VALUES (?, ?, 1)
       ON CONFLICT (currency) DO UPDATE SET value = value + excluded.value, count = count + 1`,
    ),
    refInsert: db.prepare(`INSERT INTO ${refs} (seq, device_ref, tx_id, value, currency) VALUES (?, ?, ?, ?, ?)`),
    refSeq: db.prepare(`SELECT seq FROM ${refs} WHERE device_ref = ?`).pluck(),
  };
  perDb.set(key, s);
  return s;
}

function refuse(record: JournalRecord, why: string): KioskError {
  return new KioskError('KIOSK_E_INTERNAL', `journal record ${record.type} refused: ${why}`, {
    details: { type: record.type, txId: 'txId' in record ? record.txId : null },
  });
}

function requireMinor(record: JournalRecord, name: string, n: number): void {
  if (!isMinor(n)) throw refuse(record, `${name} is not a non-negative integer of minor units`);
}

/** Seq of the event that already counted this device credit, if any. */
export function creditedSeq(db: SqliteDatabase, deviceRef: string, tables: ProjectionTables = LIVE_TABLES): number | undefined {
  const seq = statements(db, tables).refSeq.get(deviceRef);
  return typeof seq === 'number' ? seq : undefined;
}

/**
 * Applies one journal record to the projections. Deterministic in (record, at): a rebuild from `events`
 * gives the same rows. Throws KIOSK_E_INTERNAL for a record that contradicts the projections (an FSM bug);
 * the caller's SQL transaction then rolls back. Money is never refused for bookkeeping reasons: a credit
 * for an unknown or closed transaction still counts in the cash box.
 */
export function project(
  record: JournalRecord,
  db: SqliteDatabase,
  at: ProjectionContext,
  tables: ProjectionTables = LIVE_TABLES,
): void {
  const s = statements(db, tables);
  switch (record.type) {
    case 'tx.opened': {
      const b = record.bill;
      requireMinor(record, 'due', b.due);
      if (s.txState.get(record.txId) !== undefined) throw refuse(record, 'transaction already exists');
      s.txInsert.run(record.txId, b.billerId, b.billerName, b.account, b.period, b.billRef, b.due, b.currency, at.seq, at.wallMs);
      return;
    }
    case 'note.decided':
      // A decision is not money; it lives in `events` only.
      return;
    case 'note.credited': {
      requireMinor(record, 'value', record.value);
      requireMinor(record, 'toBill', record.toBill);
      requireMinor(record, 'surplus', record.surplus);
      if (record.deviceRef === '') throw refuse(record, 'empty deviceRef');
      s.refInsert.run(at.seq, record.deviceRef, record.txId, record.value, record.currency);
      s.cashAdd.run(record.currency, record.value);
      s.noteAdd.run(record.currency, record.value);
      if (record.txId !== null) s.txCredit.run(record.value, record.surplus, record.txId, record.currency);
      return;
    }
    case 'tx.post-intent':
      if (s.txPostIntent.run(record.txId).changes === 0) throw refuse(record, 'no unclosed transaction');
      return;
    case 'tx.posted':
      if (s.txPosted.run(record.billerRef, record.txId).changes === 0) throw refuse(record, 'transaction is not posting');
      return;
    case 'tx.post-failed':
      // The state stays 'posting': a failed or timed-out post may be retried with the same idempotency key.
      if (s.txState.get(record.txId) !== 'posting') throw refuse(record, 'transaction is not posting');
      return;
    case 'tx.closed':
      if (s.txClose.run(record.outcome, at.seq, at.wallMs, record.txId).changes === 0) {
        throw refuse(record, 'no unclosed transaction');
      }
      return;
    case 'tx.authorised':
      requireMinor(record, 'amount', record.amount);
      if (s.txAuthorised.run(record.tender, record.cardType, record.last4, record.amount, record.txId).changes === 0) throw refuse(record, 'no open transaction');
      return;
    case 'tx.voided':
      // A successful reversal means no money was taken after all.
      if (record.ok) s.txVoided.run(record.txId);
      return;
    case 'tx.auth-intent':
    case 'tx.auth-failed':
    case 'tx.booked':
    case 'tx.unposted':
      return;
    case 'cash.collected':
      requireMinor(record, 'total', record.total);
      s.collectionInsert.run(record.collectionId, at.seq, at.wallMs, record.reason, JSON.stringify(record.counts), record.total, record.notes);
      s.cashReset.run();
      s.notesReset.run();
      return;
    case 'collection.attested':
      if (s.collectionAttest.run(record.collectorId, record.sealNumber, at.seq, record.collectionId).changes === 0) throw refuse(record, 'unknown collection');
      return;
    case 'settlement.made':
      // A report; it lives in `events` only.
      return;
    case 'tx.late-post':
      if (s.txLatePost.run(record.outcome, record.billerRef, record.txId).changes === 0) throw refuse(record, 'transaction is not closed as pending');
      return;
    case 'validator.counters':
      // Evidence for reconciliation; it lives in `events` only.
      return;
    case 'receipt.printed':
      if (s.txReceipt.run(record.printed ? 1 : 0, record.txId).changes === 0) throw refuse(record, 'unknown transaction');
      return;
    default: {
      const never: never = record;
      throw new KioskError('KIOSK_E_INTERNAL', `unknown journal record ${(never as { type: string }).type}`);
    }
  }
}
