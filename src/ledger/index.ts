export { Journal, type JournalOptions } from './journal.js';
export type { OpenCheck } from './inspect.js';
export { project, creditedSeq, type ProjectionContext } from './projector.js';
export { JOURNAL_APPLICATION_ID, SCHEMA_VERSION } from './schema.js';
export type { SqliteDatabase, SqliteStatement, RunResult } from './sqlite.js';
export type {
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
