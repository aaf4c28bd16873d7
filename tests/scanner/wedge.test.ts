import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/hal/index.js';
import { HidScannerConfigSchema, createHidScanner, type WedgeScanner } from '../../src/drivers/hid-scanner/index.js';
import { SimHidBus, WedgeSim } from '../sim/scanner/index.js';
import { GS1_SLIP, NUMERIC_SLIP, WALLET_CODE, record, silentLogger, type Recorder } from './fixtures.js';

const VID = 0x05e0;
const PID = 0x1200;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

interface Rig { bus: SimHidBus; sim: WedgeSim; scanner: WedgeScanner; clock: ManualClock; rec: Recorder }

async function rig(cfg: Record<string, unknown> = {}): Promise<Rig> {
  const clock = new ManualClock();
  const bus = new SimHidBus();
  const sim = bus.add(new WedgeSim(VID, PID));
  const scanner = createHidScanner(HidScannerConfigSchema.parse({ driver: 'wedge', vendorId: VID, productId: PID, ...cfg }), {
    clock, timers: clock, logger: silentLogger, openHid: bus.opener,
  }) as WedgeScanner;
  const rec = record(scanner);
  cleanups.push(() => scanner.close());
  await scanner.open();
  await scanner.enable();
  return { bus, sim, scanner, clock, rec };
}

const settle = async (): Promise<void> => { for (let i = 0; i < 10; i++) await Promise.resolve(); };
const key = (mod: number, ...keys: number[]): number[] => [mod, 0, ...keys, ...Array(6 - keys.length).fill(0)];

describe('WedgeScanner against the simulated keyboard-wedge scanner', () => {
  it('opens the libusb backend and types bill codes (GS as Ctrl+]) and a wallet code', async () => {
    const r = await rig();
    expect(r.bus.opens[0]).toMatchObject({ backend: 'libusb', vendorId: VID, productId: PID });
    r.sim.type(`]C1${GS1_SLIP}`);
    r.sim.type(NUMERIC_SLIP);
    r.sim.type(`]Q1${WALLET_CODE}`);
    expect(r.rec.scans).toEqual([{ data: GS1_SLIP, symbology: ']C1' }, { data: NUMERIC_SLIP }, { data: WALLET_CODE, symbology: ']Q1' }]);
    expect(await r.scanner.identify()).toMatchObject({ protocol: 'hid-wedge' });
  });

  it('types mixed case and punctuation', async () => {
    const r = await rig({ aim: false });
    const text = 'Pay-ID:A7/b.Q?=x_1+2';
    r.sim.type(text);
    expect(r.rec.scans).toEqual([{ data: text }]);
  });

  it('types a held key once', async () => {
    const r = await rig();
    r.sim.sendReport(key(0, 0x1e));
    r.sim.sendReport(key(0, 0x1e));
    r.sim.sendReport(key(0, 0x1e, 0x1f));
    r.sim.sendReport(key(0));
    r.sim.sendReport(key(0, 0x28));
    expect(r.rec.scans).toEqual([{ data: '12' }]);
  });

  it('refuses a 4 KB barcode and stays online', async () => {
    const r = await rig();
    r.sim.type('7'.repeat(4096));
    expect(r.scanner.statistics()).toMatchObject({ oversize: 1, goodReads: 0 });
    expect(r.scanner.status().state).toBe('online');
    r.sim.type(WALLET_CODE);
    expect(r.rec.scans).toEqual([{ data: WALLET_CODE }]);
  });

  it('drops malformed reports, ignores rollover reports and drops reads with stray keys', async () => {
    const r = await rig();
    r.sim.sendReport([0, 0, 0x1e]); // 3 bytes
    r.sim.sendReport(Array(16).fill(0)); // 16 bytes
    r.sim.sendReport(key(0, 1, 1, 1, 1, 1, 1));
    r.sim.sendReport(key(0, 0x3a)); // F1 inside a read
    r.sim.sendReport(key(0));
    r.sim.type('12');
    expect(r.scanner.statistics()).toMatchObject({ malformed: 2, garbage: 1, goodReads: 0 });
    r.sim.type(NUMERIC_SLIP);
    expect(r.rec.scans).toEqual([{ data: NUMERIC_SLIP }]);
    expect(r.scanner.status().state).toBe('online');
  });

  it('drops typed text without Enter after the timeout, and emits nothing while disabled', async () => {
    const r = await rig();
    r.sim.type('1234', { enter: false });
    r.clock.advance(200);
    expect(r.scanner.statistics()['garbage']).toBe(1);
    await r.scanner.disable();
    r.sim.type(WALLET_CODE);
    expect(r.rec.scans).toEqual([]);
    expect(r.scanner.statistics()['ignoredReads']).toBe(1);
  });

  it('goes offline on unplug and reconnects', async () => {
    const r = await rig();
    r.sim.unplug();
    expect(r.scanner.status()).toMatchObject({ state: 'offline', reason: 'link-down' });
    r.sim.replug();
    r.clock.advance(500);
    await settle();
    expect(r.scanner.status().state).toBe('online');
    r.sim.type(WALLET_CODE);
    expect(r.rec.scans).toEqual([{ data: WALLET_CODE }]);
  });
});
