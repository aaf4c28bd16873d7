/**
 * The shared lifecycle contract of src/hal/device.ts as a test suite, run against every implementation
 * (the fakes here, later the drivers on their wire-level simulators). Not exported from index.ts: it
 * imports vitest, and the fakes also run outside tests (the simulated kiosk).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isKioskError } from '../../../src/errors/index.js';
import { isUsable } from '../../../src/hal/index.js';
import type { Device, DeviceClass, DeviceEvents, DeviceStatus } from '../../../src/hal/index.js';

export interface ContractSubject {
  readonly device: Device<DeviceEvents>;
  /** Cut the device off (power or cable); enables the failed-open and offline checks. */
  unplug?(): void | Promise<void>;
  replug?(): void | Promise<void>;
  /** Extra cleanup after each test (the device itself is closed by the suite). */
  dispose?(): void | Promise<void>;
}

const KINDS: readonly DeviceClass[] = ['scanner', 'billValidator', 'cardPayment', 'receiptPrinter', 'display', 'panel'];

function recordStatus(device: Device<DeviceEvents>): DeviceStatus[] {
  const seen: DeviceStatus[] = [];
  device.on('status', (s) => { seen.push(s); });
  return seen;
}

/** Every status event differs from the one before it, and the last one is what status() says now. */
function expectCleanStatusTrail(device: Device<DeviceEvents>, seen: readonly DeviceStatus[], before: DeviceStatus): void {
  let prev = before;
  for (const s of seen) {
    expect(s).not.toEqual(prev);
    prev = s;
  }
  expect(prev).toEqual(device.status());
}

export interface ContractOptions {
  /** The subject provides unplug()/replug(): also check failed opens and going offline. */
  readonly unplug?: boolean;
}

export function deviceContractTests(
  name: string,
  factory: () => ContractSubject | Promise<ContractSubject>,
  opts: ContractOptions = {},
): void {
  describe(`${name}: device lifecycle contract`, () => {
    let subject: ContractSubject | undefined;
    const make = async (): Promise<ContractSubject> => {
      subject = await factory();
      return subject;
    };

    afterEach(async () => {
      const s = subject;
      subject = undefined;
      if (s === undefined) return;
      await s.replug?.();
      await s.device.close();
      await s.dispose?.();
    });

    it('names its class and has an id', async () => {
      const { device } = await make();
      expect(KINDS).toContain(device.kind);
      expect(device.id).toMatch(/\S/);
    });

    it('is offline and unhealthy before open()', async () => {
      const { device } = await make();
      expect(device.status().state).toBe('offline');
      const h = await device.checkHealth();
      expect(h.ok).toBe(false);
      expect(h.status).toEqual(device.status());
    });

    it('open() makes it usable with one clean status trail; a second open() changes nothing', async () => {
      const { device } = await make();
      const before = device.status();
      const seen = recordStatus(device);
      await device.open();
      expect(seen.length).toBeGreaterThan(0);
      expectCleanStatusTrail(device, seen, before);
      expect(isUsable(device.status())).toBe(true);
      const n = seen.length;
      await device.open();
      expect(seen.length).toBe(n);
      expect(isUsable(device.status())).toBe(true);
    });

    it('enable() and disable() are idempotent and emit no status without a change', async () => {
      const { device } = await make();
      await device.open();
      const before = device.status();
      const seen = recordStatus(device);
      await device.enable();
      await device.enable();
      await device.disable();
      await device.disable();
      await device.enable();
      expectCleanStatusTrail(device, seen, before);
      expect(device.status()).toEqual(before);
    });

    it('close() is idempotent, leaves it offline and unhealthy, and is safe before open()', async () => {
      const { device } = await make();
      await device.close();
      await device.open();
      await device.enable();
      const before = device.status();
      const seen = recordStatus(device);
      await device.close();
      const n = seen.length;
      await device.close();
      expect(seen.length).toBe(n);
      expect(n).toBeGreaterThan(0);
      expectCleanStatusTrail(device, seen, before);
      expect(device.status().state).toBe('offline');
      expect((await device.checkHealth()).ok).toBe(false);
    });

    it('can be opened again after close()', async () => {
      const { device } = await make();
      await device.open();
      await device.close();
      await device.open();
      expect(isUsable(device.status())).toBe(true);
      expect((await device.checkHealth()).ok).toBe(true);
    });

    it('checkHealth() reports the current status', async () => {
      const { device } = await make();
      await device.open();
      const h = await device.checkHealth();
      expect(h.ok).toBe(true);
      expect(h.status).toEqual(device.status());
    });

    it('identify() gives non-empty model, serial, firmware and protocol', async () => {
      const { device } = await make();
      await device.open();
      const id = await device.identify();
      for (const v of [id.model, id.serial, id.firmware, id.protocol]) expect(v).toMatch(/\S/);
      if (id.vendor !== undefined) expect(id.vendor).toMatch(/\S/);
      for (const v of Object.values(id.extra ?? {})) expect(['string', 'number']).toContain(typeof v);
    });

    it('statistics() is a snapshot of non-negative integer counters that never go down', async () => {
      const { device } = await make();
      const first = device.statistics();
      expect(typeof first).toBe('object');
      await device.open();
      await device.enable();
      await device.disable();
      await device.close();
      const second = device.statistics();
      for (const stats of [first, second]) {
        for (const v of Object.values(stats)) {
          expect(Number.isSafeInteger(v)).toBe(true);
          expect(v).toBeGreaterThanOrEqual(0);
        }
      }
      for (const [k, v] of Object.entries(first)) expect(second[k]).toBeGreaterThanOrEqual(v);
    });

    it('on() returns a working unsubscribe, and a throwing listener does not break the device', async () => {
      const { device } = await make();
      const seen = recordStatus(device);
      const off = device.on('status', () => { throw new Error('listener bug'); });
      await device.open();
      expect(seen.length).toBeGreaterThan(0);
      off();
      const unsubscribed: DeviceStatus[] = [];
      const off2 = device.on('status', (s) => { unsubscribed.push(s); });
      off2();
      await device.close();
      expect(unsubscribed).toEqual([]);
      expect(device.status().state).toBe('offline');
    });

    if (opts.unplug !== true) return;

    const makeUnpluggable = async (): Promise<Required<Pick<ContractSubject, 'unplug' | 'replug'>> & ContractSubject> => {
      const s = await make();
      const { unplug, replug } = s;
      if (unplug === undefined || replug === undefined) throw new Error(`${name}: the factory gives no unplug()/replug()`);
      return { ...s, unplug, replug };
    };

    it('when unplugged: open() rejects as disconnected, close() is still safe, replug recovers', async () => {
      const s = await makeUnpluggable();
      const { device } = s;
      await s.unplug();
      const err: unknown = await device.open().then(() => undefined, (e: unknown) => e);
      expect(isKioskError(err)).toBe(true);
      expect(isKioskError(err) && err.disconnected).toBe(true);
      expect(device.status().state).toBe('offline');
      await device.close();
      await device.close();
      await s.replug();
      await device.open();
      expect(isUsable(device.status())).toBe(true);
    });

    it('going offline while open is a status change; coming back restores it', async () => {
      const s = await makeUnpluggable();
      const { device } = s;
      await device.open();
      const before = device.status();
      const seen = recordStatus(device);
      await s.unplug();
      expect(device.status().state).toBe('offline');
      expect((await device.checkHealth()).ok).toBe(false);
      await s.replug();
      await device.open();
      expectCleanStatusTrail(device, seen, before);
      expect(device.status()).toEqual(before);
    });
  });
}
