import { CONFIG_EXIT_CODE, issuesOf, loadConfig } from '../../config/index.js';
import { toKioskError } from '../../errors/index.js';
import { EXIT, type CommandResult } from '../output.js';

export interface ConfigArgs { readonly dir?: string; readonly profile?: string }

/** `kioskctl config validate`: every schema error by path; exit 78 when the configuration is invalid. */
export async function configValidate(a: ConfigArgs): Promise<CommandResult> {
  try {
    const loaded = await loadConfig({ ...(a.dir ? { dir: a.dir } : {}), ...(a.profile ? { profile: a.profile } : {}) });
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
  const r = await configValidate(a);
  if (r.code !== EXIT.ok) return r;
  const loaded = await loadConfig({ ...(a.dir ? { dir: a.dir } : {}), ...(a.profile ? { profile: a.profile } : {}) });
  return { code: EXIT.ok, text: JSON.stringify(loaded.config, null, 2), json: loaded.config };
}
