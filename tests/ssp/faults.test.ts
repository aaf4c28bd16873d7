import { describe, it, expect, afterEach } from 'vitest';
import { SerialLink } from '../../src/drivers/serial/index.js';
import { SspValidator } from '../../src/drivers/ssp/index.js';
import type { NoteCredit } from '../../src/hal/index.js';
import { rig, start, payNote, type Rig } from './harness.js';

let r: Rig | undefined;
const extra: SspValidator[] = [];
afterEach(async () => {
  await r?.v.close();
  for (const v of extra.splice(0)) await v.close();
  r = undefined;
});

describe('SSP credits under faults', () => {
  it('eSSP: a failing credit handler means no EVENT ACK; the device repeats the credit and it is credited once', async () => {
    r = rig({ encrypted: true, sim: { forceEncryption: true } });
    await start(r);
    const calls: NoteCredit[] = [];
    let fail = 2;
    r.handler = async (c) => { calls.push(c); if (fail-- > 0) throw new Error('journal busy'); r!.credits.push(c); };
    r.sim.insert(10000);
    await r.until(() => r!.named('escrow').length === 1);
    await r.settle(r.v.accept());
    await r.until(() => r!.credits.length === 1);
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.deviceRef)).size).toBe(1);
    // No EVENT ACK went out before the handler succeeded; one did after.
    const log = r.sim.commands();
    const acks = log.filter((c) => c.name === 'EVENT_ACK');
    expect(acks).toHaveLength(1);
    const pollsWithAck = log.filter((c) => c.name === 'POLL_WITH_ACK' && c.at < acks[0]!.at);
    expect(pollsWithAck.length).toBeGreaterThanOrEqual(3);
    await r.run(3000);
    expect(r.credits).toHaveLength(1);
    expect(r.named('credited')).toHaveLength(1);
    expect(r.named('stacked')).toHaveLength(1);
    expect(r.sim.stackedNotes()).toHaveLength(1);
    expect(r.v.statistics()).toMatchObject({ creditHandlerFailures: 2, accepted: 1 });
  });

  it('eSSP: a credit still unacknowledged when the device resets is kept by the driver and credited once', async () => {
    r = rig({ encrypted: true, sim: { forceEncryption: true } });
    await start(r);
    let failing = true;
    let calls = 0;
    r.handler = async (c) => { calls++; if (failing) throw new Error('journal down'); r!.credits.push(c); };
    r.sim.insert(2000);
    await r.until(() => r!.named('escrow').length === 1);
    await r.settle(r.v.accept());
    await r.until(() => calls >= 2); // the device repeated it at least once
    r.sim.powerCycle(); // forgets its unacknowledged events
    failing = false;
    await r.until(() => r!.credits.length === 1, 20_000);
    await r.run(3000);
    expect(r.credits.map((c) => c.value)).toEqual([2000]);
    expect(r.sim.stackedNotes()).toHaveLength(1);
  });

  it('plain SSP: a failing credit handler is retried from memory until it resolves, once', async () => {
    r = rig();
    await start(r);
    let fail = 1;
    r.handler = async (c) => { if (fail-- > 0) throw new Error('disk full'); r!.credits.push(c); };
    await payNote(r, 100);
    await r.run(2000);
    expect(r.credits.map((c) => c.value)).toEqual([100]);
    expect(r.named('credited')).toHaveLength(1);
  });

  it('a note past the point of no return at power loss is credited at the first poll, before ENABLE', async () => {
    r = rig();
    await start(r);
    r.sim.insert(5000);
    await r.until(() => r!.named('escrow').length === 1);
    await r.settle(r.v.accept()); // the device starts stacking
    await r.v.close();
    r.sim.powerCycle();
    const credits: NoteCredit[] = [];
    const v2 = new SspValidator({
      id: 'bv1', clock: r.clock, timers: r.clock, currency: 'CNY',
      openLink: () => SerialLink.open({ path: r!.path, baudRate: 9600, binding: 'mock' }),
      encryption: { enabled: false },
    });
    extra.push(v2);
    v2.setCreditHandler(async (c) => { credits.push(c); });
    const from = r.sim.commands().length;
    await r.settle(v2.open());
    expect(credits.map((c) => c.value)).toEqual([5000]);
    const names = r.sim.commands().slice(from).map((c) => c.name);
    expect(names.indexOf('POLL')).toBeLessThan(names.indexOf('SET_INHIBITS'));
    expect(names).not.toContain('ENABLE');
    expect(r.sim.stackedNotes()).toEqual([expect.objectContaining({ value: 5000, via: 'power-up' })]);
    expect(r.credits).toEqual([]);
  });

  it('a jam after the credit: still credited exactly once, jam reported, status error', async () => {
    r = rig();
    await start(r);
    r.sim.jamAfterNextCredit(true);
    await payNote(r, 2000);
    await r.until(() => r!.named('jam').length === 1);
    await r.run(3000);
    expect(r.credits.map((c) => c.value)).toEqual([2000]);
    expect(r.named('jam')).toEqual([{ safe: true }]);
    expect(r.v.status()).toMatchObject({ state: 'error', reason: 'jam' });
    expect(r.v.statistics()).toMatchObject({ jams: 1, accepted: 1 });
    // Power-cycling clears the jam; the driver resynchronises and is usable again.
    r.sim.powerCycle();
    await r.until(() => r!.v.status().state === 'online');
    await payNote(r, 100);
    expect(r.credits.map((c) => c.value)).toEqual([2000, 100]);
  });

  it('cash box removed/replaced, stacker full and fraud attempts are reported once each', async () => {
    r = rig();
    await start(r);
    r.sim.removeCashbox();
    await r.until(() => r!.named('cashboxRemoved').length === 1);
    expect(r.v.status()).toMatchObject({ state: 'error', reason: 'cashbox-removed' });
    await r.run(1000);
    expect(r.named('cashboxRemoved')).toHaveLength(1);
    r.sim.replaceCashbox();
    await r.until(() => r!.named('cashboxReplaced').length === 1);
    await r.until(() => r!.v.status().state === 'online');
    r.sim.setStackerFull(true);
    await r.until(() => r!.named('stackerFull').length === 1);
    expect(r.v.status().reason).toBe('stacker-full');
    r.sim.setStackerFull(false);
    await r.until(() => r!.v.status().state === 'online');
    r.sim.fraudAttempt(3);
    await r.until(() => r!.named('fraudAttempt').length === 1);
    expect(r.named('fraudAttempt')[0]).toEqual({ value: 1000 });
    expect(r.v.status().state).toBe('fraud');
    expect(r.credits).toEqual([]);
  });
});

