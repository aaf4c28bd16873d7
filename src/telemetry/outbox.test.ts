import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BillInfo, JournalRecord } from '../fsm/types.js';
import { ManualClock } from '../hal/clock.js';
import { Journal } from '../ledger/index.js';
import { parseEnvelope } from './envelope.js';
import { Outbox, transactionOutboxHook } from './outbox.js';

const bill: BillInfo = { billerId: 'water', billerName: 'City Water', account: '00123456', period: '2026-01', due: 25_000, currency: 'CNY', billRef: 'WB-1' };

let dir: string;
let clock: ManualClock;
let journal: Journal;
let ids: number;

function outboxOn(j: Journal): Outbox {
  return Outbox.attachJournal(j, { prefix: 'kiosk/v1', fleet: 'north', terminal: 'K1', bootId: 'boot-1', clock, newId: () => `id-${++ids}` });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kioskd-outbox-'));
  clock = new ManualClock();
  ids = 0;
  journal = Journal.open({ path: join(dir, 'journal.db'), bootId: 'boot-1', clock, synchronous: 'OFF' });
});

afterEach(() => {
  journal.close();
  rmSync(dir, { recursive: true, force: true });
});

function txRecords(txId: string, paid: number): JournalRecord[] {
  return [
    { type: 'tx.opened', txId, bill },
    { type: 'tx.closed', txId, outcome: 'paid', paid, surplus: paid - bill.due },
  ];
}

describe('Outbox', () => {
  it('assigns a gap-free seq per class and fixes the envelope at enqueue', () => {
    const ob = outboxOn(journal);
    journal.appendAll([], (db) => {
      ob.enqueue(db, { class: 'alarm', kind: 'paper.low', data: { device: 'printer' } });
      ob.enqueue(db, { class: 'transaction', kind: 'tx.closed', data: { txId: 'T1' } });
      ob.enqueue(db, { class: 'alarm', kind: 'paper.out', data: { device: 'printer' } });
    });
    const rows = ob.peek(10);
    expect(rows.map((r) => [r.class, r.seq])).toEqual([['alarm', 1], ['transaction', 1], ['alarm', 2]]);
    expect(rows[1]?.topic).toBe('kiosk/v1/north/K1/events/transaction');
    const env = parseEnvelope(rows[2]!.payload);
    expect(env).toMatchObject({ id: 'id-3', seq: 2, class: 'alarm', kind: 'paper.out', terminal: 'K1', fleet: 'north', boot: 'boot-1', ts: clock.wallMs() });
    expect(rows[2]?.id).toBe(env.id);
  });

  it('peek is repeatable: the same rows, ids and payloads until acked, also after a reopen', () => {
    const ob = outboxOn(journal);
    journal.appendAll([], (db) => { ob.enqueue(db, { class: 'transaction', kind: 'tx.closed', data: { txId: 'T1' } }); });
    const first = ob.peek(10);
    clock.advance(60_000);
    expect(ob.peek(10)).toEqual(first);
    journal.close();
    journal = Journal.open({ path: join(dir, 'journal.db'), bootId: 'boot-2', clock, synchronous: 'OFF' });
    const again = outboxOn(journal);
    expect(again.peek(10)).toEqual(first);
    // The persisted counter goes on after a restart.
    journal.appendAll([], (db) => { again.enqueue(db, { class: 'transaction', kind: 'tx.closed', data: { txId: 'T2' } }); });
    expect(again.peek(10).map((r) => r.seq)).toEqual([1, 2]);
  });

  it('peek honours the limit and the cursor', () => {
    const ob = outboxOn(journal);
    journal.appendAll([], (db) => { for (let i = 0; i < 5; i++) ob.enqueue(db, { class: 'alarm', kind: 'a', data: { i } }); });
    const two = ob.peek(2);
    expect(two.map((r) => r.seq)).toEqual([1, 2]);
    expect(ob.peek(10, two[1]!.rowId).map((r) => r.seq)).toEqual([3, 4, 5]);
  });

  it('ack deletes exactly one row; acking twice reports false; seq never reuses a number', () => {
    const ob = outboxOn(journal);
    journal.appendAll([], (db) => { ob.enqueue(db, { class: 'alarm', kind: 'a', data: {} }); ob.enqueue(db, { class: 'alarm', kind: 'a', data: {} }); });
    const [a, b] = ob.peek(10);
    expect(ob.ack(b!.rowId)).toBe(true);
    expect(ob.ack(b!.rowId)).toBe(false);
    expect(ob.peek(10)).toEqual([a]);
    journal.appendAll([], (db) => { ob.enqueue(db, { class: 'alarm', kind: 'a', data: {} }); });
    const rows = ob.peek(10);
    expect(rows.map((r) => r.seq)).toEqual([1, 3]);
    // Row ids keep growing after a delete, so a publisher's cursor never skips a new row.
    expect(rows[1]!.rowId).toBeGreaterThan(b!.rowId);
  });

  it('depth counts per class and size counts all', () => {
    const ob = outboxOn(journal);
    expect(ob.depth()).toEqual({ transaction: 0, alarm: 0, collection: 0 });
    journal.appendAll([], (db) => {
      ob.enqueue(db, { class: 'alarm', kind: 'a', data: {} });
      ob.enqueue(db, { class: 'alarm', kind: 'a', data: {} });
      ob.enqueue(db, { class: 'collection', kind: 'cashbox.emptied', data: {} });
    });
    expect(ob.depth()).toEqual({ transaction: 0, alarm: 2, collection: 1 });
    expect(ob.size()).toBe(3);
  });

  it('attaching twice is harmless and keeps the rows', () => {
    const ob = outboxOn(journal);
    journal.appendAll([], (db) => { ob.enqueue(db, { class: 'alarm', kind: 'a', data: {} }); });
    expect(outboxOn(journal).size()).toBe(1);
  });

  it('notifies listeners once per burst, after the enqueuing transaction', async () => {
    const ob = outboxOn(journal);
    const seen: number[] = [];
    ob.onEnqueue(() => seen.push(ob.size()));
    journal.appendAll([], (db) => { ob.enqueue(db, { class: 'alarm', kind: 'a', data: {} }); ob.enqueue(db, { class: 'alarm', kind: 'a', data: {} }); });
    expect(seen).toEqual([]);
    await Promise.resolve();
    expect(seen).toEqual([2]);
  });

  it('refuses a class that is not durable', () => {
    const ob = outboxOn(journal);
    expect(() => journal.appendAll([], (db) => { ob.enqueue(db, { class: 'health' as 'alarm', kind: 'x', data: {} }); })).toThrow();
    expect(ob.size()).toBe(0);
  });
});

