import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isKioskError } from '../errors/index.js';
import type { BillInfo } from '../fsm/types.js';
import { ManualClock } from '../hal/clock.js';
import { JOURNAL_APPLICATION_ID, Journal, SCHEMA_VERSION } from './index.js';
import { migrate } from './migrate.js';
import { openSqlite } from './sqlite.js';

const bill: BillInfo = {
  billerId: 'power', billerName: 'Grid', account: '77', period: '2026-02', due: 9_900, currency: 'CNY', billRef: 'P-1',
};

let dir: string;
const clock = new ManualClock();
const opened: Journal[] = [];

function open(path: string, readOnly = false): Journal {
  const j = Journal.open({ path, bootId: 'boot-B', clock, readOnly });
  opened.push(j);
  return j;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function refusal(path: string): string | undefined {
  try {
    open(path);
  } catch (e) {
    return isKioskError(e) ? e.code : `non-kiosk: ${String(e)}`;
  }
  return undefined;
}

/** A closed journal holding `n` single-event transactions, fully checkpointed into the main file. */
function journalWith(path: string, n: number): void {
  const j = Journal.open({ path, bootId: 'boot-B', clock });
  for (let i = 0; i < n; i++) j.append({ type: 'tx.opened', txId: `T${i}`, bill: { ...bill, billRef: `P-${i}-${'x'.repeat(200)}` } });
  j.close();
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kioskd-ledger-open-'));
});

