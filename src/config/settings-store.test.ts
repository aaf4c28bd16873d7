import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KioskError } from '../errors/index.js';
import { nodeDurableFs } from './durable-file.js';
import { issuesError, issuesOf } from './issues.js';
import type { JsonObject } from './merge.js';
import { SettingsStore } from './settings-store.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kioskd-settings-'));
  file = join(dir, 'settings.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Refuses any override whose billing.retries is above 5, like the real schema would. */
const validate = (o: JsonObject): void => {
  const billing = o['billing'] as JsonObject | undefined;
  const retries = billing?.['retries'];
  if (typeof retries === 'number' && retries > 5) {
    throw issuesError('KIOSK_E_CONFIG_INVALID', [{ path: 'billing.retries', message: 'must be <= 5' }], 'invalid');
  }
};

async function refusal(p: Promise<unknown>): Promise<KioskError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof KioskError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('SettingsStore', () => {
  it('starts empty without a file and does not create one on open', async () => {
    const s = await SettingsStore.open(file);
    expect(s.get()).toEqual({ version: 1, identity: {}, overrides: {}, inventory: {} });
    expect(s.recovered).toBeUndefined();
    expect(existsSync(file)).toBe(false);
  });

  it('persists accepted overrides and reads them back', async () => {
    const s = await SettingsStore.open(file);
    await s.setOverrides({ billing: { retries: 3 } }, validate);
    await s.setOverrides({ log: { level: 'debug' } }, validate);
    const again = await SettingsStore.open(file);
    expect(again.effectiveOverrides()).toEqual({ billing: { retries: 3 }, log: { level: 'debug' } });
  });

  it('refuses a bad override and keeps the last good file content', async () => {
    const s = await SettingsStore.open(file);
    await s.setOverrides({ billing: { retries: 2 } }, validate);
    const good = await readFile(file, 'utf8');

    const e = await refusal(s.setOverrides({ billing: { retries: 9 } }, validate));
    expect(e.code).toBe('KIOSK_E_OVERRIDE_REFUSED');
    expect(issuesOf(e)).toEqual([{ path: 'billing.retries', message: 'must be <= 5' }]);
    expect(await readFile(file, 'utf8')).toBe(good);
    expect(s.effectiveOverrides()).toEqual({ billing: { retries: 2 } });
  });

  it('passes the merged overrides (identity included) to the validator', async () => {
    const s = await SettingsStore.open(file);
    const seen: JsonObject[] = [];
    await s.setOverrides({ billing: { retries: 1 } }, () => undefined);
    await s.setIdentity({ id: 'K-17' }, (o) => { seen.push(o); });
    expect(seen).toEqual([{ billing: { retries: 1 }, terminal: { id: 'K-17' } }]);
    await s.setIdentity({ id: null }, () => undefined);
    expect(s.effectiveOverrides()).toEqual({ billing: { retries: 1 } });
  });

  it('keeps the old state when the write fails', async () => {
    await (await SettingsStore.open(file)).setOverrides({ billing: { retries: 1 } }, validate);
    const failing = await SettingsStore.open(file, {
      fs: { ...nodeDurableFs, rename: () => Promise.reject(Object.assign(new Error('EIO'), { code: 'EIO' })) },
    });
    const e = await refusal(failing.setOverrides({ billing: { retries: 2 } }, validate));
    expect(e.code).toBe('KIOSK_E_OVERRIDE_REFUSED');
    expect(e.retryable).toBe(true);
    expect(failing.effectiveOverrides()).toEqual({ billing: { retries: 1 } });
    expect((await SettingsStore.open(file)).effectiveOverrides()).toEqual({ billing: { retries: 1 } });
  });

  it('withdraws an override with null', async () => {
    const s = await SettingsStore.open(file);
    await s.setOverrides({ billing: { retries: 1, timeoutMs: 500 } }, validate);
    await s.setOverrides({ billing: { retries: null } }, validate);
    expect((await SettingsStore.open(file)).effectiveOverrides()).toEqual({ billing: { timeoutMs: 500 } });
  });

  it('keeps a device inventory apart from the overrides', async () => {
    const s = await SettingsStore.open(file);
    await s.setInventory('billValidator', { model: 'NV200', serial: '123', seenAt: '2025-01-01T00:00:00Z' });
    const again = await SettingsStore.open(file);
    expect(again.get().inventory).toEqual({ billValidator: { model: 'NV200', serial: '123', seenAt: '2025-01-01T00:00:00Z' } });
    expect(again.effectiveOverrides()).toEqual({});
    const bad = await refusal(again.setInventory('printer', { model: 5 } as unknown as { model: string }));
    expect(bad.code).toBe('KIOSK_E_OVERRIDE_REFUSED');
  });

  it('moves a corrupt file aside, starts empty and says so', async () => {
    await writeFile(file, '{"version":1,"overrides":{');
    const s = await SettingsStore.open(file);
    expect(s.recovered?.code).toBe('KIOSK_E_SETTINGS_CORRUPT');
    expect(s.recovered?.movedTo).toBe(`${file}.corrupt-1`);
    expect(await readFile(`${file}.corrupt-1`, 'utf8')).toBe('{"version":1,"overrides":{');
    expect(s.effectiveOverrides()).toEqual({});

    // A second corrupt file does not overwrite the first copy.
    await writeFile(file, '"just a string"');
    const t = await SettingsStore.open(file);
    expect(t.recovered?.movedTo).toBe(`${file}.corrupt-2`);
    await t.setOverrides({ billing: { retries: 1 } }, validate);
    expect((await SettingsStore.open(file)).recovered).toBeUndefined();
  });

  it('treats a file from an unknown settings version as unusable', async () => {
    await writeFile(file, JSON.stringify({ version: 2, overrides: {} }));
    expect((await SettingsStore.open(file)).recovered?.code).toBe('KIOSK_E_SETTINGS_CORRUPT');
  });
});
