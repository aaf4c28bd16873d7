import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeRig, rejection, wait, type Rig } from './rig.js';
import { apdu, frame } from '../sim/zvt/index.js';

let rig: Rig | undefined;
afterEach(async () => { await rig?.dispose(); rig = undefined; });

describe('ZVT driver faults over serial', () => {
  it('NAKs frames with a broken CRC and takes the retransmission', async () => {
    rig = await makeRig({ transport: 'serial' });
    const { t, sim, side } = rig;
    await t.open();
    await t.enable();
    side!.corruptNextFrames(2);
    sim.labelNext('c1');
    expect((await t.authorize({ amount: 700, currency: 'CNY', ref: 'c1' })).outcome).toBe('approved');
    await t.commit('c1');
    expect(t.statistics()).toMatchObject({ crcErrors: 2, naksSent: 2 });
    expect(side!.stats().retransmits).toBeGreaterThanOrEqual(2);
    expect(sim.ledger().bookedByRef).toEqual({ c1: 700 });
  });

  it('survives line noise and a frame whose APDU length lies, and keeps working', async () => {
    rig = await makeRig({ transport: 'serial' });
    const { t, side } = rig;
    await t.open();
    await t.enable();
    side!.writeRaw([0x00, 0x10, 0x77, 0xff, 0x10, 0x02, 0x10, 0x55, 0x33]); // noise and an unpaired DLE
    side!.writeRaw([...frame([0x04, 0x0f, 0x09, 0x27, 0x00])]); // good CRC, length field says 9, carries 2
    await vi.waitFor(() => expect(t.statistics()['frameErrors']).toBeGreaterThanOrEqual(2), wait);
    expect(t.status().state).toBe('online');
    expect((await t.authorize({ amount: 100, currency: 'CNY', ref: 'c2' })).outcome).toBe('approved');
    await t.commit('c2');
  });
});

describe.each(['serial', 'tcp'] as const)('ZVT driver faults over %s', (transport) => {
  it('rejects a malformed status information with KIOSK_E_DEVICE_PROTOCOL and the terminal reverses', async () => {
    rig = await makeRig({ transport, sim: { malformedStatus: true } });
    const { t, sim } = rig;
    await t.open();
    await t.enable();
    const e = await rejection(t.authorize({ amount: 300, currency: 'CNY', ref: 'm1' }));
    expect(e.code).toBe('KIOSK_E_DEVICE_PROTOCOL');
    await vi.waitFor(() => expect(sim.ledger().entries[0]?.state).toBe('reversed'), wait);
    expect(sim.ledger().bookedByRef).toEqual({});
    await vi.waitFor(() => expect(t.transactionState('m1')).toBe('reversed'), wait);
    await rejection(t.commit('m1')).then((x) => expect(x.code).toBe('KIOSK_E_DEVICE_STATE'));
    expect(t.statistics()['protocolErrors']).toBe(1);
    // the next customer pays normally
    expect((await t.authorize({ amount: 300, currency: 'CNY', ref: 'm2' })).outcome).toBe('approved');
    await t.commit('m2');
    expect(sim.ledger().bookings).toBe(1);
  });

  it('answers an unexpected message from the terminal with 84 83 00 and carries on', async () => {
    rig = await makeRig({ transport });
    const { t, sim } = rig;
    await t.open();
    sim.injectApdu([...apdu(0x06, 0x77, [1, 2, 3])]);
    await vi.waitFor(() => expect(t.statistics()['unexpectedCommands']).toBe(1), wait);
    expect(t.status().state).toBe('online');
  });

  it('declares an authorisation cut by a link loss unknown, reconnects, and resolves it', async () => {
    rig = await makeRig({ transport, sim: { stepMs: 1500 } });
    const { t, sim } = rig;
    await t.open();
    await t.enable();
    sim.labelNext('l1');
    const pending = t.authorize({ amount: 6600, currency: 'CNY', ref: 'l1' });
    await vi.waitFor(() => expect(rig!.named('intermediate').length).toBeGreaterThan(0), wait);
    await rig.cut();
    expect((await pending).outcome).toBe('unknown');
    await vi.waitFor(() => expect(rig!.named('status').map((s) => s.state)).toContain('offline'), wait);
    const q = await t.queryLastResult('l1');
    expect(q).toMatchObject({ outcome: 'approved', amount: 6600 });
    await t.commit('l1');
    expect(sim.ledger().bookedByRef).toEqual({ l1: 6600 });
    expect(t.statistics()['reconnects']).toBeGreaterThanOrEqual(1);
  });

  it('after a restart, claims the payment the terminal still holds and books it', async () => {
    rig = await makeRig({ transport });
    const { t, sim } = rig;
    await t.open();
    await t.enable();
    sim.labelNext('r1');
    expect((await t.authorize({ amount: 9900, currency: 'CNY', ref: 'r1' })).outcome).toBe('approved');
    await t.close(); // kioskd dies before the biller answered
    const b = rig.another();
    await b.open();
    expect(b.status()).toMatchObject({ state: 'busy', reason: 'terminal-busy' });
    expect(await b.queryLastResult('r1')).toMatchObject({ outcome: 'approved', amount: 9900, last4: '1111' });
    await b.commit('r1');
    expect(sim.ledger().bookedByRef).toEqual({ r1: 9900 });
    await b.enable();
    expect((await b.authorize({ amount: 100, currency: 'CNY', ref: 'r2' })).outcome).toBe('approved');
    expect(b.status().state).toBe('online');
    await b.void('r2');
  });

  it('after a restart with the terminal idle, learns a booked payment with Repeat Receipt (06 20)', async () => {
    rig = await makeRig({ transport });
    const { t, sim } = rig;
    await t.open();
    await t.enable();
    await t.authorize({ amount: 1234, currency: 'CNY', ref: 'q1' });
    await t.commit('q1');
    await t.close();
    const b = rig.another();
    await b.open();
    expect(await b.queryLastResult('q1')).toMatchObject({ outcome: 'approved', amount: 1234, reason: 'booked' });
    expect(sim.commands()).toContain('0620');
    await b.void('q1'); // booked → 06 30
    expect(sim.ledger().bookedByRef).toEqual({});
  });

  it('refuses a second authorisation while the terminal holds one', async () => {
    rig = await makeRig({ transport });
    const { t } = rig;
    await t.open();
    await t.enable();
    await t.authorize({ amount: 100, currency: 'CNY', ref: 'b1' });
    const e = await rejection(t.authorize({ amount: 200, currency: 'CNY', ref: 'b2' }));
    expect(e).toMatchObject({ code: 'KIOSK_E_DEVICE_STATE', retryable: true });
    expect((await t.authorize({ amount: 100, currency: 'CNY', ref: 'b1' })).outcome).toBe('approved'); // idempotent per ref
    await rejection(t.authorize({ amount: 100, currency: 'EUR', ref: 'b3' })).then((x) => expect(x.code).toBe('KIOSK_E_DEVICE_CURRENCY'));
    await t.void('b1');
  });
});
