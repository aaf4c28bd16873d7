import type { SqliteDatabase, SqliteStatement } from '../ledger/index.js';

/*
 * What has been spent, kept in the journal's database so a restart does not reopen old commands. Nonces
 * are bounded: when the table is full the nonces that expire first are forgotten, and the floor rises to
 * the latest expiry forgotten, so any command whose expiry is at or below the floor counts as replayed.
 * That stays sound without a synchronised clock (it compares the commands' own expiries). Counters are one
 * row per signing key.
 */
const REPLAY_DDL = `
CREATE TABLE IF NOT EXISTS command_nonce (
  nonce TEXT PRIMARY KEY,
  expires INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS command_nonce_by_expiry ON command_nonce(expires);
CREATE TABLE IF NOT EXISTS command_state (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
`;

const FLOOR = 'nonce-floor';

export interface ReplayGuardOptions {
  /** Nonces remembered at most. */
  readonly maxNonces: number;
}

export class ReplayGuard {
  private readonly hasNonce: SqliteStatement;
  private readonly insertNonce: SqliteStatement;
  private readonly countNonces: SqliteStatement;
  private readonly oldest: SqliteStatement;
  private readonly deleteUpTo: SqliteStatement;
  private readonly getState: SqliteStatement;
  private readonly setState: SqliteStatement;
  private readonly spendNonce: (nonce: string, expires: number) => void;
  private readonly spendCounter: (keyId: string, counter: number) => void;

  constructor(db: SqliteDatabase, private readonly o: ReplayGuardOptions) {
    db.transaction(() => { db.exec(REPLAY_DDL); })();
    this.hasNonce = db.prepare('SELECT 1 FROM command_nonce WHERE nonce = ?').pluck();
    this.insertNonce = db.prepare('INSERT INTO command_nonce (nonce, expires) VALUES (?, ?)');
    this.countNonces = db.prepare('SELECT count(*) FROM command_nonce').pluck();
    this.oldest = db.prepare('SELECT expires FROM command_nonce ORDER BY expires LIMIT 1 OFFSET ?').pluck();
    this.deleteUpTo = db.prepare('DELETE FROM command_nonce WHERE expires <= ?');
    this.getState = db.prepare('SELECT value FROM command_state WHERE name = ?').pluck();
    this.setState = db.prepare('INSERT INTO command_state (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value');
    this.spendNonce = db.transaction((nonce: string, expires: number) => {
      this.insertNonce.run(nonce, expires);
      const n = Number(this.countNonces.get());
      if (n <= this.o.maxNonces) return;
      // Forget the earliest-expiring tenth (at least the overflow) and raise the floor over them.
      const drop = Math.max(n - this.o.maxNonces, Math.ceil(this.o.maxNonces / 10));
      const cut = Number(this.oldest.get(drop - 1));
      this.deleteUpTo.run(cut);
      this.setState.run(FLOOR, Math.max(cut, this.floor()));
    });
    this.spendCounter = db.transaction((keyId: string, counter: number) => { this.setState.run(`counter:${keyId}`, counter); });
  }

  /** True when the nonce was spent already, or is at or below the floor of forgotten ones. */
  nonceSeen(nonce: string, expires: number): boolean {
    return expires <= this.floor() || this.hasNonce.get(nonce) !== undefined;
  }

  /** True unless `counter` is above the last accepted one for this key. */
  counterSeen(keyId: string, counter: number): boolean {
    const last = this.getState.get(`counter:${keyId}`);
    return typeof last === 'number' && counter <= last;
  }

  /** Records a command as spent (committed before it is applied). */
  spend(c: { readonly nonce?: string | undefined; readonly counter?: number | undefined; readonly expires: number }, keyId: string): void {
    if (c.nonce !== undefined) this.spendNonce(c.nonce, c.expires);
    else if (c.counter !== undefined) this.spendCounter(keyId, c.counter);
  }

  private floor(): number {
    const v = this.getState.get(FLOOR);
    return typeof v === 'number' ? v : 0;
  }
}
