import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isKioskError } from '../errors/index.js';
import type { BillInfo, JournalRecord } from '../fsm/types.js';
import { ManualClock } from '../hal/clock.js';
import { JOURNAL_APPLICATION_ID, Journal, SCHEMA_VERSION, type JournalOptions } from './index.js';

const bill: BillInfo = {
  billerId: 'water',
  billerName: 'City Water',
  account: '00123456',
  period: '2026-01',
  due: 25_000,
  currency: 'CNY',
  billRef: 'WB-1',
};

function credit(txId: string | null, deviceRef: string, value: number, toBill: number): JournalRecord {
  return { type: 'note.credited', txId, value, currency: 'CNY', channel: 3, deviceRef, toBill, surplus: value - toBill };
}

function decide(txId: string, value: number): JournalRecord {
  return { type: 'note.decided', txId, value, channel: 3, decision: 'accept', reason: 'fits' };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isKioskError(e) ? e.code : `non-kiosk: ${String(e)}`;
  }
  return undefined;
}

let dir: string;
let clock: ManualClock;
const opened: Journal[] = [];

function open(extra: Partial<JournalOptions> = {}): Journal {
  const j = Journal.open({ path: join(dir, 'var', 'lib', 'journal.db'), bootId: 'boot-A', clock, ...extra });
  opened.push(j);
  return j;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kioskd-ledger-'));
  clock = new ManualClock(1_767_225_600_000);
});

afterEach(() => {
  for (const j of opened.splice(0)) j.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Journal.open', () => {
  it('creates the parent directory and sets WAL, synchronous=FULL, foreign keys and the file identity', () => {
    const j = open();
    expect(statSync(join(dir, 'var', 'lib')).isDirectory()).toBe(true);
    expect(j.pragma('journal_mode')).toBe('wal');
    expect(j.pragma('synchronous')).toBe(2);
    expect(j.pragma('foreign_keys')).toBe(1);
    expect(j.pragma('application_id')).toBe(JOURNAL_APPLICATION_ID);
    expect(j.pragma('user_version')).toBe(SCHEMA_VERSION);
  });

  it('honours synchronous OFF for benchmarks', () => {
    expect(open({ synchronous: 'OFF' }).pragma('synchronous')).toBe(0);
  });

  it('refuses pragma strings that are not a bare name', () => {
    const j = open();
    expect(codeOf(() => j.pragma('user_version = 7'))).toBe('KIOSK_E_INTERNAL');
    expect(j.pragma('user_version')).toBe(SCHEMA_VERSION);
  });

  it('close checkpoints the WAL away and a reopen sees the same facts', () => {
    const j = open();
    j.append({ type: 'tx.opened', txId: 'T1', bill });
    j.close();
    const wal = join(dir, 'var', 'lib', 'journal.db-wal');
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);
    const again = open();
    expect(again.lastSeq()).toBe(1);
    expect(again.transaction('T1')?.state).toBe('open');
  });
});

