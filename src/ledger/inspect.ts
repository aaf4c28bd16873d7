import { statSync } from 'node:fs';
import { KioskError } from '../errors/index.js';
import { JOURNAL_APPLICATION_ID, PROJECTION_NAMES } from './schema.js';
import { openSqlite, sqliteCode, type SqliteDatabase } from './sqlite.js';

export interface FileHeader {
  readonly applicationId: number;
  readonly userVersion: number;
  readonly tableCount: number;
}

export type FileKind = 'fresh' | 'kioskd' | 'foreign' | 'newer';

/** What a database is, from its header alone. 'fresh': an empty SQLite file we may initialise. */
export function classify(h: FileHeader, supportedVersion: number): FileKind {
  if (h.applicationId === 0) return h.tableCount === 0 && h.userVersion === 0 ? 'fresh' : 'foreign';
  if (h.applicationId !== JOURNAL_APPLICATION_ID) return 'foreign';
  return h.userVersion > supportedVersion ? 'newer' : 'kioskd';
}

export function readHeader(db: SqliteDatabase): FileHeader {
  return {
    applicationId: Number(db.pragma('application_id', { simple: true })),
    userVersion: Number(db.pragma('user_version', { simple: true })),
    tableCount: Number(db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get()),
  };
}

/** Throws the KioskError that a refused file deserves; returns for a file we may use. */
export function assertUsable(kind: FileKind, h: FileHeader, path: string, supportedVersion: number): void {
  if (kind === 'foreign') {
    throw new KioskError('KIOSK_E_JOURNAL_FOREIGN', undefined, { details: { path, applicationId: h.applicationId } });
  }
  if (kind === 'newer') {
    throw new KioskError('KIOSK_E_JOURNAL_VERSION', undefined, {
      details: { path, fileVersion: h.userVersion, supportedVersion },
    });
  }
}

function isCorruption(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** Maps an error met while opening or inspecting to the journal's open codes. */
export function openError(e: unknown, path: string): KioskError {
  if (e instanceof KioskError) return e;
  const code = sqliteCode(e);
  if (isCorruption(code)) return new KioskError('KIOSK_E_JOURNAL_CORRUPT', undefined, { cause: e, details: { path, sqliteCode: code } });
  const busy = code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
  return new KioskError('KIOSK_E_JOURNAL_OPEN', undefined, { cause: e, retryable: busy, details: { path, sqliteCode: code } });
}

/**
 * How hard to look at an existing file: 'full' runs quick_check (every page, O(size)); 'header' reads the
 * header, the schema and the newest event only (O(1)) — for a file known to be as a clean close left it.
 */
export type OpenCheck = 'full' | 'header';

export type Inspection =
  | { readonly kind: 'absent' }
  | { readonly kind: 'fresh' }
  | { readonly kind: 'kioskd'; readonly userVersion: number };

/**
 * Looks at an existing file through a READ-ONLY connection, so that a foreign, corrupt or newer file is
 * refused before anything could write to it. A read-only connection cannot checkpoint or rewrite the file.
 */
export function inspectJournalFile(path: string, supportedVersion: number, check: OpenCheck = 'full'): Inspection {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw new KioskError('KIOSK_E_JOURNAL_OPEN', undefined, { cause: e, details: { path } });
  }
  if (!isFile) throw new KioskError('KIOSK_E_JOURNAL_OPEN', 'journal path is not a regular file', { details: { path } });

  let db: SqliteDatabase | undefined;
  try {
    db = openSqlite(path, { readonly: true, fileMustExist: true });
    const h = readHeader(db);
    const kind = classify(h, supportedVersion);
    assertUsable(kind, h, path, supportedVersion);
    if (kind === 'fresh') return { kind: 'fresh' };
    if (check === 'header') {
      if (h.userVersion === supportedVersion) assertSchema(db, path);
      return { kind: 'kioskd', userVersion: h.userVersion };
    }
    // quick_check reads every page (O(size)) but skips the index cross-checks of integrity_check.
    const problems = db.prepare('PRAGMA quick_check(1)').pluck().all();
    if (problems.length !== 1 || problems[0] !== 'ok') {
      throw new KioskError('KIOSK_E_JOURNAL_CORRUPT', undefined, { details: { path, quickCheck: String(problems[0]) } });
    }
    return { kind: 'kioskd', userVersion: h.userVersion };
  } catch (e) {
    throw openError(e, path);
  } finally {
    db?.close();
  }
}

/** The cheap check: every table of the current schema is there, and the newest event can be read. */
function assertSchema(db: SqliteDatabase, path: string): void {
  const wanted = ['events', ...PROJECTION_NAMES];
  const have = new Set(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all());
  const missing = wanted.filter((t) => !have.has(t));
  if (missing.length) throw new KioskError('KIOSK_E_JOURNAL_CORRUPT', 'journal tables missing', { details: { path, missing: missing.join(',') } });
  // Descends the events b-tree along its right edge: a damaged root or last leaf shows up here.
  db.prepare('SELECT seq, payload FROM events ORDER BY seq DESC LIMIT 1').get();
}
