import { closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  CONFIG_EXIT_CODE, DEFAULT_CONFIG_DIR, SettingsStore, issuesOf, loadConfig, migrateConfig, validateWithOverrides,
  type ConfigIssue, type JsonObject, type KioskConfig,
} from '../../config/index.js';
import { parseJsonText } from '../../config/json-text.js';
import { isPlainObject } from '../../config/merge.js';
import { toKioskError } from '../../errors/index.js';
import { EXIT, fail, type CommandResult } from '../output.js';

export interface ConfigArgs { readonly dir?: string; readonly profile?: string }

const loadOpts = (a: ConfigArgs): { dir?: string; profile?: string } => ({ ...(a.dir ? { dir: a.dir } : {}), ...(a.profile ? { profile: a.profile } : {}) });

/**
 * Secret files named by the configuration (broker password and private key) must be readable by the
 * service only: a key readable by group or others is reported as an error, by its config path.
 */
export function secretFileIssues(config: KioskConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  config.telemetry.brokers.forEach((b, i) => {
    for (const key of ['passwordFile', 'keyFile'] as const) {
      const file = b[key];
      if (file === undefined) continue;
      const path = `telemetry.brokers[${i}].${key}`;
      let mode: number;
      try { mode = statSync(file).mode; } catch (err) {
        issues.push({ path, message: `${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file does not exist' : (err as Error).message}` });
        continue;
      }
      if ((mode & 0o077) !== 0) issues.push({ path, message: `${file} has mode 0${(mode & 0o777).toString(8)}: a secret must not be readable by group or others (chmod 600)` });
    }
  });
  return issues;
}

/** `kioskctl config validate`: every schema error by path, and secret files' modes; exit 78 when invalid. */
export async function configValidate(a: ConfigArgs): Promise<CommandResult> {
  try {
    const loaded = await loadConfig(loadOpts(a));
    const secrets = secretFileIssues(loaded.config);
    if (secrets.length) {
      return {
        code: CONFIG_EXIT_CODE, text: ['configuration is invalid (KIOSK_E_CONFIG_INVALID):', ...secrets.map((i) => `${i.path}: ${i.message}`)].join('\n'),
        json: { valid: false, code: 'KIOSK_E_CONFIG_INVALID', issues: secrets, message: 'secret files are not private' },
      };
    }
    const warnings = loaded.warnings.map((w) => `warning ${w.code}: ${w.message}`);
    return {
      code: EXIT.ok,
      text: ['configuration is valid', `sources: ${loaded.sources.join(' → ')}`, ...warnings].join('\n'),
      json: { valid: true, sources: loaded.sources, warnings: loaded.warnings },
    };
  } catch (err) {
    const e = toKioskError(err, 'KIOSK_E_CONFIG_INVALID');
    const issues = issuesOf(e) ?? [];
    const lines = issues.length ? issues.map((i) => `${i.path}: ${i.message}`) : [e.message];
    return { code: CONFIG_EXIT_CODE, text: [`configuration is invalid (${e.code}):`, ...lines].join('\n'), json: { valid: false, code: e.code, issues, message: e.message } };
  }
}

/** `kioskctl config show`: the effective configuration, as kioskd would run it. */
export async function configShow(a: ConfigArgs): Promise<CommandResult> {
  try {
    const loaded = await loadConfig(loadOpts(a));
    return { code: EXIT.ok, text: JSON.stringify(loaded.config, null, 2), json: loaded.config };
  } catch {
    return configValidate(a);
  }
}