describe('a whole 3-note cash transaction', () => {
  it('appends every fact and keeps transactions, cashbox and totals in step', () => {
    const j = open();
    const t0 = clock.wallMs();
    const first = j.append({ type: 'tx.opened', txId: 'T1', bill });
    expect(first.status).toBe('stored');
    expect(j.openTransactions().map((t) => [t.txId, t.state])).toEqual([['T1', 'open']]);

    // 250.00 due; three 100.00 notes, the last one 50.00 over (surplus).
    const notes: [string, number, number][] = [['v-1', 10_000, 10_000], ['v-2', 10_000, 10_000], ['v-3', 10_000, 5_000]];
    for (const [ref, value, toBill] of notes) {
      clock.advance(4_000);
      j.append(decide('T1', value));
      clock.advance(1_500);
      const r = j.appendAll([credit('T1', ref, value, toBill)]);
      expect(r.duplicate).toBe(false);
      expect(r.stored).toHaveLength(1);
    }
    const mid = j.transaction('T1');
    expect(mid).toMatchObject({ paid: 30_000, surplus: 5_000, notes: 3, state: 'open', outcome: null });

    clock.advance(2_000);
    j.append({ type: 'tx.post-intent', txId: 'T1', amount: 30_000, partial: false });
    expect(j.openTransactions().map((t) => t.state)).toEqual(['posting']);

    clock.advance(800);
    const closing = j.appendAll([
      { type: 'tx.posted', txId: 'T1', billerRef: 'BR-77' },
      { type: 'tx.closed', txId: 'T1', outcome: 'paid', paid: 30_000, surplus: 5_000 },
    ]);
    // One transition, one stamp.
    expect(new Set(closing.stored.map((e) => e.wallMs)).size).toBe(1);
    const closedSeq = closing.stored[1]?.seq;
    const closedAt = clock.wallMs();

    clock.advance(3_000);
    j.append({ type: 'receipt.printed', txId: 'T1', printed: true });

    expect(j.openTransactions()).toEqual([]);
    expect(j.transaction('T1')).toEqual({
      txId: 'T1',
      billerId: 'water',
      billerName: 'City Water',
      account: '00123456',
      period: '2026-01',
      billRef: 'WB-1',
      due: 25_000,
      currency: 'CNY',
      paid: 30_000,
      surplus: 5_000,
      notes: 3,
      state: 'closed',
      outcome: 'paid',
      postAttempts: 1,
      billerRef: 'BR-77',
      receiptPrinted: true,
      openedSeq: 1,
      closedSeq,
      openedWallMs: t0,
      closedWallMs: closedAt,
      tender: null,
      cardType: null,
      last4: null,
    });
    expect(j.cashbox()).toEqual([{ currency: 'CNY', value: 30_000, count: 3 }]);
    expect(j.totals()).toEqual([{ outcome: 'paid', currency: 'CNY', count: 1, paid: 30_000, surplus: 5_000 }]);
    expect(j.totals({ fromWallMs: closedAt + 1 })).toEqual([]);
    expect(j.totals({ toWallMs: closedAt })).toEqual([]);
    expect(j.totals({ fromWallMs: closedAt, toWallMs: closedAt + 1 })).toHaveLength(1);

    const events = j.events({ txId: 'T1' });
    expect(events.map((e) => e.type)).toEqual([
      'tx.opened',
      'note.decided', 'note.credited',
      'note.decided', 'note.credited',
      'note.decided', 'note.credited',
      'tx.post-intent', 'tx.posted', 'tx.closed', 'receipt.printed',
    ]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(events.every((e) => e.bootId === 'boot-A')).toBe(true);
    expect(events[2]?.record).toEqual(credit('T1', 'v-1', 10_000, 10_000));
    expect(events[2]?.monoMs).toBe(5_500);
    expect(j.events({ afterSeq: 5, limit: 2 }).map((e) => e.seq)).toEqual([6, 7]);
    expect(j.events({ txId: 'T-other' })).toEqual([]);
    expect(j.lastSeq()).toBe(11);
  });
});

describe('duplicate credits', () => {
  it('a second note.credited with the same deviceRef writes nothing and says duplicate', () => {
    const j = open();
    j.append({ type: 'tx.opened', txId: 'T1', bill });
    const firstCredit = j.append(credit('T1', 'ssp-42', 10_000, 10_000));
    expect(firstCredit.status).toBe('stored');
    const seq = j.lastSeq();

    const again = j.append(credit('T1', 'ssp-42', 10_000, 10_000));
    expect(again).toMatchObject({ status: 'duplicate', existingSeq: seq });
    expect(j.lastSeq()).toBe(seq);
    expect(j.cashbox()).toEqual([{ currency: 'CNY', value: 10_000, count: 1 }]);
    expect(j.transaction('T1')).toMatchObject({ paid: 10_000, notes: 1 });
  });

  it('within one batch the repeat is skipped and the rest is written', () => {
    const j = open();
    j.append({ type: 'tx.opened', txId: 'T1', bill });
    const r = j.appendAll([credit('T1', 'r-1', 5_000, 5_000), credit('T1', 'r-1', 5_000, 5_000), credit('T1', 'r-2', 2_000, 2_000)]);
    expect(r.entries.map((e) => e.status)).toEqual(['stored', 'duplicate', 'stored']);
    expect(r.duplicate).toBe(true);
    expect(r.stored.map((e) => e.seq)).toEqual([2, 3]);
    expect(j.cashbox()).toEqual([{ currency: 'CNY', value: 7_000, count: 2 }]);
  });

  it('counts a credit outside any transaction in the cash box', () => {
    const j = open();
    j.append(credit(null, 'late-1', 2_000, 0));
    expect(j.cashbox()).toEqual([{ currency: 'CNY', value: 2_000, count: 1 }]);
  });
});

describe('atomicity', () => {
  it('extra runs inside the append transaction and commits with it', () => {
    const j = open();
    j.appendAll([], (db) => db.exec('CREATE TABLE outbox (id INTEGER PRIMARY KEY, body TEXT NOT NULL)'));
    j.appendAll([{ type: 'tx.opened', txId: 'T1', bill }], (db) => {
      db.prepare('INSERT INTO outbox (body) VALUES (?)').run('opened T1');
    });
    const rows = j.appendAll([], (db) => {
      expect(db.prepare('SELECT body FROM outbox').pluck().all()).toEqual(['opened T1']);
    });
    expect(rows.entries).toEqual([]);
  });

  it('an error thrown by extra rolls back the events, the projections and the outbox row', () => {
    const j = open();
    j.appendAll([], (db) => db.exec('CREATE TABLE outbox (id INTEGER PRIMARY KEY, body TEXT NOT NULL)'));
    j.append({ type: 'tx.opened', txId: 'T1', bill });
    const before = j.lastSeq();

    expect(() =>
      j.appendAll([credit('T1', 'n-1', 10_000, 10_000), { type: 'tx.post-intent', txId: 'T1', amount: 10_000, partial: true }], (db) => {
        db.prepare('INSERT INTO outbox (body) VALUES (?)').run('credit');
        throw new Error('outbox full');
      }),
    ).toThrow('outbox full');

    expect(j.lastSeq()).toBe(before);
    expect(j.cashbox()).toEqual([]);
    expect(j.transaction('T1')).toMatchObject({ paid: 0, notes: 0, state: 'open', postAttempts: 0 });
    j.appendAll([], (db) => expect(db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(0));
    // The credit was not remembered either: the same note may be journaled for real now.
    expect(j.append(credit('T1', 'n-1', 10_000, 10_000)).status).toBe('stored');
  });

  it('an SQLite error inside the transaction becomes KIOSK_E_JOURNAL_WRITE, not retryable, nothing written', () => {
    const j = open();
    let err: unknown;
    try {
      j.appendAll([{ type: 'tx.opened', txId: 'T1', bill }], (db) => db.exec('INSERT INTO no_such_table VALUES (1)'));
    } catch (e) {
      err = e;
    }
    expect(isKioskError(err, 'KIOSK_E_JOURNAL_WRITE')).toBe(true);
    expect(isKioskError(err) && err.retryable).toBe(false);
    expect(j.lastSeq()).toBe(0);
    expect(j.transaction('T1')).toBeUndefined();
  });

  it('a record that contradicts the projections is refused with everything before it in the batch', () => {
    const j = open();
    const code = codeOf(() =>
      j.appendAll([
        { type: 'tx.opened', txId: 'T1', bill },
        { type: 'tx.posted', txId: 'T1', billerRef: 'x' }, // posted without an intent
      ]),
    );
    expect(code).toBe('KIOSK_E_INTERNAL');
    expect(j.lastSeq()).toBe(0);
    expect(codeOf(() => j.append({ type: 'tx.closed', txId: 'nope', outcome: 'cancelled', paid: 0, surplus: 0 }))).toBe(
      'KIOSK_E_INTERNAL',
    );
    expect(codeOf(() => j.append(credit('T1', 'bad', 10.5, 10.5)))).toBe('KIOSK_E_INTERNAL');
  });

  it('the events table refuses UPDATE and DELETE', () => {
    const j = open();
    j.append({ type: 'tx.opened', txId: 'T1', bill });
    expect(codeOf(() => j.appendAll([], (db) => db.exec("UPDATE events SET type = 'x'")))).toBe('KIOSK_E_JOURNAL_WRITE');
    expect(codeOf(() => j.appendAll([], (db) => db.exec('DELETE FROM events')))).toBe('KIOSK_E_JOURNAL_WRITE');
    expect(j.events().map((e) => e.type)).toEqual(['tx.opened']);
  });

  it('a read-only journal reads but every append fails with KIOSK_E_JOURNAL_WRITE', () => {
    const w = open();
    w.append({ type: 'tx.opened', txId: 'T1', bill });
    const r = open({ readOnly: true });
    expect(r.transaction('T1')?.state).toBe('open');
    expect(r.verifyProjections().ok).toBe(true);
    expect(codeOf(() => r.append({ type: 'tx.opened', txId: 'T2', bill }))).toBe('KIOSK_E_JOURNAL_WRITE');
    expect(w.lastSeq()).toBe(1);
  });

  it('appending after close fails with KIOSK_E_JOURNAL_WRITE', () => {
    const j = open();
    j.close();
    expect(codeOf(() => j.append({ type: 'tx.opened', txId: 'T1', bill }))).toBe('KIOSK_E_JOURNAL_WRITE');
  });
});
