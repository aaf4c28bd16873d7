import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeRig, rejection, wait, type Rig, type Transport } from './rig.js';

let rig: Rig | undefined;
afterEach(async () => { await rig?.dispose(); rig = undefined; });

const TRANSPORTS: Transport[] = ['serial', 'tcp'];

describe.each(TRANSPORTS)('ZVT driver ↔ simulated terminal over %s', (transport) => {
  it('registers at open and books an approved payment on commit', async () => {
    rig = await makeRig({ transport });
    const { t, sim } = rig;
    await t.open();
    await t.enable();
    expect(t.status().state).toBe('online');
    expect(sim.isRegistered()).toBe(true);
    expect(sim.lastConfigByte()).toBe(0xbe);
    expect(await t.identify()).toMatchObject({ protocol: 'zvt', serial: '52500038' });
    sim.labelNext('tx-1');
    const r = await t.authorize({ amount: 12345, currency: 'CNY', ref: 'tx-1' });
    expect(r).toMatchObject({ outcome: 'approved', ref: 'tx-1', amount: 12345, last4: '1111', cardType: 'VISA', reason: 'awaiting-confirmation' });
    expect(r.authCode).toMatch(/^A\d{7}$/);
    expect(sim.lastMaxStatusInfos()).toBe(10);
    expect(rig.named('intermediate').map((e) => e.text)).toContain('Insert card');
    await t.commit('tx-1');
    expect(t.transactionState('tx-1')).toBe('booked');
    expect(sim.ledger().bookedByRef).toEqual({ 'tx-1': 12345 });
    expect(t.receiptLines('tx-1').join('\n')).toContain('Karte: ************1111');
    expect(await t.queryLastResult('tx-1')).toMatchObject({ outcome: 'approved', reason: 'booked' });
    await t.commit('tx-1'); // idempotent
    expect(sim.ledger().bookings).toBe(1);
  });

  it('voids an approved payment: the terminal reverses on 84 66 00 and nothing is booked', async () => {
    rig = await makeRig({ transport });
    const { t, sim } = rig;
    await t.open();
    await t.enable();
    sim.labelNext('tx-2');
    expect((await t.authorize({ amount: 500, currency: 'CNY', ref: 'tx-2' })).outcome).toBe('approved');
    await t.void('tx-2');
    expect(t.transactionState('tx-2')).toBe('reversed');
    expect(sim.ledger().entries[0]).toMatchObject({ label: 'tx-2', state: 'reversed', reversedBy: 'ecr-negative' });
    expect(sim.ledger().bookedByRef).toEqual({});
    expect(rig.named('reversed')).toEqual([{ ref: 'tx-2', amount: 500, reason: 'reversed' }]);
    expect(await t.queryLastResult('tx-2')).toMatchObject({ outcome: 'aborted', reason: 'reversed' });
    await rejection(t.commit('tx-2')).then((e) => expect(e.code).toBe('KIOSK_E_DEVICE_STATE'));
  });

  it('reports a declined card with the host reason and books nothing', async () => {
    rig = await makeRig({ transport, sim: { mode: 'decline' } });
    const { t, sim } = rig;
    await t.open();
    await t.enable();
    const r = await t.authorize({ amount: 800, currency: 'CNY', ref: 'tx-3' });
    expect(r).toMatchObject({ outcome: 'declined', reason: 'host-declined-05', last4: '1111' });
    await t.void('tx-3'); // nothing to undo
    expect(sim.ledger().entries[0]?.state).toBe('declined');
    // the terminal is free again for the next customer
    sim.setMode('approve');
    await vi.waitFor(() => expect(sim.isBusy()).toBe(false), wait);
    expect((await t.authorize({ amount: 800, currency: 'CNY', ref: 'tx-3b' })).outcome).toBe('approved');
    await t.commit('tx-3b');
  });

  it('reports a customer abort at the terminal', async () => {
    rig = await makeRig({ transport, sim: { mode: 'customer-abort' } });
    const { t, sim } = rig;
    await t.open();
    await t.enable();
    expect(await t.authorize({ amount: 800, currency: 'CNY', ref: 'tx-4' })).toMatchObject({ outcome: 'aborted', reason: 'customer-abort' });
    expect(sim.ledger().entries[0]?.state).toBe('aborted');
  });

  it('aborts a running authorisation from the kiosk with 06 B0', async () => {
    rig = await makeRig({ transport, sim: { stepMs: 1000 } });
    const { t, sim } = rig;
    await t.open();
    await t.enable();
    const pending = t.authorize({ amount: 900, currency: 'CNY', ref: 'tx-5' });
    await vi.waitFor(() => expect(rig!.named('intermediate').length).toBeGreaterThan(0), wait);
    await t.abort();
    expect(await pending).toMatchObject({ outcome: 'aborted', reason: 'kiosk-abort' });
    expect(sim.commands()).toContain('06b0');
    expect(sim.ledger().entries[0]?.state).toBe('aborted');
    expect(sim.ledger().bookedByRef).toEqual({});
  });

  it('recovers a lost reply: unknown, then queryLastResult finds the approval, then commit books it', async () => {
    rig = await makeRig({ transport, sim: { mode: 'lost-reply', lostStatusCopies: 3 } });
    const { t, sim } = rig;
    await t.open();
    await t.enable();
    sim.labelNext('tx-6');
    const r = await t.authorize({ amount: 4200, currency: 'CNY', ref: 'tx-6' });
    expect(r.outcome).toBe('unknown');
    const q = await t.queryLastResult('tx-6');
    expect(q).toMatchObject({ outcome: 'approved', amount: 4200, last4: '1111' });
    await t.commit('tx-6');
    expect(sim.ledger().bookedByRef).toEqual({ 'tx-6': 4200 });
    expect(t.transactionState('tx-6')).toBe('booked');
  });

  it('lets the terminal auto-reverse when nobody confirms within the window, and reports it', async () => {
    rig = await makeRig({ transport, driver: { maxStatusInfos: 3 } });
    const { t, sim } = rig;
    await t.open();
    await t.enable();
    expect(t.confirmationWindowMs()).toBe(4000);
    sim.labelNext('tx-7');
    expect((await t.authorize({ amount: 1500, currency: 'CNY', ref: 'tx-7' })).outcome).toBe('approved');
    await vi.waitFor(() => expect(rig!.named('reversed')).toEqual([{ ref: 'tx-7', amount: 1500, reason: 'auto-reversed' }]), wait);
    expect(sim.ledger().entries[0]).toMatchObject({ state: 'reversed', reversedBy: 'auto', statusInfosSent: 3 });
    const e = await rejection(t.commit('tx-7'));
    expect(e.code).toBe('KIOSK_E_DEVICE_STATE');
    expect(e.details).toMatchObject({ reason: 'auto-reversed' });
    expect(await t.queryLastResult('tx-7')).toMatchObject({ outcome: 'aborted', reason: 'auto-reversed' });
  });

  it('reverses a booked payment with 06 30 and its receipt number', async () => {
    rig = await makeRig({ transport });
    const { t, sim } = rig;
    await t.open();
    await t.enable();
    sim.labelNext('tx-8');
    await t.authorize({ amount: 2500, currency: 'CNY', ref: 'tx-8' });
    await t.commit('tx-8');
    expect(sim.ledger().bookedByRef).toEqual({ 'tx-8': 2500 });
    await t.void('tx-8');
    expect(sim.commands()).toContain('0630');
    expect(sim.ledger().entries[0]).toMatchObject({ state: 'reversed', reversedBy: 'reversal' });
    expect(sim.ledger().bookedByRef).toEqual({});
    expect(t.transactionState('tx-8')).toBe('reversed');
  });

  it('runs the end of day and reports the batch total', async () => {
    rig = await makeRig({ transport });
    const { t, sim } = rig;
    await t.open();
    await t.enable();
    for (const [ref, amount] of [['a', 1000], ['b', 2345]] as const) {
      await t.authorize({ amount, currency: 'CNY', ref });
      await t.commit(ref);
    }
    const eod = await t.endOfDay();
    expect(eod).toMatchObject({ total: 3345, currency: 'CNY' });
    expect(eod.receipt.join('\n')).toContain('KASSENSCHNITT 2');
    expect(sim.ledger().endOfDays).toEqual([{ total: 3345, count: 2 }]);
  });

  it('reports a timeout when the terminal never answers the authorisation', async () => {
    rig = await makeRig({ transport, sim: { mode: 'timeout' } });
    const { t, sim } = rig;
    await t.open();
    await t.enable();
    expect(await t.authorize({ amount: 100, currency: 'CNY', ref: 'tx-9' })).toMatchObject({ outcome: 'timeout' });
    expect(sim.ledger().authorisations).toBe(0);
  });
});
