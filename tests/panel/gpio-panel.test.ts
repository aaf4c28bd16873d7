import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKioskError } from '../../src/errors/index.js';
import { GpioPanelCfgSchema, readGpioChips, resolvePins, socChip } from '../../src/drivers/gpio/index.js';
import { createPanel } from '../../src/drivers/io-board/index.js';
import { ManualClock } from '../../src/hal/index.js';
import type { Panel, PanelButton, DeviceStatus } from '../../src/hal/index.js';
import { deviceContractTests } from '../sim/fakes/contract.js';
import { GpioBank, writeFakeSysfs, type SysfsVariant } from '../sim/panel/index.js';
import { silent } from '../display/rig.js';

const PINS = {
  cash: 'GPIO5', card: 'GPIO6', cancel: 'GPIO13', confirm: 'GPIO19', moreTime: 'GPIO26',
  door: 'GPIO17', tamper: 'GPIO27',
  ledReady: 'GPIO22', ledCash: 'GPIO23', ledCard: 'GPIO24', ledFault: 'GPIO25', buzzer: 'GPIO18',
} as const;

let tmp: string;
const roots: Partial<Record<SysfsVariant, string>> = {};
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'kioskd-gpio-'));
  for (const v of ['pi4-6.6', 'pi5-6.6', 'pi3-6.1'] as const) {
    roots[v] = join(tmp, v);
    await writeFakeSysfs(roots[v], v);
  }
});
afterAll(async () => { await rm(tmp, { recursive: true, force: true }); });

interface Rig { clock: ManualClock; bank: GpioBank; panel: Panel; buttons: PanelButton[]; doors: boolean[]; tampers: boolean[]; statuses: DeviceStatus[] }

function rig(variant: SysfsVariant = 'pi5-6.6', bankBase = variant === 'pi5-6.6' ? 571 : variant === 'pi4-6.6' ? 512 : 0): Rig {
  const clock = new ManualClock();
  const bank = new GpioBank({ base: bankBase });
  bank.set('GPIO17', 0); // door closed
  bank.set('GPIO27', 0); // tamper loop intact
  const cfg = GpioPanelCfgSchema.parse({ driver: 'gpio', pins: PINS });
  const panel = createPanel(cfg, { clock, timers: clock, logger: silent, gpio: bank.opener, sysfsRoot: roots[variant] });
  const r: Rig = { clock, bank, panel, buttons: [], doors: [], tampers: [], statuses: [] };
  panel.on('button', (b) => r.buttons.push(b.button));
  panel.on('door', (d) => r.doors.push(d.open));
  panel.on('tamper', (t) => r.tampers.push(t.active));
  panel.on('status', (s) => r.statuses.push(s));
  return r;
}

describe('GPIO pin names against the sysfs chip base', () => {
  it('finds the SoC chip by label and adds its base: 512 on a Pi 4, 571 on a Pi 5, 0 on old kernels', async () => {
    expect(await resolvePins({ door: 'GPIO17' }, { sysfsRoot: roots['pi4-6.6'] })).toEqual({ door: 529 });
    expect(await resolvePins({ door: 'GPIO17' }, { sysfsRoot: roots['pi5-6.6'] })).toEqual({ door: 588 });
    expect(await resolvePins({ door: 'GPIO17' }, { sysfsRoot: roots['pi3-6.1'] })).toEqual({ door: 17 });
    expect(socChip(await readGpioChips(roots['pi5-6.6'])).label).toBe('pinctrl-rp1');
  });

  it('refuses a pin beyond the chip and a tree without a SoC chip', async () => {
    const tooHigh = await resolvePins({ x: 'GPIO60' }, { sysfsRoot: roots['pi5-6.6'] }).catch((e: unknown) => e);
    expect(isKioskError(tooHigh, 'KIOSK_E_CONFIG_INVALID')).toBe(true);
    const none = await resolvePins({ x: 'GPIO1' }, { sysfsRoot: roots['pi5-6.6'], chipLabel: 'no-such-chip' }).catch((e: unknown) => e);
    expect(isKioskError(none, 'KIOSK_E_DEVICE_OFFLINE')).toBe(true);
  });

  for (const variant of ['pi4-6.6', 'pi5-6.6'] as const) {
    it(`drives the right lines on ${variant}`, async () => {
      const r = rig(variant);
      await r.panel.open();
      await r.panel.enable();
      r.bank.press('GPIO5');
      r.clock.advance(30);
      expect(r.buttons).toEqual(['cash']);
      await r.panel.setLed('ready', true);
      expect(r.bank.level('GPIO22')).toBe(1);
      await r.panel.close();
    });
  }

  it('fails open() as offline when the lines do not exist where the tree says (kernel refuses the export)', async () => {
    const r = rig('pi5-6.6', 512);
    const err = await r.panel.open().catch((e: unknown) => e);
    expect(isKioskError(err, 'KIOSK_E_DEVICE_OFFLINE')).toBe(true);
    expect(r.panel.status().state).toBe('offline');
    expect(r.bank.exportedCount()).toBe(0);
  });
});

