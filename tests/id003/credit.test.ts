import { afterEach, describe, it, expect, vi } from 'vitest';
import type { NoteCredit } from '../../src/hal/index.js';
import { makeRig, type Rig } from './rig.js';

let rig: Rig | undefined;
afterEach(async () => { await rig?.dispose(); rig = undefined; });

const wait = { timeout: 10_000, interval: 5 };
const count = (xs: readonly number[], x: number): number => xs.filter((y) => y === x).length;

async function escrow(r: Rig, value: number): Promise<void> {
  await vi.waitFor(() => expect(r.sim.insert(value)).toBe(true), wait);
  await vi.waitFor(() => expect(r.v.escrowNote()?.value).toBe(value), wait);
}

describe('ID-003 credit point', () => {
  it('credits at VEND VALID, never at escrow, and holds the note past the device hold timer', async () => {
    rig = makeRig({ sim: { holdTimeoutMs: 2000 }, driver: { holdRefreshMs: 1000 } });
    const { sim, v } = rig;
    const seenAt: string[] = [];
    v.setCreditHandler(async () => { seenAt.push(sim.state()); });
    await v.open();
    await v.enable();
    await escrow(rig, 5000);
    expect(rig.named('escrow')).toEqual([{ channel: 5, value: 5000, currency: 'CNY' }]);
    // Six HOLDs at 1 s spacing span three device hold periods: the note must still be held, uncredited.
    await vi.waitFor(() => expect(count(sim.commands(), 0x44)).toBeGreaterThanOrEqual(6), wait);
    expect(sim.state()).toBe('holding');
    expect(sim.returnedNotes()).toEqual([]);
    expect(seenAt).toEqual([]);
    expect(rig.named('credited')).toEqual([]);
    await v.accept();
    await vi.waitFor(() => expect(rig!.named('credited')).toHaveLength(1), wait);
    expect(seenAt).toEqual(['vend-valid']);
    // The ACK went out only after the handler: STACKED follows.
    await vi.waitFor(() => expect(rig!.named('stacked')).toEqual([{ value: 5000 }]), wait);
  });

  it('returns the note on reject(): no credit, `returned` emitted', async () => {
    rig = makeRig();
    await rig.v.open();
    await rig.v.enable();
    await escrow(rig, 2000);
    await rig.v.reject();
    await vi.waitFor(() => expect(rig!.named('returned')).toEqual([{ value: 2000 }]), wait);
    await vi.waitFor(() => expect(rig!.sim.state()).toBe('idle'), wait);
    expect(rig.sim.returnedNotes()).toEqual([{ value: 2000, why: 'host' }]);
    expect(rig.credits).toEqual([]);
    expect(rig.v.escrowNote()).toBeUndefined();
    await expect(rig.v.accept()).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
  });

  it('withholds the ACK while the handler fails; VEND VALID repeats; the note is credited once', async () => {
    rig = makeRig();
    const { sim, v } = rig;
    const calls: NoteCredit[] = [];
    const acksBefore: number[] = [];
    let failures = 3;
    v.setCreditHandler(async (c) => {
      calls.push(c);
      acksBefore.push(count(sim.commands(), 0x50));
      if (failures-- > 0) throw new Error('journal busy');
    });
    await v.open();
    await v.enable();
    await escrow(rig, 10000);
    await v.accept();
    await vi.waitFor(() => expect(rig!.named('credited')).toHaveLength(1), wait);
    await vi.waitFor(() => expect(sim.state()).toBe('idle'), wait);
    expect(calls).toHaveLength(4);
    expect(new Set(calls.map((c) => c.deviceRef)).size).toBe(1);
    expect(sim.stackedNotes()).toMatchObject([{ value: 10000, acked: true, confirmed: true }]);
    expect(v.statistics()).toMatchObject({ credited: 1, creditHandlerFailures: 3 });
    // No ACK went out before the handler succeeded; one (or a repeat) after it.
    expect(acksBefore).toEqual([0, 0, 0, 0]);
    expect(count(sim.commands(), 0x50)).toBeGreaterThanOrEqual(1);
  });

  it('credits a note jammed after VEND VALID exactly once, and not one jammed before it', async () => {
    rig = makeRig();
    const { sim, v } = rig;
    await v.open();
    await v.enable();

    sim.armStackerJam('after-vend');
    await escrow(rig, 1000);
    await v.accept();
    await vi.waitFor(() => expect(rig!.named('jam')).toEqual([{ safe: true }]), wait);
    expect(v.status()).toMatchObject({ state: 'error', reason: 'stacker-jam' });
    expect(rig.credits.map((c) => c.value)).toEqual([1000]);
    sim.clearJam();
    await vi.waitFor(() => expect(v.status().state).toBe('online'), wait);

    sim.armStackerJam('before-vend');
    await escrow(rig, 2000);
    await v.accept();
    await vi.waitFor(() => expect(rig!.named('jam')).toHaveLength(2), wait);
    sim.clearJam();
    await vi.waitFor(() => expect(v.statistics()['stackUnconfirmed']).toBe(1), wait);
    expect(rig.credits.map((c) => c.value)).toEqual([1000]);
    expect(sim.stackedNotes().map((n) => n.value)).toEqual([1000]);
    expect(sim.jammedNotes().map((n) => n.value)).toEqual([2000]);
  });

  it('credits from STACKED when the unit shows VEND VALID only once and it was lost (§8 option)', async () => {
    rig = makeRig({ sim: { vendValidRepeats: false } });
    const { sim, v } = rig;
    await v.open();
    await v.enable();
    await escrow(rig, 500);
    // Lose every answer while the note is stacking, so the single VEND VALID never reaches the host.
    await v.accept();
    await vi.waitFor(() => expect(sim.state()).toBe('stacking'), wait);
    sim.setSilent(true);
    await vi.waitFor(() => expect(sim.state()).toBe('stacked'), wait);
    sim.setSilent(false);
    await vi.waitFor(() => expect(rig!.credits.map((c) => c.value)).toEqual([500]), wait);
    await vi.waitFor(() => expect(sim.state()).toBe('idle'), wait);
    expect(rig.named('credited')).toHaveLength(1);
  });
});
