import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ports, type PortsDeps } from '../../src/cli/commands/ports.js';
import { run } from '../../src/cli/run.js';
import { guessUsb } from '../../src/cli/usb-ids.js';
import { ManualClock } from '../../src/hal/index.js';
import { Journal } from '../../src/ledger/index.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'kioskctl-cfg-')); dirs.push(d); return d; };
const repoConfig = join(import.meta.dirname, '..', '..', 'config');

/** A copy of the repo's config whose journal and settings live in a temp dir. */
function configCopy(): string {
  const root = tmp();
  const dir = join(root, 'config');
  cpSync(repoConfig, dir, { recursive: true });
  const cfg = JSON.parse(readFileSync(join(dir, 'default.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  cfg['journal'] = { path: join(root, 'journal.db') };
  cfg['settings'] = { path: join(root, 'settings.json') };
  writeFileSync(join(dir, 'default.json'), JSON.stringify(cfg, null, 2));
  return dir;
}

describe('kioskctl config set|init|migrate and secret files', () => {
  it('set validates against the whole configuration and writes the settings store; a bad value changes nothing', async () => {
    const dir = configCopy();
    const ok = await run(['config', 'set', 'billing.timeoutMs', '5000', '--config-dir', dir]);
    expect(ok.code).toBe(0);
    const shown = await run(['config', 'show', '--config-dir', dir, '--json']);
    expect((shown.json as { billing: { timeoutMs: number } }).billing.timeoutMs).toBe(5000);
    const bad = await run(['config', 'set', 'billing.timeoutMs', '-1', '--config-dir', dir, '--json']);
    expect(bad.code).toBe(78);
    expect((bad.json as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain('billing.timeoutMs');
    expect(((await run(['config', 'show', '--config-dir', dir, '--json'])).json as { billing: { timeoutMs: number } }).billing.timeoutMs).toBe(5000);
    expect((await run(['config', 'set', 'terminal.id', 'KSK-0042', '--config-dir', dir])).code).toBe(0);
    expect(((await run(['config', 'show', '--config-dir', dir, '--json'])).json as { terminal: { id: string } }).terminal.id).toBe('KSK-0042');
    expect((await run(['config', 'set', 'settings.path', '/tmp/x', '--config-dir', dir])).code).toBe(78);
    expect((await run(['config', 'set', 'not a key!', '1', '--config-dir', dir])).code).toBe(64);
    expect((await run(['config', 'set', 'billing.timeoutMs', '--unset', '--config-dir', dir])).code).toBe(0);
    expect(((await run(['config', 'show', '--config-dir', dir, '--json'])).json as { billing: { timeoutMs: number } }).billing.timeoutMs).toBe(10000);
  });

  it('init writes a starting configuration and refuses to overwrite without --force (exit 73)', async () => {
    const dir = join(tmp(), 'etc-kioskd');
    expect((await run(['config', 'init', '--config-dir', dir])).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'default.json'), 'utf8'))).toMatchObject({ schemaVersion: 1 });
    expect((await run(['config', 'init', '--config-dir', dir])).code).toBe(73);
    expect((await run(['config', 'init', '--config-dir', dir, '--force'])).code).toBe(0);
  });

  it('migrate brings a v0 file to v1 with a backup; a newer file is refused with 65; a broken file with 78', async () => {
    const dir = configCopy();
    const cfg = JSON.parse(readFileSync(join(dir, 'default.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    delete (cfg as Record<string, unknown>)['schemaVersion'];
    const tx = cfg['transaction']!;
    delete tx['customerTimeoutMs'];
    tx['timeoutSeconds'] = 60;
    writeFileSync(join(dir, 'default.json'), JSON.stringify(cfg));
    expect((await run(['config', 'validate', '--config-dir', dir])).code).toBe(0);
    const m = await run(['config', 'migrate', '--config-dir', dir, '--json']);
    expect(m.code).toBe(0);
    expect(m.json).toMatchObject({ migrated: true, from: 0, to: 1 });
    const after = JSON.parse(readFileSync(join(dir, 'default.json'), 'utf8')) as { schemaVersion: number; transaction: { customerTimeoutMs: number } };
    expect(after).toMatchObject({ schemaVersion: 1, transaction: { customerTimeoutMs: 60_000 } });
    expect(JSON.parse(readFileSync(join(dir, 'default.json.v0.bak'), 'utf8'))).toMatchObject({ transaction: { timeoutSeconds: 60 } });
    expect((await run(['config', 'migrate', '--config-dir', dir, '--json'])).json).toMatchObject({ migrated: false });
    writeFileSync(join(dir, 'default.json'), JSON.stringify({ ...after, schemaVersion: 9 }));
    expect((await run(['config', 'migrate', '--config-dir', dir])).code).toBe(65);
    writeFileSync(join(dir, 'default.json'), '{ "schemaVersion": 1, ');
    const broken = await run(['config', 'migrate', '--config-dir', dir]);
    expect(broken.code).toBe(78);
    expect(broken.text).not.toMatch(/\n\s+at /);
    expect((await run(['config', 'validate', '--config-dir', dir])).code).toBe(78);
    expect((await run(['config', 'migrate', '--config-dir', join(dir, 'nope')])).code).toBe(66);
  });

  it('validate refuses a broker key or password file readable by group or others', async () => {
    const dir = configCopy();
    const key = join(dir, '..', 'device.key');
    writeFileSync(key, 'secret');
    chmodSync(key, 0o644);
    const cfg = JSON.parse(readFileSync(join(dir, 'default.json'), 'utf8')) as { telemetry: { brokers: Record<string, unknown>[] } };
    cfg.telemetry.brokers[0]!['keyFile'] = key;
    writeFileSync(join(dir, 'default.json'), JSON.stringify(cfg));
    const r = await run(['config', 'validate', '--config-dir', dir, '--json']);
    expect(r.code).toBe(78);
    expect(r.json).toMatchObject({ valid: false, issues: [{ path: 'telemetry.brokers[0].keyFile' }] });
    chmodSync(key, 0o600);
    expect((await run(['config', 'validate', '--config-dir', dir])).code).toBe(0);
  });
});

describe('kioskctl journal export --csv and cash report', () => {
  it('exports every event as CSV without account numbers; reports the cash box', async () => {
    const path = join(tmp(), 'j.db');
    const j = Journal.open({ path, bootId: 'b', clock: new ManualClock() });
    const bill = { billerId: 'water-city', billerName: 'Water', account: '000123456789', period: '202506', due: 4_560, currency: 'CNY', billRef: 'R-SECRET-REF' };
    j.appendAll([
      { type: 'tx.opened', txId: 'T1', bill },
      { type: 'note.credited', txId: 'T1', value: 5_000, currency: 'CNY', channel: 5, deviceRef: 'd1', toBill: 4_560, surplus: 440 },
      { type: 'tx.post-intent', txId: 'T1', amount: 5_000, partial: false },
      { type: 'tx.posted', txId: 'T1', billerRef: 'B' },
      { type: 'tx.closed', txId: 'T1', outcome: 'paid', paid: 5_000, surplus: 440 },
    ]);
    j.close();
    const out = join(tmp(), 'export.csv');
    const r = await run(['journal', 'export', '--csv', '--journal', path, '--out', out]);
    expect(r.code).toBe(0);
    const csv = readFileSync(out, 'utf8');
    const rows = csv.trimEnd().split('\r\n');
    expect(rows).toHaveLength(6);
    expect(rows[0]).toBe('seq,time,type,txId,billerId,period,due,value,amount,paid,surplus,currency,outcome,partial,printed,collectionId,total,notes');
    expect(rows[1]).toContain('tx.opened,T1,water-city,202506,4560');
    expect(csv).not.toContain('000123456789');
    expect(csv).not.toContain('R-SECRET-REF');
    expect((await run(['journal', 'export', '--journal', path])).code).toBe(64);
    const cash = await run(['cash', 'report', '--journal', path]);
    expect(cash.code).toBe(0);
    expect(cash.text).toContain('50.00 CNY x 1');
    expect((await run(['cash', 'report', '--journal', '/nonexistent/j.db'])).code).toBe(66);
  });
});

describe('kioskctl ports', () => {
  const deps = (over: Partial<PortsDeps>): PortsDeps => ({
    hasUdevadm: () => true, serialList: async () => [], sysfsList: () => [], hidList: async () => [], ...over,
  });

  it('guesses devices from the VID/PID table and lists HID scanners', async () => {
    const r = await ports(deps({
      serialList: async () => [{ path: '/dev/ttyUSB0', vendorId: 0x191c, productId: 0x4104 }, { path: '/dev/ttyACM0', vendorId: 0x2341, productId: 0x0043 }],
      hidList: async () => [{ vendorId: 0x0c2e, productId: 0x0b61, path: '/dev/hidraw0', product: 'Xenon' }],
    }));
    expect(r.code).toBe(0);
    expect(r.text).toContain('/dev/ttyUSB0  191c:4104');
    expect(r.text).toContain('ITL banknote validator');
    expect(r.text).toContain('Arduino Uno');
    expect(r.text).toContain('Honeywell barcode scanner');
    expect(guessUsb(0x1a86, 0x7523)?.guess).toContain('CH340');
    expect(guessUsb(0xdead, 0xbeef)).toBeUndefined();
  });

  it('without udevadm it never calls serialport list() (which would crash) and reads sysfs instead', async () => {
    let listed = false;
    const r = await ports(deps({
      hasUdevadm: () => false,
      serialList: async () => { listed = true; return []; },
      sysfsList: () => [{ path: '/dev/ttyUSB3', vendorId: 0x0403, productId: 0x6001 }],
      hidList: async () => undefined,
    }));
    expect(listed).toBe(false);
    expect(r.code).toBe(0);
    expect(r.text).toContain('/dev/ttyUSB3');
    expect(r.text).toContain('FTDI');
    expect(r.text).toContain('udevadm is not installed');
    expect(r.text).toContain('node-hid did not load');
  });
});