describe('GpioPanel', () => {
  it('turns a bouncing press into one button event after the debounce time', async () => {
    const r = rig();
    await r.panel.open();
    await r.panel.enable();
    r.bank.bounce('GPIO19', 5, () => r.clock.advance(2));
    expect(r.buttons).toEqual([]);
    r.clock.advance(29);
    expect(r.buttons).toEqual([]);
    r.clock.advance(1);
    expect(r.buttons).toEqual(['confirm']);
    r.bank.release('GPIO19');
    r.clock.advance(100);
    expect(r.buttons).toEqual(['confirm']);
    expect(r.panel.statistics().bounces).toBeGreaterThan(0);
    await r.panel.close();
  });

  it('ignores a glitch shorter than the debounce time', async () => {
    const r = rig();
    await r.panel.open();
    await r.panel.enable();
    r.bank.press('GPIO13');
    r.clock.advance(10);
    r.bank.release('GPIO13');
    r.clock.advance(100);
    expect(r.buttons).toEqual([]);
    await r.panel.close();
  });

  it('reports buttons only while enabled', async () => {
    const r = rig();
    await r.panel.open();
    r.bank.press('GPIO26');
    r.clock.advance(50);
    r.bank.release('GPIO26');
    r.clock.advance(50);
    expect(r.buttons).toEqual([]);
    await r.panel.enable();
    r.bank.press('GPIO26');
    r.clock.advance(50);
    expect(r.buttons).toEqual(['moreTime']);
    await r.panel.close();
  });

  it('reports the door opening and closing, and doorOpen() follows', async () => {
    const r = rig();
    await r.panel.open();
    expect(r.panel.doorOpen()).toBe(false);
    r.bank.set('GPIO17', 1);
    r.clock.advance(30);
    expect(r.panel.doorOpen()).toBe(true);
    r.bank.set('GPIO17', 0);
    r.clock.advance(30);
    expect(r.doors).toEqual([true, false]);
    expect(r.panel.doorOpen()).toBe(false);
    await r.panel.close();
  });

  it('knows a door already open at start without an event', async () => {
    const r = rig();
    r.bank.set('GPIO17', 1);
    await r.panel.open();
    expect(r.panel.doorOpen()).toBe(true);
    expect(r.doors).toEqual([]);
    await r.panel.close();
  });

  it('is in fraud status while the tamper switch is active', async () => {
    const r = rig();
    await r.panel.open();
    r.bank.set('GPIO27', 1);
    r.clock.advance(30);
    expect(r.tampers).toEqual([true]);
    expect(r.panel.status()).toMatchObject({ state: 'fraud', reason: 'tamper' });
    r.bank.set('GPIO27', 0);
    r.clock.advance(30);
    expect(r.tampers).toEqual([true, false]);
    expect(r.panel.status().state).toBe('online');
    expect(r.statuses.map((s) => s.state)).toEqual(['online', 'fraud', 'online']);
    await r.panel.close();
  });

  it('drives LEDs and the buzzer on the bank; a beep ends after its time; close() switches all off and unexports', async () => {
    const r = rig();
    await r.panel.open();
    for (const pin of ['GPIO22', 'GPIO23', 'GPIO24', 'GPIO25', 'GPIO18']) expect(r.bank.level(pin)).toBe(0);
    await r.panel.setLed('cash', true);
    await r.panel.setLed('fault', true);
    expect(r.bank.level('GPIO23')).toBe(1);
    expect(r.bank.level('GPIO25')).toBe(1);
    await r.panel.setLed('cash', false);
    expect(r.bank.writes('GPIO23')).toEqual([0, 1, 0]);
    await r.panel.beep(40);
    expect(r.bank.level('GPIO18')).toBe(1);
    r.clock.advance(39);
    expect(r.bank.level('GPIO18')).toBe(1);
    r.clock.advance(1);
    await Promise.resolve();
    expect(r.bank.level('GPIO18')).toBe(0);
    await r.panel.close();
    expect(r.bank.level('GPIO25')).toBe(0);
    expect(r.bank.exportedCount()).toBe(0);
  });

  it('inverts active-low outputs', async () => {
    const clock = new ManualClock();
    const bank = new GpioBank({ base: 571 });
    const cfg = GpioPanelCfgSchema.parse({ driver: 'gpio', pins: PINS, activeLow: { leds: true } });
    const panel = createPanel(cfg, { clock, timers: clock, logger: silent, gpio: bank.opener, sysfsRoot: roots['pi5-6.6'] });
    await panel.open();
    expect(bank.level('GPIO22')).toBe(1);
    await panel.setLed('ready', true);
    expect(bank.level('GPIO22')).toBe(0);
    expect(bank.level('GPIO18')).toBe(0);
    await panel.close();
  });
});

deviceContractTests('GpioPanel', () => ({ device: rig().panel }));
