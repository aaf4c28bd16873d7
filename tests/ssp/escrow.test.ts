import { describe, it, expect, afterEach } from 'vitest';
import { SerialLink } from '../../src/drivers/serial/index.js';
import { SspValidator } from '../../src/drivers/ssp/index.js';
import { rig, start, payNote, type Rig } from './harness.js';

let r: Rig | undefined;
afterEach(async () => { await r?.v.close(); r = undefined; });

describe('SSP escrow', () => {
  it('holds a note with HOLD (never POLL) while the decision is pending, past the device escrow timeout', async () => {
    r = rig({ sim: { escrowTimeoutMs: 10_000 } });
    await start(r);
    r.sim.insert(2000);
    await r.until(() => r!.named('escrow').length === 1);
    expect(r.named('escrow')[0]).toEqual({ channel: 4, value: 2000, currency: 'CNY' });
    expect(r.v.escrowNote()).toMatchObject({ value: 2000 });
    const from = r.sim.commands().length;
    await r.run(25_000); // 2.5 × the device's escrow timeout
    const during = r.sim.commands().slice(from);
    expect(during.length).toBeGreaterThanOrEqual(8);
    expect(during.every((c) => c.name === 'HOLD')).toBe(true);
    const times = [r.sim.commands()[from - 1]!.at, ...during.map((c) => c.at)];
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(3000);
    expect(r.sim.noteInEscrow()).toBe(4);
    expect(r.credits).toEqual([]);

    await r.settle(r.v.accept());
    await r.until(() => r!.credits.length === 1);
    expect(r.credits[0]).toMatchObject({ value: 2000, channel: 4 });
    expect(r.sim.stackedNotes()).toHaveLength(1);
    expect(r.v.escrowNote()).toBeUndefined();
  });

  it('reject() returns the note: returned, never credited, nothing stacked', async () => {
    r = rig();
    await start(r);
    r.sim.insert(5000);
    await r.until(() => r!.named('escrow').length === 1);
    await r.settle(r.v.reject());
    await r.until(() => r!.named('returned').length === 1);
    expect(r.named('returned')[0]).toEqual({ value: 5000 });
    await r.run(2000);
    expect(r.credits).toEqual([]);
    expect(r.named('credited')).toEqual([]);
    expect(r.sim.stackedNotes()).toEqual([]);
    expect(r.sim.lastRejectCode()).toBe(0x08);
    expect(r.v.escrowNote()).toBeUndefined();
    await expect(r.v.accept()).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
  });

  it('a counterfeit or inhibited note is rejected with its reason and never escrowed', async () => {
    r = rig();
    await start(r);
    await r.settle(r.v.setAcceptedValues([1000, 2000]));
    r.sim.insert(10000);
    await r.until(() => r!.named('rejected').length === 1);
    expect(r.named('rejected')[0]).toEqual({ reason: 'inhibited', code: 0x06 });
    r.sim.insert(1000, { genuine: false });
    await r.until(() => r!.named('rejected').length === 2);
    expect(r.named('rejected')[1]).toEqual({ reason: 'not-recognised', code: 0x02 });
    expect(r.named('escrow')).toEqual([]);
    expect(r.v.statistics()).toMatchObject({ rejected: 2, 'rejected.inhibited': 1, 'rejected.not-recognised': 1 });
    await payNote(r, 2000);
    expect(r.credits.map((c) => c.value)).toEqual([2000]);
  });

  it('a note the device times out in escrow (HOLD refused) is reported as returned only once the device says so', async () => {
    r = rig({ sim: { escrowTimeoutMs: 5_000 } });
    await start(r);
    r.sim.insert(500);
    await r.until(() => r!.named('escrow').length === 1);
    r.sim.setSilent(true); // the device hears nothing for longer than its escrow timeout
    await r.run(5_600);
    r.sim.setSilent(false);
    await r.until(() => r!.named('returned').length === 1, 40_000);
    expect(r.named('returned')[0]).toEqual({ value: 500 });
    expect(r.sim.lastRejectCode()).toBe(0x13);
    expect(r.credits).toEqual([]);
  });
});

describe('SSP escrow left by another process', () => {
  it('a note held in escrow when kioskd connects is returned, never stacked without a decision', async () => {
    r = rig({ sim: { escrowTimeoutMs: 10_000 } });
    await start(r);
    r.sim.insert(5000);
    await r.until(() => r!.named('escrow').length === 1);
    // kioskd dies: the line goes quiet with the note held; a new process (driver) connects within the timeout.
    await r.unplug();
    const second = new SspValidator({
      id: 'bv1', clock: r.clock, timers: r.clock, currency: 'CNY', pollMs: 200, encryption: { enabled: false },
      openLink: () => SerialLink.open({ path: r!.path, baudRate: 9600, stopBits: 2, binding: 'mock' }),
    });
    const credits: unknown[] = [];
    second.setCreditHandler(async (c) => { credits.push(c); });
    await r.settle(second.open());
    await r.run(2_000);
    expect(r.sim.stackedNotes()).toEqual([]);
    expect(credits).toEqual([]);
    const names = r.sim.commands().map((c) => c.name);
    expect(names.lastIndexOf('REJECT')).toBeGreaterThan(names.lastIndexOf('SYNC'));
    await second.close();
  });
});
