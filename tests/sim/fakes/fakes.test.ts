import { describe, expect, it } from 'vitest';
import { deviceContractTests, type ContractSubject } from './contract.js';
import type { FakeDevice } from './fake-device.js';
import type { DeviceEvents } from '../../../src/hal/index.js';
import {
  FakeBillValidator, FakeCardPayment, FakeDisplay, FakePanel, FakePrinter, FakeScanner, createFakeDevices,
} from './index.js';

function subject<E extends DeviceEvents>(device: FakeDevice<E>): ContractSubject {
  return { device, unplug: () => device.unplug(), replug: () => device.replug() };
}

deviceContractTests('FakeScanner', () => subject(new FakeScanner()), { unplug: true });
deviceContractTests('FakeBillValidator', () => subject(new FakeBillValidator({ currency: 'CNY' })), { unplug: true });
deviceContractTests('FakeCardPayment', () => subject(new FakeCardPayment()), { unplug: true });
deviceContractTests('FakePrinter (58 mm)', () => subject(new FakePrinter({ columns: 32 })), { unplug: true });
deviceContractTests('FakeDisplay (HD44780)', () => subject(new FakeDisplay({ cols: 20, rows: 4, charset: 'ascii' })), { unplug: true });
deviceContractTests('FakeDisplay (ST7920)', () => subject(new FakeDisplay({ cols: 16, rows: 4, charset: 'gb2312' })), { unplug: true });
deviceContractTests('FakePanel', () => subject(new FakePanel()), { unplug: true });

describe('shared fake lifecycle rules', () => {
  it('enable() on a closed device is a state error; operations on an unplugged one say disconnected', async () => {
    const p = new FakePrinter();
    await expect(p.enable()).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
    await expect(p.print({ lines: [] })).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
    await p.open();
    p.unplug();
    await expect(p.print({ lines: [] })).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_OFFLINE', disconnected: true });
    expect(p.status()).toMatchObject({ state: 'offline', reason: 'no-reply' });
  });

  it('a fault present at open() shows in the first status, with no event while closed', async () => {
    const p = new FakePrinter();
    const seen: string[] = [];
    p.on('status', (s) => { seen.push(s.reason); });
    p.setPaper('out');
    expect(seen).toEqual([]);
    await p.open();
    expect(seen).toEqual(['paper-out']);
  });

  it('replug() restores the enable state', async () => {
    const s = new FakeScanner();
    await s.open();
    await s.enable();
    s.unplug();
    expect(s.scan('x')).toBe(false);
    s.replug();
    expect(s.scan('x')).toBe(true);
  });
});

describe('createFakeDevices', () => {
  it('returns one fake of each class, keyed by its kind, sharing the currency', async () => {
    const d = createFakeDevices({ currency: 'EUR', printerColumns: 32 });
    for (const [key, dev] of Object.entries(d)) expect(dev.kind).toBe(key);
    expect(d.receiptPrinter.columns()).toBe(32);
    expect(d.display.geometry()).toEqual({ cols: 16, rows: 4, charset: 'gb2312' });
    await d.billValidator.open();
    expect(d.billValidator.denominations().every((x) => x.currency === 'EUR')).toBe(true);
    await d.cardPayment.open();
    await d.cardPayment.enable();
    await expect(d.cardPayment.authorize({ amount: 100, currency: 'CNY', ref: 't1' }))
      .rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_CURRENCY' });
  });
});
