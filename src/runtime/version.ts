import { readFileSync } from 'node:fs';

/** kioskd's version from package.json (two levels up from both src/runtime and dist/runtime). */
export function kioskdVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