describe('transactionOutboxHook', () => {
  it('enqueues one transaction event per tx.closed with amounts and ids, nothing personal', () => {
    const ob = outboxOn(journal);
    const hook = transactionOutboxHook(ob);
    const records = txRecords('T1', 30_000);
    journal.appendAll(records, (db) => hook(records, db));
    const rows = ob.peek(10);
    expect(rows).toHaveLength(1);
    const env = parseEnvelope(rows[0]!.payload);
    expect(env).toMatchObject({ class: 'transaction', kind: 'tx.closed', seq: 1 });
    expect(env.data).toEqual({ txId: 'T1', outcome: 'paid', paid: 30_000, surplus: 5_000, currency: 'CNY', billerId: 'water' });
    expect(rows[0]!.payload).not.toContain(bill.account);
    expect(rows[0]!.payload).not.toContain(bill.billRef);
    expect(rows[0]!.payload).not.toContain(bill.billerName);
  });

  it('ignores records other than tx.closed', () => {
    const ob = outboxOn(journal);
    const hook = transactionOutboxHook(ob);
    const records: JournalRecord[] = [{ type: 'tx.opened', txId: 'T1', bill }];
    journal.appendAll(records, (db) => hook(records, db));
    expect(ob.size()).toBe(0);
  });

  it('runs inside the journal transaction: a later failure rolls back the event, the outbox row and the seq', () => {
    const ob = outboxOn(journal);
    const hook = transactionOutboxHook(ob);
    const records = txRecords('T1', 25_000);
    expect(() => journal.appendAll(records, (db) => {
      hook(records, db);
      expect(ob.size()).toBe(1);
      throw new Error('later step failed');
    })).toThrow('later step failed');
    expect(ob.size()).toBe(0);
    expect(journal.transaction('T1')).toBeUndefined();
    journal.appendAll(records, (db) => hook(records, db));
    expect(ob.peek(10).map((r) => r.seq)).toEqual([1]);
  });
});
