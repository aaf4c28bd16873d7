import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/hal/index.js';
import { HidPosScanner, WedgeScanner, createNodeHidOpener, type NodeHidModule } from '../../src/drivers/hid-scanner/index.js';
import { silentLogger } from './fixtures.js';

/** A stand-in for node-hid's HIDAsync: an EventEmitter with the methods the opener calls. */
class FakeHidAsync extends EventEmitter {
  closed = 0;
  readonly written: Buffer[] = [];
  constructor(readonly path: string) { super(); }
  async close(): Promise<void> { this.closed++; }
  async write(b: Buffer): Promise<number> { this.written.push(b); return b.length; }
}

interface FakeModule { module: NodeHidModule; opened: FakeHidAsync[]; driverTypes: string[] }

function fakeNodeHid(opts: { nativeLoads?: boolean; devices?: { path: string; usagePage?: number }[] } = {}): FakeModule {
  const opened: FakeHidAsync[] = [];
  const driverTypes: string[] = [];
  const devices = opts.devices ?? [{ path: '/dev/hidraw1', usagePage: 1 }, { path: '/dev/hidraw2', usagePage: 0x8c }];
  const module = {
    setDriverType: (t: string) => { driverTypes.push(t); },
    getHidapiVersion: () => { if (opts.nativeLoads === false) throw new Error('libusb-1.0.so.0: cannot open shared object file'); return '0.14.0'; },
    devicesAsync: async (vid: number, pid: number) => devices.map((d) => ({ vendorId: vid, productId: pid, release: 1, interface: 0, ...d })),
    HIDAsync: { open: async (path: string) => { const d = new FakeHidAsync(path); opened.push(d); return d; } },
  } as unknown as NodeHidModule;
  return { module, opened, driverTypes };
}

const ctx = (): { clock: ManualClock; timers: ManualClock; logger: typeof silentLogger } => { const c = new ManualClock(); return { clock: c, timers: c, logger: silentLogger }; };
const base = { id: 'scanner', vendorId: 0x0c2e, productId: 0x0b61 };

describe('node-hid opener', () => {
  it('reports node-hid-unavailable when the import fails, without throwing past open()', async () => {
    const openHid = createNodeHidOpener({ load: () => Promise.reject(new Error("Cannot find package 'node-hid'")) });
    const s = new HidPosScanner({ ...base, ...ctx(), openHid });
    await expect(s.open()).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_OFFLINE', details: { reason: 'node-hid-unavailable' } });
    expect(s.status()).toMatchObject({ state: 'offline', reason: 'node-hid-unavailable' });
  });

  it('reports node-hid-unavailable when the native binding cannot load (no libusb)', async () => {
    const fake = fakeNodeHid({ nativeLoads: false });
    const s = new WedgeScanner({ ...base, ...ctx(), openHid: createNodeHidOpener({ load: async () => fake.module }) });
    await expect(s.open()).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_OFFLINE', details: { reason: 'node-hid-unavailable' } });
    expect(fake.driverTypes).toEqual(['libusb']);
    expect(s.status().reason).toBe('node-hid-unavailable');
  });

  it('picks the usage-page 0x8C interface, relays reports and turns a read error into a link loss', async () => {
    const fake = fakeNodeHid();
    const c = ctx();
    const s = new HidPosScanner({ ...base, ...c, openHid: createNodeHidOpener({ load: async () => fake.module }) });
    const scans: string[] = [];
    s.on('scan', (e) => scans.push(e.data));
    await s.open();
    await s.enable();
    expect(fake.driverTypes).toEqual(['hidraw']);
    expect(fake.opened.map((d) => d.path)).toEqual(['/dev/hidraw2']);
    const dev = fake.opened[0]!;
    const r = Buffer.alloc(64);
    r.set([2, 3, 0x5d, 0x51, 0x31, 0x34, 0x35, 0x36]);
    dev.emit('data', r);
    expect(scans).toEqual(['456']);
    dev.emit('error', new Error('could not read from HID device'));
    await Promise.resolve();
    expect(s.status()).toMatchObject({ state: 'offline', reason: 'link-down' });
    expect(dev.closed).toBe(1);
    await s.close();
  });

  it('refuses a second backend in the same process and reports not-found for a missing device', async () => {
    const fake = fakeNodeHid();
    const open = createNodeHidOpener({ load: async () => fake.module });
    const link = await open({ vendorId: 1, productId: 2, backend: 'hidraw' });
    await link.write?.(Uint8Array.of(0xfd, 3, 0x16, 7, 0x0d));
    expect(fake.opened[0]?.written.map((b) => [...b])).toEqual([[0xfd, 3, 0x16, 7, 0x0d]]);
    await link.close();
    await expect(open({ vendorId: 1, productId: 2, backend: 'libusb' })).rejects.toMatchObject({ details: { reason: 'hid-backend-conflict' } });
    const none = fakeNodeHid({ devices: [] });
    await expect(createNodeHidOpener({ load: async () => none.module })({ vendorId: 1, productId: 2, backend: 'hidraw' }))
      .rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_OFFLINE', retryable: true, details: { reason: 'not-found' } });
  });

  it('imports node-hid only when a HID scanner opens (fresh process)', () => {
    const probe = join(import.meta.dirname, 'probe', 'node-hid-probe.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', probe], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(out).toMatchObject({ afterSerialImport: false, afterHidImport: false, afterCreate: false, afterOpen: true, code: 'KIOSK_E_DEVICE_OFFLINE' });
    // Without libusb the binding does not load; with it, no such device exists. Either way: offline, no crash.
    expect(['node-hid-unavailable', 'not-found']).toContain((out['status'] as { reason: string }).reason);
  });
});
