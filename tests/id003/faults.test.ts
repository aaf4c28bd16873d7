import { afterEach, describe, it, expect, vi } from 'vitest';
import { makeRig, type Rig } from './rig.js';

let rig: Rig | undefined;
afterEach(async () => { await rig?.dispose(); rig = undefined; });

const wait = { timeout: 15_000, interval: 5 };

async function openEnabled(r: Rig): Promise<void> {
  await r.v.open();
  await r.v.enable();
}

describe('ID-003 device conditions', () => {
  it('reports the cash box removed and replaced', async () => {
    rig = makeRig();
    await openEnabled(rig);
    rig.sim.removeStacker();
    await vi.waitFor(() => expect(rig!.named('cashboxRemoved')).toHaveLength(1), wait);
    expect(rig.v.status()).toMatchObject({ state: 'error', reason: 'cashbox-removed' });
    rig.sim.replaceStacker();
    await vi.waitFor(() => expect(rig!.named('cashboxReplaced')).toHaveLength(1), wait);
    await vi.waitFor(() => expect(rig!.v.status()).toMatchObject({ state: 'online' }), wait);
    expect(rig.named('cashboxRemoved')).toHaveLength(1);
  });

  it('maps stacker full, acceptor jam, cheated, pause and failure codes', async () => {
    rig = makeRig();
    const { sim, v } = rig;
    await openEnabled(rig);
    sim.setStackerFull(true);
    await vi.waitFor(() => expect(rig!.named('stackerFull')).toHaveLength(1), wait);
    expect(v.status()).toMatchObject({ state: 'error', reason: 'stacker-full' });
    sim.setStackerFull(false);

    sim.jamAcceptor();
    await vi.waitFor(() => expect(rig!.named('jam')).toEqual([{ safe: false }]), wait);
    expect(v.status().reason).toBe('jam');
    sim.clearJam();

    sim.cheat(2000);
    await vi.waitFor(() => expect(rig!.named('fraudAttempt')).toHaveLength(1), wait);
    expect(v.status()).toMatchObject({ state: 'fraud', reason: 'cheated' });
    await vi.waitFor(() => expect(v.status().state).toBe('online'), wait);

    sim.pause(2000);
    await vi.waitFor(() => expect(v.status()).toMatchObject({ state: 'busy', reason: 'pause' }), wait);
    await vi.waitFor(() => expect(v.status().state).toBe('online'), wait);

    sim.fail(0xa2);
    await vi.waitFor(() => expect(v.status()).toMatchObject({ state: 'error', reason: 'failure-stacker-motor' }), wait);
    sim.clearFailure();
    await vi.waitFor(() => expect(v.status().state).toBe('online'), wait);
    expect(v.statistics()).toMatchObject({ stackerFull: 1, jams: 1, fraud: 1, failures: 1 });
  });

  it('reports a rejected counterfeit and an inhibited denomination with their reasons', async () => {
    rig = makeRig();
    const { sim, v } = rig;
    await openEnabled(rig);
    await v.setAcceptedValues([100, 500, 1000, 2000, 5000]); // no 100-yuan notes
    sim.insert(2000, { genuine: false });
    await vi.waitFor(() => expect(rig!.named('rejected')).toEqual([{ reason: 'validation', code: 0x72 }]), wait);
    await vi.waitFor(() => expect(sim.state()).toBe('idle'), wait);
    sim.insert(10000);
    await vi.waitFor(() => expect(rig!.named('rejected')).toHaveLength(2), wait);
    expect(rig.named('rejected')[1]).toEqual({ reason: 'inhibited', code: 0x79 });
    expect(rig.named('escrow')).toEqual([]);
    expect(v.statistics()).toMatchObject({ rejected: 2, 'rejected.magnetic-pattern': 1, 'rejected.inhibited': 1 });
  });

  it('re-initialises after a power cycle mid-escrow: the note comes back, settings are restored', async () => {
    rig = makeRig();
    const { sim, v } = rig;
    await openEnabled(rig);
    await vi.waitFor(() => expect(sim.insert(5000)).toBe(true), wait);
    await vi.waitFor(() => expect(v.escrowNote()?.value).toBe(5000), wait);
    sim.powerCycle();
    await vi.waitFor(() => expect(rig!.named('returned')).toEqual([{ value: 5000 }]), wait);
    await vi.waitFor(() => expect(sim.isInhibited()).toBe(false), wait); // enable() restored after RESET
    expect(sim.returnedNotes()).toEqual([{ value: 5000, why: 'power-up' }]);
    expect(v.escrowNote()).toBeUndefined();
    expect(rig.credits).toEqual([]);
    expect(v.statistics()['powerUps']).toBe(1);
  });
});
