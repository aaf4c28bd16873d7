import { afterEach, describe, expect, it } from 'vitest';
import { KioskError } from '../../src/errors/index.js';
import { ManualClock } from '../../src/hal/index.js';
import { HidScannerConfigSchema, createHidScanner, type HidPosScanner } from '../../src/drivers/hid-scanner/index.js';
import { HidPosSim, SimHidBus, type HidPosSimOptions } from '../sim/scanner/index.js';
import { GS1_SLIP, NUMERIC_SLIP, WALLET_CODE, record, silentLogger, type Recorder } from './fixtures.js';

const VID = 0x0c2e;
const PID = 0x0b61;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

interface Rig { bus: SimHidBus; sim: HidPosSim; scanner: HidPosScanner; clock: ManualClock; rec: Recorder }

async function rig(simOpts: HidPosSimOptions = {}, cfg: Record<string, unknown> = {}): Promise<Rig> {
  const clock = new ManualClock();
  const bus = new SimHidBus();
  const sim = bus.add(new HidPosSim(VID, PID, simOpts));
  const scanner = createHidScanner(HidScannerConfigSchema.parse({ driver: 'hid-pos', vendorId: VID, productId: PID, ...cfg }), {
    clock, timers: clock, logger: silentLogger, openHid: bus.opener,
  }) as HidPosScanner;
  const rec = record(scanner);
  cleanups.push(() => scanner.close());
  await scanner.open();
  await scanner.enable();
  return { bus, sim, scanner, clock, rec };
}

/** Lets the promise-based reconnect finish (the sim opens synchronously inside an async opener). */
const settle = async (): Promise<void> => { for (let i = 0; i < 10; i++) await Promise.resolve(); };

describe('HidPosScanner against the simulated HID POS device', () => {
  it('opens the hidraw backend on usage page 0x8C and delivers bill codes and a wallet code', async () => {
    const r = await rig();
    expect(r.bus.opens).toEqual([{ vendorId: VID, productId: PID, backend: 'hidraw', usagePage: 0x8c }]);
    expect(r.scanner.status()).toMatchObject({ state: 'online' });
    r.sim.scan(GS1_SLIP, ']C1');
    r.sim.scan(NUMERIC_SLIP, ']I0');
    r.sim.scan(WALLET_CODE, ']Q1');
    expect(r.rec.scans).toEqual([
      { data: GS1_SLIP, symbology: ']C1' }, { data: NUMERIC_SLIP, symbology: ']I0' }, { data: WALLET_CODE, symbology: ']Q1' },
    ]);
    expect(await r.scanner.identify()).toMatchObject({ protocol: 'hid-pos', model: 'usb:0c2e:0b61' });
  });

  it('reassembles a long QR payload over several reports, in both layouts', async () => {
    const url = `https://pay.example.cn/bill?acct=E0012345678&period=202506&amount=23850&sig=${'ab12'.repeat(30)}`;
    for (const layout of ['honeywell', 'compact'] as const) {
      const r = await rig({ layout });
      r.sim.scan(url, ']Q1');
      expect(r.rec.scans).toEqual([{ data: url, symbology: ']Q1' }]);
    }
  });

  it('refuses a 4 KB barcode and stays online', async () => {
    const r = await rig();
    r.sim.scan('9'.repeat(4096), ']Q1');
    expect(r.rec.scans).toEqual([]);
    expect(r.scanner.statistics()).toMatchObject({ oversize: 1, goodReads: 0 });
    expect(r.scanner.status().state).toBe('online');
    r.sim.scan(WALLET_CODE, ']Q1');
    expect(r.rec.scans).toEqual([{ data: WALLET_CODE, symbology: ']Q1' }]);
  });

  it('drops malformed reports and binary data, and keeps reading', async () => {
    const r = await rig();
    r.sim.sendReport([1, 3, 0x5d, 0x51, 0x31, 0x31, 0x32, 0x33]); // wrong id and length
    const tooLong = [2, 57, 0x5d, 0x51, 0x31, ...Array(56).fill(0x31), 0, 0, 0]; // count beyond the data bytes
    r.sim.sendReport(tooLong);
    r.sim.sendReport([2, 5]); // truncated
    r.sim.scan(Uint8Array.of(0x31, 0x00, 0x1b, 0x32), ']Q1'); // control bytes
    expect(r.scanner.statistics()).toMatchObject({ malformed: 3, garbage: 1, goodReads: 0 });
    expect(r.scanner.status().state).toBe('online');
    r.sim.scan(NUMERIC_SLIP, ']I0');
    expect(r.rec.scans).toEqual([{ data: NUMERIC_SLIP, symbology: ']I0' }]);
  });

  it('drops a continued read that never finishes after the inter-report timeout', async () => {
    const r = await rig();
    const first = Buffer.alloc(64);
    first.set([2, 56, 0x5d, 0x51, 0x31], 0);
    first.fill(0x37, 5, 61);
    first[63] = 1;
    r.sim.sendReport(first);
    r.clock.advance(200);
    expect(r.scanner.statistics()['malformed']).toBe(1);
    r.sim.scan(WALLET_CODE, ']Q1');
    expect(r.rec.scans).toEqual([{ data: WALLET_CODE, symbology: ']Q1' }]);
  });

  it('emits nothing while disabled', async () => {
    const r = await rig();
    await r.scanner.disable();
    r.sim.scan(WALLET_CODE, ']Q1');
    expect(r.rec.scans).toEqual([]);
    expect(r.scanner.statistics()['ignoredReads']).toBe(1);
  });

  it('goes offline on unplug and reconnects once the device is back', async () => {
    const r = await rig();
    r.sim.unplug();
    expect(r.scanner.status()).toMatchObject({ state: 'offline', reason: 'link-down' });
    r.clock.advance(500);
    await settle();
    expect(r.scanner.status()).toMatchObject({ state: 'offline', reason: 'not-found' });
    r.sim.replug();
    r.clock.advance(1000);
    await settle();
    expect(r.scanner.status().state).toBe('online');
    r.sim.scan(WALLET_CODE, ']Q1');
    expect(r.rec.scans).toHaveLength(1);
    expect(r.sim.openHandles).toBe(1);
    expect(r.scanner.statistics()).toMatchObject({ linkLosses: 1, reconnectAttempts: 2, reconnects: 1 });
    await r.scanner.close();
    expect(r.sim.openHandles).toBe(0);
  });

  it('reports the opener reason when open() fails', async () => {
    const clock = new ManualClock();
    const bus = new SimHidBus();
    bus.failWith = new KioskError('KIOSK_E_DEVICE_OFFLINE', 'node-hid missing', { details: { reason: 'node-hid-unavailable' } });
    const s = createHidScanner({ driver: 'hid-pos', vendorId: VID, productId: PID, maxLength: 512, interCharTimeoutMs: 200 }, { clock, timers: clock, logger: silentLogger, openHid: bus.opener });
    await expect(s.open()).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_OFFLINE' });
    expect(s.status()).toMatchObject({ state: 'offline', reason: 'node-hid-unavailable' });
  });
});
