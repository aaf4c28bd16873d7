import { afterEach, describe, expect, it, vi } from 'vitest';
import { KioskError } from '../../src/errors/index.js';
import { ManualClock } from '../../src/hal/index.js';
import { SerialLink } from '../../src/drivers/serial/index.js';
import { SerialScannerConfigSchema, createSerialScanner, type SerialScanner } from '../../src/drivers/serial-scanner/index.js';
import { SerialScannerSim, type SerialScannerSimOptions } from '../sim/scanner/index.js';
import { attachToMockPort, unplugMockPort } from '../sim/serial/mock-bridge.js';
import { GLN, GS, GS1_SLIP, NUMERIC_SLIP, WALLET_CODE, record, silentLogger, type Recorder } from './fixtures.js';

let seq = 0;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

interface Rig { sim: SerialScannerSim; scanner: SerialScanner; clock: ManualClock; rec: Recorder; path: string; plugged: { value: boolean } }

function rig(cfg: Record<string, unknown> = {}, simOpts: SerialScannerSimOptions = {}): Rig {
  const clock = new ManualClock();
  const path = `/dev/ttyScan-${process.pid}-${++seq}`;
  const sim = new SerialScannerSim(simOpts);
  const detach = attachToMockPort(path, sim);
  const plugged = { value: true };
  const scanner = createSerialScanner(SerialScannerConfigSchema.parse({ driver: 'serial', port: { path, binding: 'mock' }, ...cfg }), {
    clock, timers: clock, logger: silentLogger,
    openLink: async () => {
      if (!plugged.value) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'unplugged', { retryable: true, disconnected: true });
      return SerialLink.open({ path, baudRate: 9600, binding: 'mock' });
    },
  });
  const rec = record(scanner);
  cleanups.push(async () => { await scanner.close(); detach(); });
  return { sim, scanner, clock, rec, path, plugged };
}

async function started(r: Rig): Promise<void> {
  await r.scanner.open();
  await r.scanner.enable();
  expect(r.scanner.status().state).toBe('online');
}