/** `a.b[2].c` → ['a','b',2,'c'] */
function parseKey(key: string): (string | number)[] | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*$/.test(key)) return undefined;
  const out: (string | number)[] = [];
  for (const m of key.matchAll(/([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/g)) out.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return out;
}

/** A value on the command line: JSON when it parses as JSON (numbers, booleans, objects), else a string. */
export function parseValue(text: string): unknown {
  try { return JSON.parse(text) as unknown; } catch { return text; }
}

/** Builds the override patch for one key. Array indices copy the current array and replace one element. */
function patchFor(path: (string | number)[], value: unknown, current: unknown): JsonObject {
  const build = (i: number, cur: unknown): unknown => {
    if (i === path.length) return value;
    const seg = path[i]!;
    if (typeof seg === 'number') {
      const arr = Array.isArray(cur) ? structuredClone(cur) as unknown[] : [];
      arr[seg] = build(i + 1, arr[seg]);
      return arr;
    }
    return { [seg]: build(i + 1, isPlainObject(cur) ? cur[seg] : undefined) };
  };
  return build(0, current) as JsonObject;
}

/**
 * `kioskctl config set KEY VALUE`: a runtime override in the settings store (validated against the whole
 * configuration first, written atomically with fsync). `--unset` withdraws it. Takes effect when kioskd
 * restarts.
 */
export async function configSet(a: ConfigArgs & { key: string; value?: string; unset?: boolean }): Promise<CommandResult> {
  const path = parseKey(a.key);
  if (!path) return fail(EXIT.usage, 'usage', `"${a.key}" is not a configuration key (example: billing.timeoutMs)`);
  if (path[0] === 'settings' || path[0] === 'schemaVersion') return fail(CONFIG_EXIT_CODE, 'refused', `${a.key} cannot be set at run time`);
  if (!a.unset && a.value === undefined) return fail(EXIT.usage, 'usage', 'config set needs a value (or --unset)');
  let loaded;
  try { loaded = await loadConfig(loadOpts(a)); } catch { return configValidate(a); }
  const value = a.unset ? null : parseValue(a.value!);
  let store: SettingsStore;
  try {
    mkdirSync(dirname(loaded.settingsPath), { recursive: true });
    store = await SettingsStore.open(loaded.settingsPath);
  } catch (err) {
    return fail(EXIT.cantCreate, 'settings-unwritable', `cannot open ${loaded.settingsPath}: ${(err as Error).message}`);
  }
  const validate = (o: JsonObject): void => { validateWithOverrides(loaded.base, o); };
  try {
    const identityKey = path.length === 2 && path[0] === 'terminal' && (path[1] === 'id' || path[1] === 'fleet');
    if (identityKey) await store.setIdentity({ [path[1] as 'id' | 'fleet']: value as string | null }, validate);
    else await store.setOverrides(patchFor(path, value, store.get().overrides), validate);
  } catch (err) {
    const e = toKioskError(err, 'KIOSK_E_OVERRIDE_REFUSED');
    const issues = issuesOf(e) ?? [];
    if ((e.details as { reason?: string }).reason === 'write-failed') return fail(EXIT.cantCreate, e.code, e.message);
    return {
      code: CONFIG_EXIT_CODE,
      text: [`refused (${e.code}); nothing was changed:`, ...(issues.length ? issues.map((i) => `${i.path}: ${i.message}`) : [e.message])].join('\n'),
      json: { changed: false, code: e.code, issues },
    };
  }
  return {
    code: EXIT.ok,
    text: `${a.key} ${a.unset ? 'withdrawn' : `= ${JSON.stringify(value)}`} in ${loaded.settingsPath}; restart kioskd to apply (systemctl restart kioskd)`,
    json: { changed: true, key: a.key, value, settings: loaded.settingsPath },
  };
}

/** Writes `text` beside `file`, fsyncs, renames over it and fsyncs the directory: all or nothing. */
export function writeAtomic(file: string, text: string, mode = 0o640): void {
  const tmp = join(dirname(file), `.${basename(file)}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, mode);
  try { writeSync(fd, text); fsyncSync(fd); } finally { closeSync(fd); }
  renameSync(tmp, file);
  const dfd = openSync(dirname(file), 'r');
  try { fsyncSync(dfd); } finally { closeSync(dfd); }
}

/** `kioskctl config init --config-dir DIR [--force]`: a starting configuration (the packaged defaults). */
export function configInit(a: { dir?: string; force?: boolean; template?: string }): CommandResult {
  const dir = resolve(a.dir ?? '/etc/kioskd');
  const file = join(dir, 'default.json');
  if (existsSync(file) && !a.force) return fail(EXIT.cantCreate, 'exists', `${file} already exists; use --force to replace it (the old file is kept as default.json.bak)`);
  let template: string;
  // Installed: the package's pristine copy (DEFAULT_CONFIG_DIR then points at /etc/kioskd itself).
  const packaged = '/usr/share/kioskd/default.json';
  try { template = readFileSync(a.template ?? (existsSync(packaged) ? packaged : join(DEFAULT_CONFIG_DIR, 'default.json')), 'utf8'); } catch (err) {
    return fail(EXIT.noInput, 'no-template', `cannot read the packaged default configuration: ${(err as Error).message}`);
  }
  try {
    mkdirSync(join(dir, 'profiles'), { recursive: true, mode: 0o750 });
    if (existsSync(file)) writeAtomic(`${file}.bak`, readFileSync(file, 'utf8'));
    writeAtomic(file, template);
  } catch (err) {
    return fail(EXIT.cantCreate, 'cannot-write', `cannot write ${file}: ${(err as Error).message}`);
  }
  return {
    code: EXIT.ok,
    text: `wrote ${file}\nnext: edit the device ports (kioskctl ports, kioskctl probe PORT), then kioskctl provision and kioskctl config validate`,
    json: { written: file },
  };
}

/** `kioskctl config migrate [--dry-run]`: brings default.json to the current schema version (backup kept). */
export async function configMigrate(a: ConfigArgs & { dryRun?: boolean }): Promise<CommandResult> {
  const dir = resolve(a.dir ?? DEFAULT_CONFIG_DIR);
  const file = join(dir, 'default.json');
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (err) {
    return fail(EXIT.noInput, 'not-found', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let result;
  try {
    const doc = parseJsonText(text, file);
    if (!isPlainObject(doc)) return fail(CONFIG_EXIT_CODE, 'KIOSK_E_CONFIG_INVALID', `${file} must hold a JSON object`);
    result = migrateConfig(doc);
  } catch (err) {
    const e = toKioskError(err, 'KIOSK_E_CONFIG_INVALID');
    return fail(e.code === 'KIOSK_E_CONFIG_VERSION' ? EXIT.dataErr : CONFIG_EXIT_CODE, e.code, e.message);
  }
  if (result.applied.length === 0) return { code: EXIT.ok, text: `${file} is already at schema version ${result.fromVersion}`, json: { migrated: false, version: result.fromVersion } };
  const to = result.fromVersion + result.applied.length;
  if (!a.dryRun) {
    try {
      writeAtomic(`${file}.v${result.fromVersion}.bak`, text);
      writeAtomic(file, `${JSON.stringify(result.doc, null, 2)}\n`);
    } catch (err) {
      return fail(EXIT.cantCreate, 'cannot-write', `cannot write ${file}: ${(err as Error).message}`);
    }
  }
  const check = a.dryRun ? undefined : await configValidate(a);
  return {
    code: check && check.code !== EXIT.ok ? check.code : EXIT.ok,
    text: [`${file}: schema version ${result.fromVersion} → ${to}${a.dryRun ? ' (dry run, nothing written)' : ` (old file kept as default.json.v${result.fromVersion}.bak)`}`, ...(check ? [check.text] : [JSON.stringify(result.doc, null, 2)])].join('\n'),
    json: { migrated: !a.dryRun, from: result.fromVersion, to, ...(a.dryRun ? { doc: result.doc } : {}), ...(check ? { validation: check.json } : {}) },
  };
}
