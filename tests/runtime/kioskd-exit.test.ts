import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

type Json = { [k: string]: unknown };

/** A copy of the shipped config dir with `path = value` edits applied to default.json. */
function configDir(edits: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'kioskd-cfg-'));
  dirs.push(dir);
  cpSync(join(repo, 'config'), dir, { recursive: true });
  const cfg = JSON.parse(readFileSync(join(dir, 'default.json'), 'utf8')) as Json;
  for (const [path, value] of Object.entries(edits)) {
    const keys = path.split('.');
    let node = cfg;
    for (const k of keys.slice(0, -1)) node = node[k] as Json;
    node[keys.at(-1)!] = value;
  }
  writeFileSync(join(dir, 'default.json'), JSON.stringify(cfg));
  return dir;
}

function kioskd(dir: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'src/runtime/main.ts'), '--config-dir', dir], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, KIOSKD_PROFILE: '' } });
  return { status: r.status, stderr: r.stderr };
}

describe('kioskd start-up with a bad configuration', () => {
  it('exits 78 and lists every error by path', () => {
    const dir = configDir({ 'terminal.currency': 'yuan', 'devices.billValidator.port.baudRate': 'fast', 'billing.colour': 'blue' });
    const r = kioskd(dir);
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('KIOSK_E_CONFIG_INVALID');
    expect(r.stderr).toMatch(/^terminal\.currency: /m);
    expect(r.stderr).toMatch(/^devices\.billValidator\.port\.baudRate: /m);
    expect(r.stderr).toMatch(/^billing\.colour: /m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 78 on a file that is not JSON, naming the file', () => {
    const dir = configDir();
    writeFileSync(join(dir, 'default.json'), '{ "schemaVersion": 1,');
    const r = kioskd(dir);
    expect(r.status).toBe(78);
    expect(r.stderr).toContain('KIOSK_E_CONFIG_UNREADABLE');
    expect(r.stderr).toContain('default.json');
  });

  it('exits 78 when a role names a simulator-only driver, rather than starting half a terminal', () => {
    const r = kioskd(configDir({ 'devices.scanner': { driver: 'fake' }, 'devices.panel': { driver: 'fake' } }));
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/^devices\.scanner\.driver: /m);
    expect(r.stderr).toMatch(/^devices\.panel\.driver: /m);
  });
});
