import { describe, expect, it } from 'vitest';
import type { NoteCredit } from '../../../src/hal/index.js';
import { ManualClock } from '../../../src/hal/index.js';
import { FakeBillValidator } from './bill-validator.js';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

const tick = (): Promise<void> => new Promise((r) => { setImmediate(r); });

async function ready(): Promise<{ v: FakeBillValidator; log: string[]; credits: NoteCredit[] }> {
  const v = new FakeBillValidator({ currency: 'CNY' });
  const log: string[] = [];
  const credits: NoteCredit[] = [];
  for (const e of ['escrow', 'stacked', 'credited', 'returned', 'rejected', 'jam', 'cashboxRemoved', 'cashboxReplaced'] as const) {
    v.on(e, () => { log.push(e); });
  }
  v.on('credited', (c) => { credits.push(c); });
  await v.open();
  await v.enable();
  return { v, log, credits };
}

describe('FakeBillValidator escrow and credit', () => {
  it('reads the default CNY table at open()', async () => {
    const v = new FakeBillValidator({ currency: 'CNY' });
    expect(v.denominations()).toEqual([]);
    await v.open();
    expect(v.denominations().map((d) => [d.channel, d.value, d.currency])).toEqual([
      [1, 100, 'CNY'], [2, 500, 'CNY'], [3, 1000, 'CNY'], [4, 2000, 'CNY'], [5, 5000, 'CNY'], [6, 10000, 'CNY'],
    ]);
  });

  it('escrow is not credit: the handler is not called until accept()', async () => {
    const { v, log } = await ready();
    const calls: NoteCredit[] = [];
    v.setCreditHandler(async (c) => { calls.push(c); });
    expect(await v.insert(2000)).toBe('escrow');
    await tick();
    expect(log).toEqual(['escrow']);
    expect(calls).toEqual([]);
    expect(v.escrowNote()).toEqual({ channel: 4, value: 2000, currency: 'CNY' });
    expect(v.statistics()).toMatchObject({ accepted: 0, credited: 0 });
  });

  it('emits stacked and credited only after the credit handler resolved', async () => {
    const { v, log, credits } = await ready();
    const gate = deferred();
    const calls: NoteCredit[] = [];
    v.setCreditHandler(async (c) => { calls.push(c); await gate.promise; });
    await v.insert(5000);
    await v.accept();
    expect(v.escrowNote()).toBeUndefined();
    await tick();
    expect(calls).toEqual([{ channel: 5, value: 5000, currency: 'CNY', deviceRef: 'fake-1' }]);
    expect(log).toEqual(['escrow']);
    gate.resolve();
    await v.whenSettled();
    expect(log).toEqual(['escrow', 'stacked', 'credited']);
    expect(credits).toEqual(calls);
    expect(v.pendingCredit()).toBeUndefined();
    expect(v.statistics()).toMatchObject({ accepted: 1, stacked: 1, credited: 1 });
  });

  it('delivers the credit after accept() has resolved, so a host awaiting accept() cannot deadlock', async () => {
    const { v } = await ready();
    let acceptDone = false;
    let sawAcceptDone: boolean | undefined;
    v.setCreditHandler(async () => { sawAcceptDone = acceptDone; });
    await v.insert(100);
    await v.accept();
    acceptDone = true;
    await v.whenSettled();
    expect(sawAcceptDone).toBe(true);
  });

  it('a rejecting handler gets no credited event; the same deviceRef is redelivered later', async () => {
    const { v, log, credits } = await ready();
    const refs: string[] = [];
    let fail = true;
    v.setCreditHandler(async (c) => {
      refs.push(c.deviceRef);
      if (fail) throw new Error('journal busy');
    });
    await v.insert(1000);
    await v.accept();
    await v.whenSettled();
    expect(log).toEqual(['escrow']);
    expect(v.pendingCredit()?.deviceRef).toBe('fake-1');
    expect(await v.insert(100)).toBe('rejected-busy');
    fail = false;
    expect(await v.redeliverPending()).toBe(true);
    expect(refs).toEqual(['fake-1', 'fake-1']);
    expect(credits.map((c) => [c.deviceRef, c.value])).toEqual([['fake-1', 1000]]);
    expect(log).toEqual(['escrow', 'stacked', 'credited']);
    expect(v.statistics()).toMatchObject({ creditNacks: 1, credited: 1 });
    expect(await v.redeliverPending()).toBe(false);
  });

  it('keeps the credit pending while no handler is registered', async () => {
    const { v, credits } = await ready();
    await v.insert(100);
    await v.accept();
    await v.whenSettled();
    expect(v.pendingCredit()?.value).toBe(100);
    v.setCreditHandler(async () => {});
    expect(await v.redeliverPending()).toBe(true);
    expect(credits.map((c) => c.deviceRef)).toEqual(['fake-1']);
  });

  it('with injected timers the credit arrives only when the clock moves', async () => {
    const clock = new ManualClock();
    const v = new FakeBillValidator({ currency: 'CNY', timers: clock });
    const credits: string[] = [];
    v.on('credited', (c) => { credits.push(c.deviceRef); });
    v.setCreditHandler(async () => {});
    await v.open();
    await v.enable();
    await v.insert(100);
    await v.accept();
    await tick();
    expect(credits).toEqual([]);
    clock.advance(0);
    await v.whenSettled();
    expect(credits).toEqual(['fake-1']);
  });

  it('gives each note its own deviceRef', async () => {
    const { v, credits } = await ready();
    v.setCreditHandler(async () => {});
    for (const value of [100, 500, 100]) {
      await v.insert(value);
      await v.accept();
      await v.whenSettled();
    }
    expect(credits.map((c) => c.deviceRef)).toEqual(['fake-1', 'fake-2', 'fake-3']);
  });

  it('an acknowledgement lost to an unplug leaves the credit pending for after the reconnect', async () => {
    const { v, credits } = await ready();
    const gate = deferred();
    v.setCreditHandler(() => gate.promise);
    await v.insert(2000);
    await v.accept();
    await tick();
    v.unplug();
    gate.resolve();
    await v.whenSettled();
    expect(credits).toEqual([]);
    expect(v.pendingCredit()?.deviceRef).toBe('fake-1');
    v.replug();
    v.setCreditHandler(async () => {});
    expect(await v.redeliverPending()).toBe(true);
    expect(credits.map((c) => c.deviceRef)).toEqual(['fake-1']);
  });

  it('reject() returns the note without any credit', async () => {
    const { v, log } = await ready();
    let called = false;
    v.setCreditHandler(async () => { called = true; });
    const returned: Array<number | undefined> = [];
    v.on('returned', (r) => { returned.push(r.value); });
    await v.insert(10000);
    await v.reject();
    await v.whenSettled();
    expect(called).toBe(false);
    expect(returned).toEqual([10000]);
    expect(log).toEqual(['escrow', 'returned']);
    expect(v.statistics()).toMatchObject({ returned: 1, accepted: 0 });
  });

  it('accept() and reject() without a note in escrow are state errors', async () => {
    const { v } = await ready();
    await expect(v.accept()).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
    await expect(v.reject()).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
  });
});

