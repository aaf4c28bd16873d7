import type { z } from 'zod';
import { KioskError, type ErrorCode } from '../errors/index.js';

/** One validation problem, addressed by a dotted path such as `devices.billValidator.port.baudRate`. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** `['telemetry','brokers',0,'url']` → `telemetry.brokers[0].url`; the empty path is `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Flattens zod issues, one entry per unknown key so each is reported at its own path. */
export function issuesFromZod(error: z.ZodError, prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatPath([...path, key]), message: 'unknown key' });
    } else {
      out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}

export function issuesError(code: ErrorCode, issues: readonly ConfigIssue[], what: string, cause?: unknown): KioskError {
  const head = issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`).join('; ');
  const more = issues.length > 3 ? ` (+${issues.length - 3} more)` : '';
  return new KioskError(code, `${what}: ${head}${more}`, { details: { issues }, cause });
}

/** Reads `details.issues` back from an error built by issuesError (or returns undefined). */
export function issuesOf(err: unknown): ConfigIssue[] | undefined {
  if (!(err instanceof KioskError)) return undefined;
  const issues = err.details['issues'];
  if (!Array.isArray(issues)) return undefined;
  return issues.filter(
    (i): i is ConfigIssue => typeof i === 'object' && i !== null && typeof (i as ConfigIssue).path === 'string' && typeof (i as ConfigIssue).message === 'string',
  );
}

/** One line per issue, `path: message`; other errors yield their code and message. */
export function formatConfigIssues(err: unknown): string {
  const issues = issuesOf(err);
  if (issues !== undefined && issues.length > 0) return issues.map((i) => `${i.path}: ${i.message}`).join('\n');
  if (err instanceof KioskError) {
    const file = err.details['file'];
    const line = err.details['line'];
    const column = err.details['column'];
    const where = typeof file === 'string' ? `${file}${typeof line === 'number' ? `:${line}:${String(column)}` : ''}: ` : '';
    return `${err.code}: ${where}${err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}
