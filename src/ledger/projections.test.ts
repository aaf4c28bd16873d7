import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BillInfo, JournalRecord, Outcome } from '../fsm/types.js';
import { ManualClock } from '../hal/clock.js';
import { Journal } from './index.js';
import { openSqlite, type SqliteDatabase } from './sqlite.js';

let dir: string;
let path: string;
let clock: ManualClock;
const opened: Journal[] = [];
const raws: SqliteDatabase[] = [];

function open(): Journal {
  const j = Journal.open({ path, bootId: 'boot-C', clock });
  opened.push(j);
  return j;
}

/** A second, plain connection to the same file: how an operator (or a bug) would edit rows by hand. */
function raw(): SqliteDatabase {
  const db = openSqlite(path);
  raws.push(db);
  return db;
}

function bill(n: number): BillInfo {
  return { billerId: 'gas', billerName: 'Gas Co', account: `A${n}`, period: '2026-03', due: 15_000, currency: 'CNY', billRef: `G-${n}` };
}

/** Several transactions in different end states, one still open. */
function history(j: Journal): void {
  const outcomes: Outcome[] = ['paid', 'paid-partially', 'cancelled', 'pending', 'paid'];
  outcomes.forEach((outcome, i) => {
    const txId = `T${i}`;
    clock.advance(60_000);
    j.append({ type: 'tx.opened', txId, bill: bill(i) });
    let paid = 0;
    if (outcome !== 'cancelled') {
      const notes = outcome === 'paid-partially' ? [5_000] : [10_000, 5_000];
      notes.forEach((value, k) => {
        clock.advance(2_000);
        const rec: JournalRecord = { type: 'note.credited', txId, value, currency: 'CNY', channel: k, deviceRef: `${txId}-n${k}`, toBill: value, surplus: 0 };
        j.append(rec);
        paid += value;
      });
      j.append({ type: 'tx.post-intent', txId, amount: paid, partial: paid < 15_000 });
      if (outcome === 'pending') j.append({ type: 'tx.post-failed', txId, code: 'KIOSK_E_BILLER_UNAVAILABLE', retryable: true });
      else j.append({ type: 'tx.posted', txId, billerRef: `BR-${i}` });
    }
    j.appendAll([{ type: 'tx.closed', txId, outcome, paid, surplus: 0 }]);
    j.append({ type: 'receipt.printed', txId, printed: i % 2 === 0 });
  });
  clock.advance(60_000);
  j.append({ type: 'tx.opened', txId: 'T-open', bill: bill(99) });
  j.append({ type: 'note.credited', txId: 'T-open', value: 2_000, currency: 'CNY', channel: 0, deviceRef: 'open-n0', toBill: 2_000, surplus: 0 });
}

function snapshot(j: Journal): unknown {
  const ids = ['T0', 'T1', 'T2', 'T3', 'T4', 'T-open'];
  return { txs: ids.map((id) => j.transaction(id)), cash: j.cashbox(), totals: j.totals(), open: j.openTransactions() };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kioskd-ledger-proj-'));
  path = join(dir, 'journal.db');
  clock = new ManualClock();
});

afterEach(() => {
  for (const db of raws.splice(0)) db.close();
  for (const j of opened.splice(0)) j.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('rebuild and verify', () => {
  it('a rebuild from events gives exactly the live projections', () => {
    const j = open();
    history(j);
    expect(j.verifyProjections()).toEqual({ ok: true, differences: [] });
    const live = snapshot(j);
    j.rebuildProjections();
    expect(snapshot(j)).toEqual(live);
    expect(j.totals().map((t) => [t.outcome, t.count, t.paid])).toEqual([
      ['cancelled', 1, 0],
      ['paid', 2, 30_000],
      ['paid-partially', 1, 5_000],
      ['pending', 1, 15_000],
    ]);
  });

  it('verify finds rows edited by hand, and rebuild repairs them', () => {
    const j = open();
    history(j);
    const live = snapshot(j);
    const db = raw();
    db.prepare("UPDATE transactions SET paid = 1 WHERE tx_id = 'T0'").run();
    db.prepare("DELETE FROM credited_refs WHERE device_ref = 'T1-n0'").run();
    db.prepare("INSERT INTO cashbox (currency, value, count) VALUES ('EUR', 500, 1)").run();

    const v = j.verifyProjections();
    expect(v.ok).toBe(false);
    expect(v.differences).toEqual(
      expect.arrayContaining([
        'transactions[T0].paid: live=1 rebuilt=15000',
        'credited_refs[T1-n0]: missing from the live projection',
        'cashbox[EUR]: in the live projection only',
      ]),
    );
    expect(v.differences).toHaveLength(3);
    // Verifying changed nothing.
    expect(j.transaction('T0')?.paid).toBe(1);

    j.rebuildProjections();
    expect(j.verifyProjections().ok).toBe(true);
    expect(snapshot(j)).toEqual(live);
    // The repaired credited_refs guards against double counting again.
    const again = j.append({ type: 'note.credited', txId: null, value: 5_000, currency: 'CNY', channel: 0, deviceRef: 'T1-n0', toBill: 0, surplus: 5_000 });
    expect(again.status).toBe('duplicate');
  });

  it('account numbers stay out of difference reports', () => {
    const j = open();
    history(j);
    raw().prepare("UPDATE transactions SET account = 'SECRET-99' WHERE tx_id = 'T2'").run();
    const v = j.verifyProjections();
    expect(v.differences).toEqual(['transactions[T2].account: live and rebuilt differ']);
    expect(v.differences.join('\n')).not.toContain('SECRET-99');
  });
});

describe('recovery cost', () => {
  it('opening never replays events: projections are read as stored', () => {
    const j = open();
    history(j);
    j.close();
    // An event slipped in without its projection update (only possible by hand): if open replayed the
    // events table, T-open would show this credit.
    raw()
      .prepare("INSERT INTO events (type, tx_id, payload, wall_ms, mono_ms, boot_id) VALUES ('note.credited', 'T-open', json(?), 0, 0, 'hand')")
      .run(JSON.stringify({ type: 'note.credited', txId: 'T-open', value: 1_000, currency: 'CNY', channel: 0, deviceRef: 'hand-1', toBill: 1_000, surplus: 0 }));

    const again = open();
    expect(again.openTransactions().map((t) => [t.txId, t.paid])).toEqual([['T-open', 2_000]]);
    expect(again.verifyProjections().differences).toContain('transactions[T-open].paid: live=2000 rebuilt=3000');
  });

  it('the open-transaction query and the per-transaction event query are served by indexes', () => {
    const j = open();
    history(j);
    const db = raw();
    const plan = (sql: string): string =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan("SELECT * FROM transactions WHERE state <> 'closed' ORDER BY opened_seq")).toContain('transactions_unclosed');
    expect(plan("SELECT * FROM events WHERE tx_id = 'T1' AND seq > 0 ORDER BY seq")).toContain('events_tx');
    expect(plan("SELECT count(*) FROM transactions WHERE state = 'closed' AND closed_wall_ms >= 0 AND closed_wall_ms < 9")).toContain(
      'transactions_closed_at',
    );
  });
});
