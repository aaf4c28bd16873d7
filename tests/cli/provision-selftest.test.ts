import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { onPath } from '../../src/cli/commands/ports.js';
import { run } from '../../src/cli/run.js';
import { selftest } from '../../src/cli/commands/selftest.js';
import { systemClock, systemTimers } from '../../src/hal/index.js';
import { EscposPrinterSim } from '../sim/escpos/index.js';
import { SerialScannerSim } from '../sim/scanner/index.js';
import { attachToMockPort } from '../sim/serial/mock-bridge.js';
import { SspValidatorSim } from '../sim/ssp/index.js';
import { ZvtSerialSide, ZvtTerminalSim } from '../sim/zvt/index.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'kioskctl-prov-')); dirs.push(d); return d; };
const detach: (() => void)[] = [];
afterEach(() => { for (const d of detach.splice(0)) d(); });

function configCopy(devices?: Record<string, unknown>): string {
  const root = tmp();
  const dir = join(root, 'config');
  cpSync(join(import.meta.dirname, '..', '..', 'config'), dir, { recursive: true });
  const cfg = JSON.parse(readFileSync(join(dir, 'default.json'), 'utf8')) as Record<string, unknown>;
  cfg['journal'] = { path: join(root, 'journal.db') };
  cfg['settings'] = { path: join(root, 'settings.json') };
  if (devices) cfg['devices'] = { ...(cfg['devices'] as Record<string, unknown>), ...devices };
  writeFileSync(join(dir, 'default.json'), JSON.stringify(cfg, null, 2));
  return dir;
}

describe('kioskctl provision', () => {
  it.each(['ed25519', 'p256'] as const)('stores identity and broker, writes a 0600 %s key and a CSR openssl accepts', async (keyType) => {
    const dir = configCopy();
    const r = await run(['provision', '--terminal-id', 'KSK-0042', '--fleet', 'east', '--broker-url', 'mqtts://mqtt.example.com:8883', '--key-type', keyType, '--config-dir', dir, '--json']);
    expect(r.code).toBe(0);
    const j = r.json as { files: { key: string; csr: string; cert: string }; csr: string };
    expect(statSync(j.files.key).mode & 0o777).toBe(0o600);
    expect(readFileSync(j.files.csr, 'utf8')).toBe(j.csr);
    const shown = (await run(['config', 'show', '--config-dir', dir, '--json'])).json as { terminal: { id: string; fleet: string }; telemetry: { brokers: { url: string; keyFile: string; certFile: string }[] } };
    expect(shown.terminal).toMatchObject({ id: 'KSK-0042', fleet: 'east' });
    expect(shown.telemetry.brokers).toEqual([expect.objectContaining({ url: 'mqtts://mqtt.example.com:8883', keyFile: j.files.key, certFile: j.files.cert })]);
    if (onPath('openssl')) {
      const text = execFileSync('openssl', ['req', '-in', j.files.csr, '-noout', '-verify', '-subject'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(text).toMatch(/CN ?= ?KSK-0042/);
      expect(text).toMatch(/O ?= ?east/);
    }
    // Already provisioned: the key is never replaced silently.
    expect((await run(['provision', '--terminal-id', 'KSK-0042', '--fleet', 'east', '--broker-url', 'mqtts://mqtt.example.com:8883', '--config-dir', dir])).code).toBe(73);
  });

  it('refuses bad values before writing anything', async () => {
    const dir = configCopy();
    const state = tmp();
    expect((await run(['provision', '--terminal-id', 'bad id!', '--fleet', 'east', '--broker-url', 'mqtts://h:8883', '--config-dir', dir, '--state-dir', state])).code).toBe(78);
    expect((await run(['provision', '--terminal-id', 'K1', '--fleet', 'east', '--broker-url', 'mqtt://h:1883', '--config-dir', dir, '--state-dir', state])).code).toBe(78);
    expect(existsSync(join(state, 'tls'))).toBe(false);
    expect((await run(['provision', '--terminal-id', 'K1'])).code).toBe(64);
  });
});

describe('kioskctl selftest (real drivers built from config, simulators on mock ports)', () => {
  it('printer test page, validator enable/disable cycle, scanner read and card status pass; a fake display is skipped', async () => {
    const printer = new EscposPrinterSim();
    const scanner = new SerialScannerSim();
    const zvt = new ZvtTerminalSim({ clock: systemClock, timers: systemTimers });
    detach.push(
      attachToMockPort('/dev/st-printer', printer),
      attachToMockPort('/dev/st-validator', new SspValidatorSim({ clock: systemClock, timers: systemTimers })),
      attachToMockPort('/dev/st-scanner', scanner),
      attachToMockPort('/dev/st-card', new ZvtSerialSide(zvt, { timers: systemTimers })),
    );
    const dir = configCopy({
      printer: { driver: 'escpos', transport: 'serial', port: { path: '/dev/st-printer', baudRate: 19200, binding: 'mock' } },
      billValidator: { driver: 'ssp', port: { path: '/dev/st-validator', baudRate: 9600, binding: 'mock' }, encryption: false },
      scanner: { driver: 'serial', port: { path: '/dev/st-scanner', baudRate: 9600, binding: 'mock' }, suffix: 'cr', aim: false },
      display: { driver: 'fake' },
      cardPayment: { driver: 'zvt', transport: 'serial', port: { path: '/dev/st-card', baudRate: 9600, binding: 'mock' }, password: '000000', maxStatusInfos: 20 },
    });
    const r = await selftest({ dir, timeoutMs: 8000, say: (l) => { if (l.startsWith('scan any')) setTimeout(() => scanner.scan('SELFTEST123'), 50); } });
    if (!('results' in (r.json as object))) throw new Error(r.text);
    const results = (r.json as { results: { device: string; outcome: string; detail: string }[] }).results;
    expect(results.map((x) => [x.device, x.outcome])).toEqual([['printer', 'pass'], ['display', 'skipped'], ['validator', 'pass'], ['scanner', 'pass'], ['card', 'pass']]);
    expect(r.code).toBe(0);
    expect(printer.receipts().at(-1)?.lines.join('\n') ?? '').toContain('KIOSKD SELF TEST');
    expect(results.find((x) => x.device === 'scanner')!.detail).toBe('read 11 characters');
  }, 30_000);

  it('a missing device fails with a clear line and exit 1; an unknown device name is 64; a bad config is 78', async () => {
    const dir = configCopy({ printer: { driver: 'escpos', transport: 'serial', port: { path: '/dev/st-unplugged', baudRate: 19200, binding: 'mock' } } });
    const r = await run(['selftest', 'printer', '--config-dir', dir, '--timeout-ms', '2000']);
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/^FAIL +printer/);
    expect(r.text).not.toMatch(/\n\s+at /);
    expect((await run(['selftest', 'toaster', '--config-dir', dir])).code).toBe(64);
    const broken = configCopy({ printer: { driver: 'escpos', transport: 'carrier-pigeon', port: { path: '/dev/x' } } });
    expect((await run(['selftest', '--config-dir', broken])).code).toBe(78);
  });
});