describe('SSP link faults', () => {
  it('unplug mid-escrow and replug: the note stays held (HOLD, no POLL) and is credited once after accept', async () => {
    r = rig();
    await start(r);
    r.sim.insert(1000);
    await r.until(() => r!.named('escrow').length === 1);
    await r.unplug();
    await r.until(() => r!.v.status().state === 'offline');
    const from = r.sim.commands().length;
    await r.until(() => r!.v.status().state === 'online', 20_000);
    await r.run(4000);
    const after = r.sim.commands().slice(from).map((c) => c.name);
    expect(after[0]).toBe('SYNC');
    expect(after).not.toContain('POLL');
    expect(after).toContain('HOLD');
    expect(r.sim.noteInEscrow()).toBe(3);
    expect(r.named('escrow')).toHaveLength(1);
    expect(r.named('returned')).toEqual([]);
    await r.settle(r.v.accept());
    await r.until(() => r!.credits.length === 1);
    await r.run(2000);
    expect(r.credits.map((c) => c.value)).toEqual([1000]);
    expect(r.v.statistics().reconnects).toBe(1);
  });

  it('unplug mid-escrow while the device power-cycles: reported returned because the device says so (E1)', async () => {
    r = rig();
    await start(r);
    r.sim.insert(1000);
    await r.until(() => r!.named('escrow').length === 1);
    await r.unplug();
    r.sim.powerCycle();
    await r.until(() => r!.named('returned').length === 1, 20_000);
    expect(r.named('returned')[0]).toEqual({ value: 1000 });
    expect(r.v.escrowNote()).toBeUndefined();
    await r.run(2000);
    expect(r.credits).toEqual([]);
    expect(r.sim.stackedNotes()).toEqual([]);
    expect(r.sim.isEnabled()).toBe(true); // re-enabled after the resync
  });

  it('silence → offline with backoff, then recovery; garbage → comm errors, offline, recovery', async () => {
    r = rig();
    await start(r);
    r.sim.setSilent(true);
    await r.until(() => r!.v.status().state === 'offline', 20_000);
    expect(r.v.status().reason).toBe('no-reply');
    await r.run(20_000);
    r.sim.setSilent(false);
    await r.until(() => r!.v.status().state === 'online' && r!.sim.isEnabled(), 40_000);
    await payNote(r, 500);

    r.sim.lineNoise(Buffer.from([1, 2, 3, 0x7f, 9, 9]));
    await r.run(1000);
    expect(r.v.status().state).toBe('online');
    r.sim.corruptReplies(10_000);
    await r.until(() => r!.v.status().state === 'offline', 20_000);
    expect(r.v.statistics().commErrors).toBeGreaterThan(3);
    r.sim.corruptReplies(0);
    await r.until(() => r!.v.status().state === 'online', 40_000);
    await payNote(r, 100);
    expect(r.credits.map((c) => c.value)).toEqual([500, 100]);
    expect(r.sim.stackedNotes()).toHaveLength(2);
  });

  it('dropped and slow replies are resent with the same sequence bit and never duplicate events', async () => {
    r = rig();
    await start(r);
    r.sim.insert(2000);
    await r.until(() => r!.named('escrow').length === 1);
    r.sim.dropReplies(1);
    await r.settle(r.v.accept());
    r.sim.dropReplies(2);
    await r.until(() => r!.credits.length === 1);
    r.sim.setReplyDelay(1200); // longer than the reply timeout: the late reply arrives after the resend
    await r.run(5000);
    r.sim.setReplyDelay(0);
    await payNote(r, 100);
    expect(r.credits.map((c) => c.value)).toEqual([2000, 100]);
    expect(r.named('escrow')).toHaveLength(2);
    expect(r.v.statistics().resends).toBeGreaterThanOrEqual(3);
    expect(r.sim.commands().some((c) => c.repeat)).toBe(true);
  });

  it('a validator set up for another currency is refused at open()', async () => {
    r = rig({ sim: { currency: 'EUR', notes: [5, 10, 20, 50] } });
    await expect(r.settle(r.v.open())).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_CURRENCY' });
    expect(r.v.status()).toMatchObject({ state: 'offline', reason: 'wrong-currency' });
  });

  it('works with a non-CNY dataset when the terminal is configured for it', async () => {
    r = rig({ sim: { currency: 'EUR', notes: [5, 10, 20, 50] }, driver: { currency: 'EUR' } });
    await start(r);
    expect(r.v.denominations().map((d) => `${d.value} ${d.currency}`)).toEqual(['500 EUR', '1000 EUR', '2000 EUR', '5000 EUR']);
    await payNote(r, 2000);
    expect(r.credits[0]).toMatchObject({ value: 2000, currency: 'EUR' });
  });

  it('open() fails with a disconnected error when nothing answers', async () => {
    r = rig({ driver: { retries: 1 } });
    r.sim.setSilent(true);
    await expect(r.settle(r.v.open())).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_TIMEOUT' });
    expect(r.v.status().state).toBe('offline');
  });
});