describe('SerialScanner over SerialPortMock', () => {
  it('delivers a GS1-128 slip with ]C1 and GS, a numeric slip and a wallet code intact', async () => {
    const r = rig();
    await started(r);
    r.sim.scan(GS1_SLIP, { aim: ']C1' });
    r.sim.scan(NUMERIC_SLIP, { aim: ']I0' });
    r.sim.scan(WALLET_CODE, { aim: ']Q1' });
    await vi.waitFor(() => expect(r.rec.scans).toHaveLength(3));
    expect(r.rec.scans).toEqual([
      { data: `415${GLN}8020E0012345678202506${GS}390223850`, symbology: ']C1' },
      { data: NUMERIC_SLIP, symbology: ']I0' },
      { data: WALLET_CODE, symbology: ']Q1' },
    ]);
    expect(r.scanner.statistics()).toMatchObject({ goodReads: 3, garbage: 0, oversize: 0 });
    expect(await r.scanner.identify()).toMatchObject({ protocol: 'serial-scanner' });
  });

  it('reassembles reads sent in 3-byte pieces with a CR LF suffix', async () => {
    const r = rig({ suffix: 'crlf' }, { suffix: 'crlf', chunkSize: 3 });
    await started(r);
    r.sim.scan(GS1_SLIP, { aim: ']C1' });
    r.sim.scan(WALLET_CODE);
    await vi.waitFor(() => expect(r.rec.scans).toHaveLength(2));
    expect(r.rec.scans.map((s) => s.data)).toEqual([GS1_SLIP, WALLET_CODE]);
  });

  it('refuses a 4 KB barcode, stays online, and reads the next one', async () => {
    const r = rig();
    await started(r);
    r.sim.sendOversize(4096);
    r.sim.scan(WALLET_CODE, { aim: ']Q1' });
    await vi.waitFor(() => expect(r.rec.scans).toHaveLength(1));
    expect(r.rec.scans[0]).toEqual({ data: WALLET_CODE, symbology: ']Q1' });
    expect(r.scanner.statistics()).toMatchObject({ oversize: 1, goodReads: 1 });
    expect(r.scanner.status().state).toBe('online');
  });

  it('drops binary garbage and never emits it', async () => {
    const r = rig();
    await started(r);
    r.sim.sendGarbage([0x00, 0xff, 0x1b, 0x5b, 0x41, 0x07, 0x80]);
    r.sim.scan(NUMERIC_SLIP);
    await vi.waitFor(() => expect(r.rec.scans).toHaveLength(1));
    expect(r.rec.scans).toEqual([{ data: NUMERIC_SLIP }]);
    expect(r.scanner.statistics()).toMatchObject({ garbage: 1, goodReads: 1 });
    expect(r.scanner.status().state).toBe('online');
  });

  it('drops a read whose suffix never comes once the inter-character timeout passes', async () => {
    const r = rig({ interCharTimeoutMs: 150 });
    await started(r);
    r.sim.sendRaw(Buffer.from('37000123'));
    // The inter-character timer is armed once the bytes reached the driver.
    await vi.waitFor(() => expect(r.clock.pendingCount()).toBe(1));
    r.clock.advance(149);
    expect(r.scanner.statistics()['garbage']).toBe(0);
    r.clock.advance(1);
    expect(r.scanner.statistics()['garbage']).toBe(1);
    r.sim.scan(WALLET_CODE);
    await vi.waitFor(() => expect(r.rec.scans).toEqual([{ data: WALLET_CODE }]));
  });

  it('emits nothing while disabled', async () => {
    const r = rig();
    await started(r);
    await r.scanner.disable();
    r.sim.scan(WALLET_CODE);
    await vi.waitFor(() => expect(r.scanner.statistics()['ignoredReads']).toBe(1));
    await r.scanner.enable();
    r.sim.scan(NUMERIC_SLIP);
    await vi.waitFor(() => expect(r.rec.scans).toHaveLength(1));
    expect(r.rec.scans[0]?.data).toBe(NUMERIC_SLIP);
  });

  it('goes offline on unplug and reconnects with backoff', async () => {
    const r = rig();
    await started(r);
    r.plugged.value = false;
    await unplugMockPort(r.path);
    await vi.waitFor(() => expect(r.scanner.status()).toMatchObject({ state: 'offline', reason: 'link-down' }));
    r.clock.advance(500); // first attempt fails: still unplugged
    await vi.waitFor(() => expect(r.scanner.status().reason).toBe('reconnecting'));
    r.plugged.value = true;
    r.clock.advance(999);
    expect(r.scanner.status().state).toBe('offline'); // the second attempt waits 1000 ms
    r.clock.advance(1);
    await vi.waitFor(() => expect(r.scanner.status().state).toBe('online'));
    r.sim.scan(WALLET_CODE, { aim: ']Q1' });
    await vi.waitFor(() => expect(r.rec.scans).toHaveLength(1));
    expect(r.scanner.statistics()).toMatchObject({ linkLosses: 1, reconnectAttempts: 2, reconnects: 1 });
    expect(r.rec.statuses.map((s) => `${s.state}:${s.reason}`)).toEqual(['online:ok', 'offline:link-down', 'offline:reconnecting', 'online:ok']);
  });

  it('rejects open() with KIOSK_E_DEVICE_OFFLINE when the port is missing', async () => {
    const clock = new ManualClock();
    const s = createSerialScanner(SerialScannerConfigSchema.parse({ driver: 'serial', port: { path: '/dev/ttyNoSuchScanner', binding: 'mock' } }), { clock, timers: clock, logger: silentLogger });
    await expect(s.open()).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_OFFLINE', disconnected: true });
    expect(s.status()).toMatchObject({ state: 'offline', reason: 'open-failed' });
    await s.close();
    expect(s.status().reason).toBe('closed');
  });
});
