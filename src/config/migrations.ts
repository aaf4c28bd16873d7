import { KioskError } from '../errors/index.js';
import { issuesError } from './issues.js';
import { isPlainObject, type JsonObject } from './merge.js';
import { CONFIG_SCHEMA_VERSION } from './schema.js';

/** Upgrades a whole (merged) config document by one version. Pure: never mutates its input. */
export interface ConfigMigration {
  /** The version this migration reads; it produces `from + 1`. A document without `schemaVersion` is v0. */
  readonly from: number;
  readonly describe: string;
  readonly up: (doc: JsonObject) => JsonObject;
}

/**
 * v0 is the prototype's format (no `schemaVersion`):
 * - `transaction.timeoutSeconds` (seconds) → `transaction.customerTimeoutMs` (milliseconds);
 * - `devices.billValidator.port` was a bare device path with `baudRate` beside it → a SerialPortCfg object.
 */
const v0ToV1: ConfigMigration = {
  from: 0,
  describe: 'timeoutSeconds → customerTimeoutMs; bill validator port string → SerialPortCfg',
  up(doc) {
    const out = structuredClone(doc);
    const tx = out['transaction'];
    if (isPlainObject(tx) && 'timeoutSeconds' in tx) {
      const s = tx['timeoutSeconds'];
      delete tx['timeoutSeconds'];
      // A non-number is carried over as is so validation reports it at its new path.
      if (!('customerTimeoutMs' in tx)) tx['customerTimeoutMs'] = typeof s === 'number' ? Math.round(s * 1000) : s;
    }
    const devices = out['devices'];
    const bv = isPlainObject(devices) ? devices['billValidator'] : undefined;
    if (isPlainObject(bv) && typeof bv['port'] === 'string') {
      const port: JsonObject = { path: bv['port'] };
      if ('baudRate' in bv) {
        port['baudRate'] = bv['baudRate'];
        delete bv['baudRate'];
      }
      bv['port'] = port;
    }
    out['schemaVersion'] = 1;
    return out;
  },
};

/** Ordered by `from`; each step upgrades by exactly one version. */
export const CONFIG_MIGRATIONS: readonly ConfigMigration[] = [v0ToV1];

export interface MigrationResult {
  readonly doc: JsonObject;
  /** The version the document declared (0 when it had no `schemaVersion`). */
  readonly fromVersion: number;
  /** `from` of each migration applied, in order. */
  readonly applied: readonly number[];
}

/** Brings a config document to CONFIG_SCHEMA_VERSION, or refuses one written for a newer kioskd. */
export function migrateConfig(doc: JsonObject, migrations: readonly ConfigMigration[] = CONFIG_MIGRATIONS, target: number = CONFIG_SCHEMA_VERSION): MigrationResult {
  const declared = doc['schemaVersion'];
  const fromVersion = declared === undefined ? 0 : declared;
  if (typeof fromVersion !== 'number' || !Number.isInteger(fromVersion) || fromVersion < 0) {
    throw issuesError('KIOSK_E_CONFIG_INVALID', [{ path: 'schemaVersion', message: 'must be a non-negative integer' }], 'invalid configuration');
  }
  if (fromVersion > target) {
    throw new KioskError('KIOSK_E_CONFIG_VERSION', `configuration schemaVersion ${fromVersion} is newer than the supported ${target}`, {
      details: { found: fromVersion, supported: target },
    });
  }
  let current = doc;
  const applied: number[] = [];
  for (let v = fromVersion; v < target; v++) {
    const step = migrations.find((m) => m.from === v);
    if (step === undefined) throw new KioskError('KIOSK_E_INTERNAL', `no configuration migration from version ${v}`);
    current = step.up(current);
    current = { ...current, schemaVersion: v + 1 };
    applied.push(v);
  }
  return { doc: current, fromVersion, applied };
}