describe('SSP encryption on and off', () => {
  it('eSSP: keys negotiated, every command after the key exchange encrypted, credits acknowledged', async () => {
    r = rig({ encrypted: true, sim: { forceEncryption: true } });
    await start(r);
    const log = r.sim.commands();
    expect(log.slice(0, 4).map((c) => [c.name, c.encrypted])).toEqual([['SYNC', false], ['SET_GENERATOR', false], ['SET_MODULUS', false], ['REQUEST_KEY_EXCHANGE', false]]);
    expect(log.slice(4).every((c) => c.encrypted)).toBe(true);
    expect(log.map((c) => c.name)).toContain('POLL_WITH_ACK');
    await payNote(r, 10000);
    await payNote(r, 100);
    await r.run(1000);
    expect(r.credits.map((c) => c.value)).toEqual([10000, 100]);
    expect(r.sim.commands().filter((c) => c.name === 'EVENT_ACK')).toHaveLength(2);
    expect((await r.v.identify()).protocol).toBe('essp');
    // A power cycle loses the keys: the driver re-negotiates and carries on.
    r.sim.powerCycle();
    await r.run(3000);
    await payNote(r, 500);
    expect(r.credits.map((c) => c.value)).toEqual([10000, 100, 500]);
    expect(r.sim.commands().filter((c) => c.name === 'REQUEST_KEY_EXCHANGE')).toHaveLength(2);
  });

  it('plain SSP: GET COUNTERS after every (re)connect is emitted and kept for the journal check', async () => {
    r = rig({ sim: { stackedCounter: 41 } });
    await start(r);
    expect(r.v.lastCounters()).toMatchObject({ stacked: 41 });
    expect(r.named('counters')).toHaveLength(1);
    await payNote(r, 1000);
    expect(r.credits[0]!.deviceRef).toBe('1873452:42');
    await r.unplug();
    await r.until(() => r!.named('counters').length === 2, 20_000);
    expect(r.v.lastCounters()).toMatchObject({ stacked: 42 });
    expect(r.sim.commands().some((c) => c.encrypted)).toBe(false);
  });
});
