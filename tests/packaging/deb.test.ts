import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'kioskd-deb-'));
const root = join(work, 'root');
const stubs = join(work, 'stubs');
const calls = join(work, 'calls.log');
const users = join(work, 'users');
let deb = '';

/** Commands the maintainer scripts call, recorded instead of run (they would touch the host). */
function makeStubs(): void {
  mkdirSync(stubs, { recursive: true });
  for (const cmd of ['adduser', 'addgroup', 'systemctl', 'udevadm', 'chown', 'deb-systemd-helper']) {
    const remember = cmd === 'adduser' || cmd === 'addgroup' ? `echo "${cmd} $*" >> "${users}"\n` : '';
    writeFileSync(join(stubs, cmd), `#!/bin/sh\necho "${cmd} $*" >> "${calls}"\n${remember}exit 0\n`);
    chmodSync(join(stubs, cmd), 0o755);
  }
  // getent: the user exists only once adduser ran.
  writeFileSync(join(stubs, 'getent'), `#!/bin/sh\ngrep -q "^adduser .*kioskd$" "${users}" 2>/dev/null && [ "$1" = passwd ] && exit 0\ngrep -q "^addgroup .*kioskd$" "${users}" 2>/dev/null && [ "$1" = group ] && exit 0\nexit 2\n`);
  chmodSync(join(stubs, 'getent'), 0o755);
}

function dpkg(...args: string[]): string {
  return execFileSync('dpkg', [`--root=${root}`, '--force-depends', '--force-script-chrootless', '--force-not-root', '--log=/dev/null', ...args], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${stubs}:${process.env['PATH']}`, DPKG_ROOT: root },
  });
}
const log = (): string[] => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []);
const clearLog = (): void => writeFileSync(calls, '');

beforeAll(() => {
  makeStubs();
  for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers', 'run/systemd/system']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'var/lib/dpkg/status'), '');
  writeFileSync(join(root, 'var/lib/dpkg/available'), '');
  if (!existsSync(join(repo, 'dist', 'runtime', 'main.js')) || !existsSync(join(repo, 'dist', 'cli', 'main.js'))) execFileSync('npm', ['run', '-s', 'build'], { cwd: repo, stdio: 'ignore' });
  deb = execFileSync('bash', [join(repo, 'packaging', 'build-deb.sh'), '--skip-build', '--out', join(work, 'out'), '--compress', 'none'], { cwd: repo, encoding: 'utf8' }).trim().split('\n').at(-1)!;
}, 240_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('kioskd .deb', () => {
  it('has the layout: compiled JS, production node_modules, unit, udev, polkit, journald, /etc/kioskd conffile', () => {
    const contents = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' });
    for (const p of [
      './usr/lib/kioskd/dist/runtime/main.js', './usr/lib/kioskd/dist/cli/main.js', './usr/lib/kioskd/bin/kioskd.js',
      './usr/lib/kioskd/node_modules/better-sqlite3/', './usr/lib/kioskd/node_modules/serialport/', './usr/bin/kioskctl',
      './usr/lib/systemd/system/kioskd.service', './usr/lib/udev/rules.d/60-kioskd.rules', './usr/share/polkit-1/rules.d/50-kioskd.rules',
      './usr/lib/systemd/journald.conf.d/50-kioskd.conf', './etc/kioskd/default.json', './usr/share/kioskd/default.json',
    ]) expect(contents, p).toContain(p);
    // Development tools never ship.
    for (const p of ['node_modules/vitest/', 'node_modules/typescript/', 'node_modules/aedes/', './usr/lib/kioskd/dist/sim/']) expect(contents, p).not.toContain(p);
    expect(execFileSync('dpkg-deb', ['-f', deb, 'Architecture'], { encoding: 'utf8' }).trim()).toBe(execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim());
    const conffiles = execFileSync('dpkg-deb', ['--ctrl-tarfile', deb]).length > 0 ? execFileSync('sh', ['-c', `dpkg-deb -I "${deb}" conffiles`], { encoding: 'utf8' }) : '';
    expect(conffiles.trim()).toBe('/etc/kioskd/default.json');
  });

  it('installs into a scratch root: system user, directories, unit enabled, not started before provisioning', () => {
    clearLog();
    dpkg('-i', deb);
    const l = log();
    expect(l).toContain('addgroup --system kioskd');
    expect(l.some((c) => c.startsWith('adduser --system --ingroup kioskd') && c.endsWith(' kioskd'))).toBe(true);
    expect(l).toContain('systemctl enable kioskd.service');
    expect(l).not.toContain('systemctl start kioskd.service');
    expect(statSync(join(root, 'var/lib/kioskd')).mode & 0o777).toBe(0o750);
    expect(statSync(join(root, 'etc/kioskd/default.json')).mode & 0o777).toBe(0o640);
    expect(readlinkSync(join(root, 'usr/lib/kioskd/config'))).toBe('/etc/kioskd');
    expect(lstatSync(join(root, 'usr/bin/kioskctl')).isFile()).toBe(true);
  }, 60_000);

  it('upgrade stops kioskd through systemctl (which waits for the transaction) and restarts it; the journal and edited config stay', () => {
    writeFileSync(join(root, 'var/lib/kioskd/journal.db'), 'the journal');
    const cfg = join(root, 'etc/kioskd/default.json');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('"UNPROVISIONED"', '"KSK-0042"'));
    clearLog();
    dpkg('--force-confold', '-i', deb);
    const l = log();
    expect(l.indexOf('systemctl stop kioskd.service')).toBeGreaterThanOrEqual(0);
    expect(l.indexOf('systemctl stop kioskd.service')).toBeLessThan(l.indexOf('systemctl start kioskd.service'));
    expect(l.filter((c) => c.startsWith('adduser --system'))).toHaveLength(0);
    expect(readFileSync(join(root, 'var/lib/kioskd/journal.db'), 'utf8')).toBe('the journal');
    expect(readFileSync(cfg, 'utf8')).toContain('"KSK-0042"');
  }, 60_000);

  it('remove and purge keep the journal', () => {
    clearLog();
    dpkg('-r', 'kioskd');
    expect(log()).toContain('systemctl stop kioskd.service');
    expect(existsSync(join(root, 'usr/lib/kioskd/dist'))).toBe(false);
    expect(existsSync(join(root, 'etc/kioskd/default.json'))).toBe(true);
    dpkg('-P', 'kioskd');
    expect(existsSync(join(root, 'etc/kioskd/default.json'))).toBe(false);
    expect(readFileSync(join(root, 'var/lib/kioskd/journal.db'), 'utf8')).toBe('the journal');
  }, 60_000);
});
