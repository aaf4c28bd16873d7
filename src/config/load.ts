import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorCode } from '../errors/index.js';
import { issuesError, issuesFromZod, issuesOf, type ConfigIssue } from './issues.js';
import { readJsonFile } from './json-text.js';
import { migrateConfig } from './migrations.js';
import { deepMerge, isPlainObject, type JsonObject } from './merge.js';
import { KioskConfigSchema, type KioskConfig } from './schema.js';
import { SettingsStore } from './settings-store.js';

/** sysexits.h EX_CONFIG: the runtime exits with this when the configuration is unusable. */
export const CONFIG_EXIT_CODE = 78;

/** src/config/load.ts and dist/config/load.js both sit two levels below the repo root. */
export const DEFAULT_CONFIG_DIR = fileURLToPath(new URL('../../config', import.meta.url));

const PROFILE_RE = /^[A-Za-z0-9_-]{1,64}$/;

export interface LoadConfigOptions {
  /** Directory holding default.json and profiles/. Default: `<repo>/config`. */
  readonly dir?: string;
  /** Profile name (`profiles/<name>.json`). Default: `env.KIOSKD_PROFILE`, else none. */
  readonly profile?: string;
  /** Settings (lowdb) file with runtime overrides. Default: `settings.path` from the config. */
  readonly overridesPath?: string;
  /** Programmatic overrides in the current schema, layered after the profile (e.g. the sim's gateway URL). */
  readonly overrides?: JsonObject;
  readonly env?: NodeJS.ProcessEnv;
}

/** Something that did not stop kioskd from starting but an operator must hear about. */
export interface ConfigWarning {
  readonly code: ErrorCode;
  readonly message: string;
  readonly issues?: readonly ConfigIssue[];
}

export interface LoadedConfig {
  /** The effective configuration: files, programmatic overrides and runtime settings, paths absolute. */
  readonly config: KioskConfig;
  /** What contributed, in merge order: file paths, `overrides:option`, the settings file. */
  readonly sources: string[];
  /** The configuration before runtime settings: validate new runtime overrides against this. */
  readonly base: KioskConfig;
  /** Relative paths in the config were resolved against this directory (the config dir's parent). */
  readonly root: string;
  /** The settings file that was (or would be) read. */
  readonly settingsPath: string;
  readonly warnings: ConfigWarning[];
}

/** Validates a whole config document; KIOSK_E_CONFIG_INVALID lists every issue by path. */
export function validateConfig(doc: unknown): KioskConfig {
  const r = KioskConfigSchema.safeParse(doc);
  if (!r.success) throw issuesError('KIOSK_E_CONFIG_INVALID', issuesFromZod(r.error), 'invalid configuration');
  return r.data;
}

/**
 * The config that `overrides` (runtime settings) would produce on top of `base`. Throws
 * KIOSK_E_CONFIG_INVALID. `settings` cannot be overridden: it locates the overrides themselves.
 * Suitable as the SettingsStore validator: `(o) => { validateWithOverrides(loaded.base, o); }`.
 */
export function validateWithOverrides(base: KioskConfig, overrides: JsonObject): KioskConfig {
  const extra: ConfigIssue[] = 'settings' in overrides ? [{ path: 'settings', message: 'cannot be overridden at run time' }] : [];
  let merged: KioskConfig | undefined;
  let issues: ConfigIssue[] = [];
  try {
    merged = validateConfig(deepMerge(base as unknown as JsonObject, overrides));
  } catch (e) {
    issues = issuesOf(e) ?? [{ path: '(root)', message: String(e) }];
  }
  if (merged === undefined || extra.length > 0) throw issuesError('KIOSK_E_CONFIG_INVALID', [...extra, ...issues], 'invalid runtime overrides');
  return merged;
}

function asObject(doc: unknown, file: string): JsonObject {
  if (isPlainObject(doc)) return doc;
  throw issuesError('KIOSK_E_CONFIG_INVALID', [{ path: '(root)', message: `${file} must hold a JSON object` }], 'invalid configuration');
}

const abs = (root: string, p: string): string => (isAbsolute(p) ? p : resolve(root, p));

/** Makes the file paths in a config absolute against `root`. */
export function resolveConfigPaths(config: KioskConfig, root: string): KioskConfig {
  return {
    ...config,
    journal: { path: abs(root, config.journal.path) },
    settings: { path: abs(root, config.settings.path) },
    log: config.log.file === undefined ? config.log : { ...config.log, file: abs(root, config.log.file) },
    telemetry: {
      ...config.telemetry,
      brokers: config.telemetry.brokers.map((b) => ({
        ...b,
        ...(b.passwordFile !== undefined ? { passwordFile: abs(root, b.passwordFile) } : {}),
        ...(b.caFile !== undefined ? { caFile: abs(root, b.caFile) } : {}),
        ...(b.certFile !== undefined ? { certFile: abs(root, b.certFile) } : {}),
        ...(b.keyFile !== undefined ? { keyFile: abs(root, b.keyFile) } : {}),
      })),
    },
  };
}

/**
 * default.json → profiles/<profile>.json → migrate → `opts.overrides` → validate → runtime overrides
 * from the settings store → validate again. A corrupt settings file or stored overrides that no
 * longer validate do not stop the boot: they are dropped and reported in `warnings`.
 */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const dir = resolve(opts.dir ?? DEFAULT_CONFIG_DIR);
  const root = dirname(dir);
  const sources: string[] = [];
  const warnings: ConfigWarning[] = [];

  const defaultFile = join(dir, 'default.json');
  let doc = asObject(await readJsonFile(defaultFile), defaultFile);
  sources.push(defaultFile);

  const profile = opts.profile ?? (env['KIOSKD_PROFILE'] !== '' ? env['KIOSKD_PROFILE'] : undefined);
  if (profile !== undefined) {
    if (!PROFILE_RE.test(profile)) {
      throw issuesError('KIOSK_E_CONFIG_INVALID', [{ path: '(profile)', message: `profile name "${profile}" must match ${PROFILE_RE.source}` }], 'invalid profile');
    }
    const profileFile = join(dir, 'profiles', `${profile}.json`);
    doc = deepMerge(doc, asObject(await readJsonFile(profileFile), profileFile));
    sources.push(profileFile);
  }

  doc = migrateConfig(doc).doc;
  if (opts.overrides !== undefined) {
    doc = deepMerge(doc, asObject(opts.overrides, 'overrides option'));
    sources.push('overrides:option');
  }
  const base = resolveConfigPaths(validateConfig(doc), root);

  const settingsPath = opts.overridesPath !== undefined ? resolve(opts.overridesPath) : base.settings.path;
  const store = await SettingsStore.open(settingsPath);
  if (store.recovered) warnings.push({ code: store.recovered.code, message: store.recovered.message });

  let config = base;
  const runtime = store.effectiveOverrides();
  if (Object.keys(runtime).length > 0) {
    try {
      config = resolveConfigPaths(validateWithOverrides(base, runtime), root);
      sources.push(settingsPath);
    } catch (e) {
      warnings.push({
        code: 'KIOSK_E_OVERRIDE_REFUSED',
        message: `runtime overrides in ${settingsPath} no longer validate; running without them`,
        issues: issuesOf(e) ?? [],
      });
    }
  }
  return { config, sources, base, root, settingsPath, warnings };
}
