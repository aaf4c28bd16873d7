import { createRequire } from 'node:module';

/*
 * The typed boundary to better-sqlite3. The project has no @types/better-sqlite3, so the few members the
 * ledger uses are declared here and the untyped module is cast once, below.
 */

export interface RunResult {
  readonly changes: number;
  readonly lastInsertRowid: number | bigint;
}

export interface SqliteStatement {
  run(...params: readonly unknown[]): RunResult;
  get(...params: readonly unknown[]): unknown;
  all(...params: readonly unknown[]): unknown[];
  /** Return only the first column of each row. */
  pluck(toggle?: boolean): this;
}

export interface SqliteTransaction<A extends unknown[], R> {
  (...args: A): R;
  /** BEGIN IMMEDIATE: take the write lock up front instead of upgrading mid-transaction. */
  immediate(...args: A): R;
}

export interface SqliteDatabase {
  readonly open: boolean;
  readonly inTransaction: boolean;
  readonly readonly: boolean;
  readonly name: string;
  prepare(sql: string): SqliteStatement;
  exec(sql: string): this;
  pragma(source: string, options?: { readonly simple?: boolean }): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): SqliteTransaction<A, R>;
  close(): this;
}

export interface SqliteOpenOptions {
  readonly readonly?: boolean;
  readonly fileMustExist?: boolean;
  /** Busy timeout in ms. */
  readonly timeout?: number;
}

type SqliteConstructor = new (filename: string, options?: SqliteOpenOptions) => SqliteDatabase;

const require = createRequire(import.meta.url);
const BetterSqlite3 = require('better-sqlite3') as SqliteConstructor;

export function openSqlite(path: string, options: SqliteOpenOptions = {}): SqliteDatabase {
  return new BetterSqlite3(path, options);
}

/** An error raised by SQLite itself (better-sqlite3's SqliteError), with its extended result code. */
export function sqliteCode(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const code = (e as { code?: unknown }).code;
  return e.name === 'SqliteError' && typeof code === 'string' ? code : undefined;
}
