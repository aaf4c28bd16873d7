import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The arm64 package on an amd64 machine: native modules without an arm64 prebuild are cross-compiled with
// Debian's g++-aarch64-linux-gnu. Nothing here runs the arm64 binaries (that would need qemu and an arm64
// Node); the checks are their ELF headers and the package layout against the amd64 one.
const repo = join(import.meta.dirname, '..', '..');
const script = join(repo, 'packaging', 'build-deb.sh');
const work = mkdtempSync(join(tmpdir(), 'kioskd-deb-arm64-'));
const lib = 'usr/lib/kioskd';
const EM_X86_64 = 62;
const EM_AARCH64 = 183;

const hasCross = spawnSync('sh', ['-c', 'command -v aarch64-linux-gnu-g++ && command -v aarch64-linux-gnu-gcc'], { stdio: 'ignore' }).status === 0;
const inCI = process.env['CI'] === 'true';
// CI installs the toolchain (.ci/run), so there a missing one fails the build below instead of passing quietly.
const buildArm64 = hasCross || inCI;
if (!buildArm64) {
  console.warn(`\n${'!'.repeat(78)}\n!! tests/packaging/deb-arm64: aarch64-linux-gnu-g++ is not installed, so the arm64\n!! package build is NOT tested here. Install it: apt-get install g++-aarch64-linux-gnu\n${'!'.repeat(78)}\n`);
}

/** Every regular file under dir, relative to it, sorted. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** ELF e_machine of a 64-bit little-endian shared object, or undefined for anything else. */
function elfMachine(path: string): number | undefined {
  const h = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  try { readSync(fd, h, 0, 20, 0); } finally { closeSync(fd); }
  const isElf64le = h.readUInt32BE(0) === 0x7f454c46 && h[4] === 2 && h[5] === 1 && h.readUInt16LE(16) === 3; // ET_DYN
  return isElf64le ? h.readUInt16LE(18) : undefined;
}

