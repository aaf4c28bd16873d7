import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isKioskError } from '../errors/index.js';
import { validateConfig } from './load.js';
import { deepMerge, type JsonObject } from './merge.js';
import { CONFIG_MIGRATIONS, migrateConfig } from './migrations.js';
import { CONFIG_SCHEMA_VERSION } from './schema.js';

const v1 = JSON.parse(readFileSync(new URL('../../config/default.json', import.meta.url), 'utf8')) as JsonObject;

/** The same settings as default.json, written in the v0 format. */
function v0Doc(): JsonObject {
  const doc = deepMerge(v1, {
    schemaVersion: null,
    transaction: { customerTimeoutMs: null, timeoutSeconds: 75 },
    devices: { billValidator: { port: null } },
  });
  const devices = doc['devices'] as JsonObject;
  devices['billValidator'] = { ...(devices['billValidator'] as JsonObject), port: '/dev/ttyACM0', baudRate: 9600 };
  return doc;
}

describe('migrateConfig', () => {
  it('has one step per version up to the current one', () => {
    expect(CONFIG_MIGRATIONS.map((m) => m.from)).toEqual([...Array(CONFIG_SCHEMA_VERSION).keys()]);
  });

  it('upgrades v0 to a valid v1 document without touching the input', () => {
    const input = v0Doc();
    const snapshot = structuredClone(input);
    const r = migrateConfig(input);
    expect(r.fromVersion).toBe(0);
    expect(r.applied).toEqual([0]);
    expect(input).toEqual(snapshot);
    const c = validateConfig(r.doc);
    expect(c.schemaVersion).toBe(1);
    expect(c.transaction.customerTimeoutMs).toBe(75000);
    expect(c.devices.billValidator).toMatchObject({ driver: 'ssp', port: { path: '/dev/ttyACM0', baudRate: 9600, binding: 'real' } });
  });

  it('leaves a current document alone', () => {
    const r = migrateConfig(v1);
    expect(r.applied).toEqual([]);
    expect(r.doc).toEqual(v1);
  });

  it('refuses a newer schemaVersion', () => {
    expect(() => migrateConfig({ ...v1, schemaVersion: CONFIG_SCHEMA_VERSION + 1 })).toThrow(
      expect.objectContaining({ code: 'KIOSK_E_CONFIG_VERSION' }),
    );
  });

  it('refuses a schemaVersion that is not a non-negative integer', () => {
    try {
      migrateConfig({ ...v1, schemaVersion: '1' });
      expect.unreachable();
    } catch (e) {
      expect(isKioskError(e, 'KIOSK_E_CONFIG_INVALID')).toBe(true);
    }
  });
});
