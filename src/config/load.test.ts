import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KioskError } from '../errors/index.js';
import { formatConfigIssues, issuesOf } from './issues.js';
import { CONFIG_EXIT_CODE, DEFAULT_CONFIG_DIR, loadConfig, validateWithOverrides, type LoadConfigOptions } from './load.js';
import type { JsonObject } from './merge.js';
import { SettingsStore } from './settings-store.js';

let tmp: string;
let settings: string;
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'kioskd-load-'));
  settings = join(tmp, 'settings.json');
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A copy of the repo's config dir at <tmp>/kiosk/config that a test may edit. */
async function configCopy(): Promise<string> {
  const dir = join(tmp, 'kiosk', 'config');
  await cp(DEFAULT_CONFIG_DIR, dir, { recursive: true });
  return dir;
}

/** Sets (or with undefined deletes) dotted paths in a JSON file. */
async function editJson(file: string, changes: Record<string, unknown>): Promise<void> {
  const doc = JSON.parse(await readFile(file, 'utf8')) as JsonObject;
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    const last = keys.pop() ?? '';
    let node = doc;
    for (const k of keys) node = node[k] as JsonObject;
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  await writeFile(file, JSON.stringify(doc, null, 2));
}

async function loadError(opts: LoadConfigOptions): Promise<KioskError> {
  try {
    await loadConfig(opts);
  } catch (e) {
    if (e instanceof KioskError) return e;
    throw e;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('loads the production defaults', async () => {
    const { config, sources, warnings } = await loadConfig({ env: {}, overridesPath: settings });
    expect(config.terminal).toMatchObject({ locale: 'zh-CN', currency: 'CNY', hotline: '95598' });
    expect(config.devices.billValidator).toMatchObject({ driver: 'ssp', port: { path: '/dev/kiosk/validator' } });
    expect(config.journal.path).toBe('/var/lib/kioskd/journal.db');
    expect(config.telemetry.brokers).toEqual([{ url: 'mqtt://127.0.0.1:1883', protocolVersion: 4 }]);
    expect(sources).toEqual([join(DEFAULT_CONFIG_DIR, 'default.json')]);
    expect(warnings).toEqual([]);
  });

  it('loads the sim profile named by KIOSKD_PROFILE, with repo-relative paths resolved', async () => {
    const { config, sources, root } = await loadConfig({ env: { KIOSKD_PROFILE: 'sim' }, overridesPath: settings });
    expect(Object.values(config.devices).map((d) => d.driver)).toEqual(['fake', 'fake', 'fake', 'fake', 'fake', 'fake', 'none']);
    expect(config.journal.path).toBe(join(root, 'var', 'journal.db'));
    expect(config.settings.path).toBe(join(root, 'var', 'settings.json'));
    expect(config.telemetry.embeddedBroker).toEqual({ enabled: true, host: '127.0.0.1', port: 1883 });
    expect(sources).toEqual([join(DEFAULT_CONFIG_DIR, 'default.json'), join(DEFAULT_CONFIG_DIR, 'profiles', 'sim.json')]);
  });

  it('resolves relative paths against the config dir parent', async () => {
    const dir = await configCopy();
    const { config } = await loadConfig({ dir, profile: 'sim', overridesPath: settings, env: {} });
    expect(config.journal.path).toBe(join(tmp, 'kiosk', 'var', 'journal.db'));
  });

  it('applies the overrides option after the profile and validates it', async () => {
    const { config, sources } = await loadConfig({ profile: 'sim', env: {}, overridesPath: settings, overrides: { billing: { gatewayUrl: 'http://127.0.0.1:41234' } } });
    expect(config.billing.gatewayUrl).toBe('http://127.0.0.1:41234');
    expect(sources.at(-1)).toBe('overrides:option');
    const e = await loadError({ profile: 'sim', env: {}, overridesPath: settings, overrides: { billing: { gatewayUrl: 'nope' } } });
    expect(issuesOf(e)?.map((i) => i.path)).toEqual(['billing.gatewayUrl']);
  });

  it('lists every validation issue by path', async () => {
    const dir = await configCopy();
    await editJson(join(dir, 'default.json'), {
      'devices.billValidator.port.baudRate': 'fast',
      'telemetry.heartbeatMs': 10,
      'terminal.colour': 'red',
    });
    const e = await loadError({ dir, env: {}, overridesPath: settings });
    expect(e.code).toBe('KIOSK_E_CONFIG_INVALID');
    expect(issuesOf(e)?.map((i) => i.path).sort()).toEqual(['devices.billValidator.port.baudRate', 'telemetry.heartbeatMs', 'terminal.colour']);
    expect(formatConfigIssues(e).split('\n')).toHaveLength(3);
    expect(CONFIG_EXIT_CODE).toBe(78);
  });

  it('names file, line and column of a JSON syntax error', async () => {
    const dir = await configCopy();
    await writeFile(join(dir, 'profiles', 'broken.json'), '{\n  "log": { "level": "debug", }\n}\n');
    const e = await loadError({ dir, profile: 'broken', env: {}, overridesPath: settings });
    expect(e.code).toBe('KIOSK_E_CONFIG_UNREADABLE');
    expect(e.details).toMatchObject({ file: join(dir, 'profiles', 'broken.json'), line: 2 });
  });

  it('reports a missing profile as unreadable and refuses a path-like profile name', async () => {
    expect((await loadError({ profile: 'nosuch', env: {}, overridesPath: settings })).code).toBe('KIOSK_E_CONFIG_UNREADABLE');
    expect((await loadError({ profile: '../default', env: {}, overridesPath: settings })).code).toBe('KIOSK_E_CONFIG_INVALID');
  });

  it('refuses a config written for a newer kioskd', async () => {
    const dir = await configCopy();
    await editJson(join(dir, 'default.json'), { schemaVersion: 2 });
    expect((await loadError({ dir, env: {}, overridesPath: settings })).code).toBe('KIOSK_E_CONFIG_VERSION');
  });

  it('migrates a v0 default.json', async () => {
    const dir = await configCopy();
    await editJson(join(dir, 'default.json'), {
      schemaVersion: undefined,
      'transaction.customerTimeoutMs': undefined,
      'transaction.timeoutSeconds': 120,
    });
    const { config } = await loadConfig({ dir, env: {}, overridesPath: settings });
    expect(config.transaction.customerTimeoutMs).toBe(120000);
  });

  it('layers runtime overrides from the settings store last', async () => {
    const store = await SettingsStore.open(settings);
    const first = await loadConfig({ env: {}, overridesPath: settings });
    await store.setOverrides({ log: { level: 'debug' }, transaction: { maxSurplus: 0 } }, (o) => { validateWithOverrides(first.base, o); });
    await store.setIdentity({ id: 'GZ-0042', fleet: 'guangzhou' }, (o) => { validateWithOverrides(first.base, o); });

    const { config, base, sources } = await loadConfig({ env: {}, overridesPath: settings });
    expect(config.log.level).toBe('debug');
    expect(config.transaction.maxSurplus).toBe(0);
    expect(config.terminal).toMatchObject({ id: 'GZ-0042', fleet: 'guangzhou' });
    expect(base.terminal.id).toBe('UNPROVISIONED');
    expect(sources.at(-1)).toBe(settings);
  });

  it('refuses a runtime override that breaks the config, or that moves the settings file', async () => {
    const { base } = await loadConfig({ env: {}, overridesPath: settings });
    const store = await SettingsStore.open(settings);
    await store.setOverrides({ billing: { retries: 1 } }, (o) => { validateWithOverrides(base, o); });
    const before = await readFile(settings, 'utf8');
    for (const patch of [{ billing: { retries: 6 } }, { settings: { path: '/tmp/x.json' } }]) {
      await expect(store.setOverrides(patch, (o) => { validateWithOverrides(base, o); })).rejects.toMatchObject({ code: 'KIOSK_E_OVERRIDE_REFUSED' });
    }
    expect(await readFile(settings, 'utf8')).toBe(before);
  });

  it('boots without stored overrides that no longer validate, and says so', async () => {
    await writeFile(settings, JSON.stringify({ version: 1, overrides: { billing: { retries: 99 } } }));
    const { config, warnings } = await loadConfig({ env: {}, overridesPath: settings });
    expect(config.billing.retries).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.code).toBe('KIOSK_E_OVERRIDE_REFUSED');
    expect(warnings[0]?.issues?.map((i) => i.path)).toEqual(['billing.retries']);
    expect(existsSync(settings)).toBe(true);
  });

  it('boots with a corrupt settings file set aside, and says so', async () => {
    await writeFile(settings, '\u0000\u0000\u0000');
    const { config, warnings } = await loadConfig({ env: {}, overridesPath: settings });
    expect(config.terminal.id).toBe('UNPROVISIONED');
    expect(warnings.map((w) => w.code)).toEqual(['KIOSK_E_SETTINGS_CORRUPT']);
    expect(existsSync(`${settings}.corrupt-1`)).toBe(true);
  });
});