/** node_modules/<module> a binary belongs to (the part before build/ or prebuilds/). */
const moduleOf = (p: string): string => p.replace(/^.*?node_modules\//, '').replace(/\/(build|prebuilds)\/.*$/, '');

function build(arch: 'amd64' | 'arm64', env: NodeJS.ProcessEnv = process.env): string {
  const out = execFileSync('bash', [script, '--arch', arch, '--skip-build', '--out', join(work, 'out'), '--compress', 'none'], { cwd: repo, encoding: 'utf8', env });
  return out.trim().split('\n').at(-1)!;
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('arm64 .deb without a cross toolchain', () => {
  it('stops before building with exit 69, naming the modules and the apt package to install', () => {
    const r = spawnSync('bash', [script, '--arch', 'arm64', '--skip-build', '--out', join(work, 'refused')], {
      cwd: repo, encoding: 'utf8', env: { ...process.env, CROSS_COMPILE: join(work, 'no-toolchain', 'aarch64-linux-gnu-') },
    });
    expect(r.status).toBe(69);
    expect(r.stderr).toContain('apt-get install g++-aarch64-linux-gnu');
    expect(r.stderr).toContain('better-sqlite3');
    expect(existsSync(join(work, 'refused'))).toBe(false);
  });
});

describe.runIf(buildArm64)('arm64 .deb (cross-compiled)', () => {
  const x = { amd64: join(work, 'x-amd64'), arm64: join(work, 'x-arm64') };
  let arm64Deb = '';

  beforeAll(() => {
    if (!existsSync(join(repo, 'dist', 'runtime', 'main.js')) || !existsSync(join(repo, 'dist', 'cli', 'main.js'))) execFileSync('npm', ['run', '-s', 'build'], { cwd: repo, stdio: 'ignore' });
    // A proxy that refuses every connection: if node-gyp or prebuild-install tried to download headers
    // or binaries, the build would fail instead of quietly depending on the network.
    const noNetwork = { ...process.env, https_proxy: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', http_proxy: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', npm_config_proxy: 'http://127.0.0.1:9', npm_config_https_proxy: 'http://127.0.0.1:9' };
    arm64Deb = build('arm64', noNetwork);
    const amd64Deb = build('amd64');
    execFileSync('dpkg-deb', ['-x', arm64Deb, x.arm64]);
    execFileSync('dpkg-deb', ['-x', amd64Deb, x.amd64]);
  }, 900_000);

  it('is an arm64 package', () => {
    expect(arm64Deb).toMatch(/kioskd_[^_]+_arm64\.deb$/);
    expect(execFileSync('dpkg-deb', ['-f', arm64Deb, 'Architecture'], { encoding: 'utf8' }).trim()).toBe('arm64');
  });

  it('every .node is a 64-bit ARM aarch64 shared object (and every amd64 one x86-64)', () => {
    for (const [arch, machine] of [['arm64', EM_AARCH64], ['amd64', EM_X86_64]] as const) {
      const nodes = files(x[arch]).filter((p) => p.endsWith('.node'));
      expect(nodes.length, arch).toBeGreaterThan(0);
      for (const p of nodes) expect(elfMachine(join(x[arch], p)), `${arch}: ${p}`).toBe(machine);
    }
  });

  it('has the amd64 layout: the same files apart from the prebuilt binaries, and a binary for the same native modules', () => {
    const [arm, amd] = [files(x.arm64), files(x.amd64)];
    // dist/ is copied as it stands and may be rebuilt between the two builds on a busy tree: its entry
    // points are checked, the rest (node_modules, units, rules, config) must match file for file.
    const dist = `${lib}/dist/`;
    const comparable = (l: string[]): string[] => l.filter((p) => !p.includes('/prebuilds/') && !p.startsWith(dist));
    expect(comparable(arm)).toEqual(comparable(amd));
    for (const l of [arm, amd]) {
      expect(l).toContain(`${dist}runtime/main.js`);
      expect(l).toContain(`${dist}cli/main.js`);
      expect(l.filter((p) => p.startsWith(`${dist}sim/`) || p.startsWith(`${dist}crash/`))).toEqual([]);
    }
    // Cross-compiled addons sit where bindings() looks for them, as on amd64.
    for (const m of ['better-sqlite3/build/Release/better_sqlite3.node', 'epoll/build/Release/epoll.node', 'i2c-bus/build/Release/i2c.node', 'spi-device/build/Release/spi.node', '@serialport/bindings/build/Release/bindings.node']) {
      expect(arm, m).toContain(`${lib}/node_modules/${m}`);
    }
    const withBinary = (l: string[]): string[] => [...new Set(l.filter((p) => p.endsWith('.node')).map(moduleOf))].sort();
    expect(withBinary(arm)).toEqual(withBinary(amd));
    const prebuildDirs = [...new Set(arm.filter((p) => p.includes('/prebuilds/')).map((p) => p.replace(/^.*\/prebuilds\/([^/]+)\/.*$/, '$1')))];
    expect(prebuildDirs.length).toBeGreaterThan(0);
    for (const d of prebuildDirs) expect(d).toMatch(/linux.*arm64/);
  });

  it('ships no build intermediates or addon sources', () => {
    for (const arch of ['arm64', 'amd64'] as const) {
      const all = files(x[arch]);
      const addons = all.filter((p) => p.endsWith('/binding.gyp')).map((p) => p.slice(0, -'binding.gyp'.length));
      expect(addons.length, arch).toBeGreaterThanOrEqual(5);
      const ownFile = (p: string, dir: string): boolean => p.startsWith(dir) && !p.slice(dir.length).includes('node_modules/');
      const stray = all.filter((p) => /\/(obj\.target|\.deps)\//.test(p) || /\.(o|a|mk)$/.test(p) || addons.some((dir) => ownFile(p, dir) && (
        (p.startsWith(`${dir}build/`) && !/^build\/Release\/[^/]+\.node$/.test(p.slice(dir.length)))
        || /\.(c|cc|cpp|h|hpp)$/.test(p) || p.startsWith(`${dir}deps/`) || p.startsWith(`${dir}hidapi/`)
        || p.endsWith('/test_extension.node'))));
      expect(stray, arch).toEqual([]);
    }
  });
});