afterEach(() => {
  for (const j of opened.splice(0)) j.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('refusing files that are not ours, and never touching them', () => {
  it('a file that is not SQLite → KIOSK_E_JOURNAL_CORRUPT, bytes unchanged', () => {
    const path = join(dir, 'notes.db');
    writeFileSync(path, 'this is somebody\'s shopping list\n'.repeat(200));
    const before = sha256(path);
    expect(refusal(path)).toBe('KIOSK_E_JOURNAL_CORRUPT');
    expect(sha256(path)).toBe(before);
  });

  it('a kioskd journal with a damaged page → KIOSK_E_JOURNAL_CORRUPT, bytes unchanged', () => {
    const path = join(dir, 'journal.db');
    journalWith(path, 300);
    const pageSize = 4096;
    const pages = statSync(path).size / pageSize;
    expect(pages).toBeGreaterThan(10);
    // Smash the header of a b-tree page in the middle of the file; the database header stays intact.
    const bytes = readFileSync(path);
    bytes.fill(0xa5, Math.floor(pages / 2) * pageSize, Math.floor(pages / 2) * pageSize + 64);
    writeFileSync(path, bytes);
    const before = sha256(path);
    expect(refusal(path)).toBe('KIOSK_E_JOURNAL_CORRUPT');
    expect(sha256(path)).toBe(before);
  });

  it('an SQLite database of another application (tables, no id) → KIOSK_E_JOURNAL_FOREIGN, bytes unchanged', () => {
    const path = join(dir, 'other.db');
    const db = openSqlite(path);
    db.exec('CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES (\'soup\')');
    db.close();
    const before = sha256(path);
    expect(refusal(path)).toBe('KIOSK_E_JOURNAL_FOREIGN');
    expect(sha256(path)).toBe(before);
  });

  it('an SQLite database with another application_id → KIOSK_E_JOURNAL_FOREIGN, bytes unchanged', () => {
    const path = join(dir, 'other-id.db');
    const db = openSqlite(path);
    db.pragma('application_id = 1234');
    db.close();
    const before = sha256(path);
    expect(refusal(path)).toBe('KIOSK_E_JOURNAL_FOREIGN');
    expect(sha256(path)).toBe(before);
    const check = openSqlite(path, { readonly: true });
    expect(check.prepare('SELECT count(*) FROM sqlite_schema').pluck().get()).toBe(0);
    check.close();
  });

  it('a journal from a newer kioskd → KIOSK_E_JOURNAL_VERSION, bytes unchanged', () => {
    const path = join(dir, 'journal.db');
    journalWith(path, 2);
    const db = openSqlite(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const before = sha256(path);
    expect(refusal(path)).toBe('KIOSK_E_JOURNAL_VERSION');
    expect(sha256(path)).toBe(before);
  });

  it('a read-only open of a missing journal fails without creating it', () => {
    const path = join(dir, 'absent.db');
    expect(() => open(path, true)).toThrow(expect.objectContaining({ code: 'KIOSK_E_JOURNAL_OPEN' }));
    expect(existsSync(path)).toBe(false);
  });

  it('an empty file is initialised as a new journal', () => {
    const path = join(dir, 'empty.db');
    writeFileSync(path, '');
    const j = open(path);
    expect(j.pragma('application_id')).toBe(JOURNAL_APPLICATION_ID);
    expect(j.lastSeq()).toBe(0);
  });
});

describe('crash recovery of the WAL', () => {
  it('a -wal cut mid-frame recovers to the last whole commit', () => {
    const path = join(dir, 'live.db');
    const live = open(path);
    live.append({ type: 'tx.opened', txId: 'T1', bill });
    live.append({ type: 'note.credited', txId: 'T1', value: 5_000, currency: 'CNY', channel: 2, deviceRef: 'c-1', toBill: 5_000, surplus: 0 });
    const walBefore = statSync(`${path}-wal`).size;
    live.append({ type: 'note.credited', txId: 'T1', value: 2_000, currency: 'CNY', channel: 1, deviceRef: 'c-2', toBill: 2_000, surplus: 0 });
    const walAfter = statSync(`${path}-wal`).size;
    expect(walAfter).toBeGreaterThan(walBefore);

    // What a power cut during the third commit leaves: the copy is taken while `live` is still open.
    const copy = join(dir, 'copy.db');
    copyFileSync(path, copy);
    copyFileSync(`${path}-wal`, `${copy}-wal`);
    truncateSync(`${copy}-wal`, walAfter - 100);

    const recovered = open(copy);
    expect(recovered.lastSeq()).toBe(2);
    expect(recovered.transaction('T1')).toMatchObject({ paid: 5_000, notes: 1, state: 'open' });
    expect(recovered.cashbox()).toEqual([{ currency: 'CNY', value: 5_000, count: 1 }]);
    expect(recovered.verifyProjections().ok).toBe(true);
    // The lost note was never counted, so the validator's re-delivered credit is taken as new.
    expect(
      recovered.append({ type: 'note.credited', txId: 'T1', value: 2_000, currency: 'CNY', channel: 1, deviceRef: 'c-2', toBill: 2_000, surplus: 0 }).status,
    ).toBe('stored');
  });
});

describe('migrate', () => {
  it('runs all pending migrations in one transaction: a failing step leaves the file untouched', () => {
    const db = openSqlite(join(dir, 'm.db'));
    try {
      expect(() =>
        migrate(db, [
          { version: 1, up: (d) => d.exec('CREATE TABLE a (x INTEGER)') },
          { version: 2, up: () => { throw new Error('step 2 broke'); } },
        ]),
      ).toThrow('step 2 broke');
      expect(db.pragma('user_version', { simple: true })).toBe(0);
      expect(db.pragma('application_id', { simple: true })).toBe(0);
      expect(db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get()).toBe(0);

      const run = migrate(db, [
        { version: 1, up: (d) => d.exec('CREATE TABLE a (x INTEGER)') },
        { version: 2, up: (d) => d.exec('CREATE TABLE b (y INTEGER)') },
      ]);
      expect(run).toEqual({ from: 0, to: 2 });
      // Only the new step runs on the next version.
      const next = migrate(db, [
        { version: 1, up: () => { throw new Error('must not rerun'); } },
        { version: 2, up: () => { throw new Error('must not rerun'); } },
        { version: 3, up: (d) => d.exec('CREATE TABLE c (z INTEGER)') },
      ]);
      expect(next).toEqual({ from: 2, to: 3 });
      expect(db.pragma('user_version', { simple: true })).toBe(3);
    } finally {
      db.close();
    }
  });

  it('rejects a migration list that is not strictly increasing', () => {
    const db = openSqlite(join(dir, 'm2.db'));
    try {
      expect(() => migrate(db, [{ version: 2, up: () => undefined }, { version: 2, up: () => undefined }])).toThrow(
        expect.objectContaining({ code: 'KIOSK_E_INTERNAL' }),
      );
    } finally {
      db.close();
    }
  });
});

describe('how hard open looks: full quick_check after an unclean end, header check after a clean close', () => {
  const marker = (path: string): string => `${path}-clean`;

  it('a cleanly closed journal reopens with the header check; the marker lives only while closed', () => {
    const path = join(dir, 'clean.db');
    journalWith(path, 20);
    expect(existsSync(marker(path))).toBe(true);
    const j = open(path);
    expect(j.openCheck).toBe('header');
    // Open for writing: a crash from here on must be met with a full check.
    expect(existsSync(marker(path))).toBe(false);
    j.append({ type: 'tx.opened', txId: 'T-next', bill });
    j.close();
    expect(existsSync(marker(path))).toBe(true);
    expect(open(path).openCheck).toBe('header');
  });

  it('a journal left by a crash (no marker, non-empty -wal) gets the full check', () => {
    const path = join(dir, 'live.db');
    const live = open(path);
    live.append({ type: 'tx.opened', txId: 'T1', bill });
    const copy = join(dir, 'crashed.db');
    copyFileSync(path, copy);
    copyFileSync(`${path}-wal`, `${copy}-wal`);
    const recovered = open(copy);
    expect(recovered.openCheck).toBe('full');
    expect(recovered.transaction('T1')?.state).toBe('open');
  });

  it('a -wal that appeared beside a clean marker means the marker is not to be trusted', () => {
    const path = join(dir, 'walled.db');
    journalWith(path, 3);
    writeFileSync(`${path}-wal`, Buffer.alloc(64, 7));
    const j = open(path);
    expect(j.openCheck).toBe('full');
    expect(j.lastSeq()).toBe(3);
  });

  it('a file rewritten after its clean close (same size, same bytes) gets the full check', () => {
    const path = join(dir, 'touched.db');
    journalWith(path, 5);
    writeFileSync(path, readFileSync(path));
    expect(open(path).openCheck).toBe('full');
  });

  it('a read-only open leaves the marker in place', () => {
    const path = join(dir, 'ro.db');
    journalWith(path, 2);
    const ro = open(path, true);
    expect(ro.openCheck).toBe('header');
    ro.close();
    expect(existsSync(marker(path))).toBe(true);
  });

  it('the header check still refuses a journal whose tables are gone', () => {
    const path = join(dir, 'gutted.db');
    journalWith(path, 2);
    const db = openSqlite(path);
    db.exec('DROP TABLE cashbox');
    db.close();
    // Forge the marker to describe the file as it is now: only the schema check stands between us and it.
    const st = statSync(path, { bigint: true });
    writeFileSync(marker(path), JSON.stringify({ dev: String(st.dev), ino: String(st.ino), size: String(st.size), mtimeNs: String(st.mtimeNs) }));
    const before = sha256(path);
    expect(refusal(path)).toBe('KIOSK_E_JOURNAL_CORRUPT');
    expect(sha256(path)).toBe(before);
  });
});
