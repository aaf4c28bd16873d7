import { KioskError } from '../errors/index.js';
import { assertUsable, classify, readHeader } from './inspect.js';
import { JOURNAL_APPLICATION_ID, MIGRATIONS, type Migration } from './schema.js';
import type { SqliteDatabase } from './sqlite.js';

export interface MigrationRun {
  readonly from: number;
  readonly to: number;
}

/**
 * Brings the schema up to the last migration's version: every pending migration, the application id and
 * the user_version in ONE SQL transaction, so a crash or a failing step leaves the file as it was.
 */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[] = MIGRATIONS): MigrationRun {
  let prev = 0;
  for (const m of migrations) {
    if (!Number.isSafeInteger(m.version) || m.version <= prev) {
      throw new KioskError('KIOSK_E_INTERNAL', 'migrations must have strictly increasing positive versions');
    }
    prev = m.version;
  }
  const target = prev;
  const run = db.transaction((): MigrationRun => {
    // Re-read under the write lock: the file may have changed since the read-only inspection.
    const h = readHeader(db);
    assertUsable(classify(h, target), h, db.name, target);
    for (const m of migrations) if (m.version > h.userVersion) m.up(db);
    if (h.userVersion < target || h.applicationId !== JOURNAL_APPLICATION_ID) {
      db.pragma(`application_id = ${JOURNAL_APPLICATION_ID}`);
      db.pragma(`user_version = ${target}`);
    }
    return { from: h.userVersion, to: target };
  });
  return run.immediate();
}