describe('FakeBillValidator refusals and faults', () => {
  it('refuses notes while disabled, inhibited or unknown, with a rejected event', async () => {
    const { v } = await ready();
    const reasons: string[] = [];
    v.on('rejected', (r) => { reasons.push(r.reason); });
    await v.setAcceptedValues([100, 500]);
    expect(await v.insert(5000)).toBe('rejected-inhibited');
    expect(await v.insert(300)).toBe('rejected-unknown');
    await v.disable();
    expect(await v.insert(100)).toBe('rejected-disabled');
    expect(reasons).toEqual(['inhibited', 'not-recognised', 'inhibited']);
    expect(v.statistics()).toMatchObject({ rejected: 3, rejectedInhibited: 2, rejectedNotRecognised: 1 });
    await v.enable();
    expect(await v.insert(500)).toBe('escrow');
  });

  it('unplug loses the escrowed note to the customer and goes offline; replug comes back', async () => {
    const { v, log } = await ready();
    await v.insert(2000);
    v.unplug();
    expect(log).toEqual(['escrow', 'returned']);
    expect(v.escrowNote()).toBeUndefined();
    expect(v.status()).toMatchObject({ state: 'offline' });
    expect(await v.insert(100)).toBe('rejected-offline');
    await expect(v.accept()).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_OFFLINE' });
    v.replug();
    expect(v.status().state).toBe('online');
    expect(await v.insert(100)).toBe('escrow');
  });

  it('a jam is an error status that blocks the escrow until cleared', async () => {
    const { v } = await ready();
    const jams: boolean[] = [];
    v.on('jam', (j) => { jams.push(j.safe); });
    await v.insert(100);
    v.jam(false);
    expect(jams).toEqual([false]);
    expect(v.status()).toMatchObject({ state: 'error', reason: 'jam' });
    await expect(v.accept()).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_FAULT' });
    expect(v.escrowNote()?.value).toBe(100);
    v.clearJam();
    await v.reject();
    expect(await v.insert(100)).toBe('escrow');
    expect(v.statistics().jams).toBe(1);
  });

  it('cash box removal stops note intake until it is replaced', async () => {
    const { v, log } = await ready();
    const states: string[] = [];
    v.on('status', (s) => { states.push(s.reason); });
    v.removeCashbox();
    v.removeCashbox();
    expect(await v.insert(100)).toBe('rejected-disabled');
    v.replaceCashbox();
    expect(log).toEqual(['cashboxRemoved', 'rejected', 'cashboxReplaced']);
    expect(states).toEqual(['cashbox-removed', 'ok']);
    expect(v.statistics().cashboxRemovals).toBe(1);
  });

  it('reports stacker full and fraud in its status', async () => {
    const { v } = await ready();
    v.stackerFull();
    expect(v.status()).toMatchObject({ state: 'error', reason: 'stacker-full' });
    const fraud: Array<number | undefined> = [];
    v.on('fraudAttempt', (f) => { fraud.push(f.value); });
    v.fraud(5000);
    expect(v.status().state).toBe('fraud');
    expect(fraud).toEqual([5000]);
    v.clearFraud();
    v.replaceCashbox(); // no cash box was removed: nothing changes
    expect(v.status().reason).toBe('stacker-full');
  });
});
