import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onPath } from '../../src/cli/commands/ports.js';
import { loadConfig, type KioskConfig } from '../../src/config/index.js';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const repo = join(import.meta.dirname, '..', '..');
const unitText = readFileSync(join(repo, 'systemd', 'kioskd.service'), 'utf8');
const udevText = readFileSync(join(repo, 'systemd', '60-kioskd.rules'), 'utf8');

/** Directive → every value it was given (in order). */
function parseUnit(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('[')) continue;
    const i = line.indexOf('=');
    const k = line.slice(0, i);
    m.set(k, [...(m.get(k) ?? []), line.slice(i + 1)]);
  }
  return m;
}
const unit = parseUnit(unitText);
const one = (k: string): string | undefined => unit.get(k)?.at(-1);

/** udev rules: which /dev/kiosk/NAME each subsystem produces, and the group it gets. */
function udevRules(): { subsystem: string; kernel?: string; symlink?: string; group?: string }[] {
  return udevText.split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => ({
    subsystem: /SUBSYSTEM=="([^"]+)"/.exec(l)?.[1] ?? '',
    ...(/KERNEL=="([^"]+)"/.exec(l) ? { kernel: /KERNEL=="([^"]+)"/.exec(l)![1]! } : {}),
    ...(/SYMLINK\+="([^"]+)"/.exec(l) ? { symlink: `/dev/${/SYMLINK\+="([^"]+)"/.exec(l)![1]!}` } : {}),
    ...(/GROUP="([^"]+)"/.exec(l) ? { group: /GROUP="([^"]+)"/.exec(l)![1]! } : {}),
  }));
}

/** Device class names (/proc/devices) a udev subsystem's nodes belong to. */
const CLASSES: Readonly<Record<string, readonly string[]>> = {
  tty: ['ttyUSB', 'ttyACM'], usbmisc: ['usb'], hidraw: ['hidraw'], usb: ['usb_device'], spidev: ['spi'], 'i2c-dev': ['i2c'], gpio: ['gpiochip'],
};

/** Every device node path a configuration makes kioskd open, with the device classes it may be. */
function deviceNeeds(c: KioskConfig): { what: string; path?: string; classes: string[]; subsystem: string }[] {
  const out: { what: string; path?: string; classes: string[]; subsystem: string }[] = [];
  const tty = (what: string, path: string): void => {
    const m = /^\/dev\/(ttyUSB|ttyACM|ttyS|ttyAMA)\d+$/.exec(path);
    out.push(m ? { what, path, classes: [m[1]!], subsystem: 'tty-plain' } : { what, path, classes: [], subsystem: 'symlink' });
  };
  const d = c.devices;
  if (d.billValidator.driver !== 'fake') tty('billValidator', d.billValidator.port.path);
  if (d.scanner.driver === 'serial') tty('scanner', d.scanner.port.path);
  if (d.scanner.driver === 'hid-pos' || d.scanner.driver === 'wedge') out.push({ what: 'scanner', classes: ['hidraw'], subsystem: 'hidraw' });
  if (d.printer.driver === 'escpos') {
    if (d.printer.transport === 'serial') tty('printer', d.printer.port.path);
    else out.push({ what: 'printer', path: d.printer.port.path, classes: ['usb'], subsystem: 'usbmisc' });
  }
  if (d.display.driver === 'st7920') out.push({ what: 'display', path: `/dev/spidev${d.display.spi.bus}.${d.display.spi.device}`, classes: ['spi'], subsystem: 'spidev' });
  if (d.display.driver === 'hd44780') {
    if (d.display.io.kind === 'i2c') out.push({ what: 'display', path: `/dev/i2c-${d.display.io.bus}`, classes: ['i2c'], subsystem: 'i2c-dev' });
    else tty('display', d.display.io.port.path);
  }
  if (d.panel.driver === 'gpio') out.push({ what: 'panel', classes: ['gpiochip'], subsystem: 'gpio' });
  if (d.panel.driver === 'io-board') tty('panel', d.panel.io.port.path);
  if (d.cardPayment.driver === 'zvt' && d.cardPayment.transport === 'serial') tty('cardPayment', d.cardPayment.port!.path);
  return out;
}

async function configs(): Promise<[string, KioskConfig][]> {
  const dir = mkdtempSync(join(tmpdir(), 'kioskd-unit-'));
  try {
    cpSync(join(repo, 'config'), join(dir, 'config'), { recursive: true });
    for (const f of readdirSync(join(repo, 'packaging', 'samples'))) cpSync(join(repo, 'packaging', 'samples', f), join(dir, 'config', 'profiles', `sample-${f}`));
    const out: [string, KioskConfig][] = [['default.json', (await loadConfig({ dir: join(dir, 'config'), env: {} })).config]];
    for (const f of readdirSync(join(dir, 'config', 'profiles'))) {
      const profile = f.replace(/\.json$/, '');
      out.push([f, (await loadConfig({ dir: join(dir, 'config'), profile, env: {}, overridesPath: join(dir, 'none.json') })).config]);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('systemd/kioskd.service', () => {
  it('is Type=notify with a watchdog, CLI-notify fallback, no restart on 65/78, and a stop timeout for the open transaction', () => {
    expect(one('Type')).toBe('notify');
    expect(one('NotifyAccess')).toBe('all');
    expect(Number(one('WatchdogSec'))).toBeGreaterThan(0);
    expect(one('RestartPreventExitStatus')?.split(/\s+/).sort()).toEqual(['65', '78']);
    expect(one('Restart')).toBe('on-failure');
    expect(Number(one('TimeoutStopSec'))).toBeGreaterThanOrEqual(60);
    for (const k of ['StateDirectory', 'ConfigurationDirectory', 'LogsDirectory', 'RuntimeDirectory']) expect(one(k)).toBe('kioskd');
    expect(unit.has('MemoryDenyWriteExecute')).toBe(false);
    expect(one('User')).toBe('kioskd');
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(one('DevicePolicy')).toBe('closed');
  });

  it('scores 3.0 or lower in systemd-analyze security --offline', () => {
    if (!onPath('systemd-analyze')) {
      // No analyzer here: at least the directives the score depends on most must be present.
      for (const k of ['NoNewPrivileges', 'ProtectSystem', 'ProtectHome', 'PrivateTmp', 'RestrictAddressFamilies', 'SystemCallFilter', 'RestrictNamespaces']) expect(unit.has(k)).toBe(true);
      return;
    }
    const out = execFileSync('systemd-analyze', ['security', '--offline=true', '--no-pager', join(repo, 'systemd', 'kioskd.service')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const score = Number(/Overall exposure level for kioskd\.service: ([\d.]+)/.exec(out)?.[1]);
    expect(score).toBeLessThanOrEqual(3.0);
  });

  it('still reaches every device in default.json, the profiles and the packaged samples (DeviceAllow, groups, udev names)', async () => {
    const allowed = new Set((unit.get('DeviceAllow') ?? []).map((v) => v.split(/\s+/)[0]!.replace(/^char-/, '')));
    const groups = new Set([one('Group')!, ...(one('SupplementaryGroups') ?? '').split(/\s+/).filter(Boolean)]);
    const rules = udevRules();
    const seen: string[] = [];
    for (const [name, cfg] of await configs()) {
      for (const need of deviceNeeds(cfg)) {
        seen.push(`${name}:${need.what}`);
        if (need.subsystem === 'tty-plain') {
          for (const cls of need.classes) expect(allowed, `${name} ${need.what} ${need.path}`).toContain(cls);
          expect(groups, `${name} ${need.what}: plain serial ports are group dialout`).toContain('dialout');
          continue;
        }
        if (need.subsystem === 'symlink') {
          const producers = rules.filter((r) => r.symlink === need.path);
          expect(producers.length, `${name} ${need.what}: no udev rule creates ${need.path}`).toBeGreaterThan(0);
          for (const r of producers) {
            for (const cls of CLASSES[r.subsystem] ?? []) expect(allowed, `${name} ${need.what} ${need.path}`).toContain(cls);
            expect(groups, `${name} ${need.what} ${need.path}`).toContain(r.group);
          }
          continue;
        }
        for (const cls of need.classes) expect(allowed, `${name} ${need.what}`).toContain(cls);
        const grant = rules.find((r) => r.subsystem === need.subsystem && r.group !== undefined);
        expect(grant, `${name} ${need.what}: no udev rule gives ${need.subsystem} devices a group`).toBeDefined();
        expect(groups).toContain(grant!.group);
        if (need.subsystem === 'gpio') expect(unit.get('ReadWritePaths')?.join(' ')).toContain('/sys/class/gpio');
      }
    }
    // The samples exercise every transport: ID-003, HID POS, usblp, I²C LCD, Firmata panel, ZVT serial, SPI LCD, GPIO.
    expect(seen).toEqual(expect.arrayContaining(['default.json:panel', 'sample-jcm-ioboard-hd44780.json:display', 'sample-jcm-ioboard-hd44780.json:cardPayment', 'sample-itl-gpio-st7920-zvt-tcp.json:display']));
  });
});
