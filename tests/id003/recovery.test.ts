import { afterEach, describe, it, expect, vi } from 'vitest';
import type { NoteCredit } from '../../src/hal/index.js';
import { makeRig, type Rig } from './rig.js';

let rig: Rig | undefined;
afterEach(async () => { await rig?.dispose(); rig = undefined; });

const wait = { timeout: 15_000, interval: 5 };

/** Drives a note to VEND VALID with a credit handler that never returns, then "crashes" the driver. */
async function crashAtVendValid(r: Rig): Promise<void> {
  r.v.setCreditHandler(() => new Promise<void>(() => {}));
  await r.v.open();
  await r.v.enable();
  await vi.waitFor(() => expect(r.sim.insert(5000)).toBe(true), wait);
  await vi.waitFor(() => expect(r.v.escrowNote()?.value).toBe(5000), wait);
  await r.v.accept();
  await vi.waitFor(() => expect(r.sim.state()).toBe('vend-valid'), wait);
  await r.v.close();
}

describe('ID-003 restart recovery', () => {
  it('credits an unacknowledged VEND VALID after a restart with the journal\'s in-flight note', async () => {
    rig = makeRig();
    await crashAtVendValid(rig);
    const inFlightNote: NoteCredit = { channel: 5, value: 5000, currency: 'CNY', deviceRef: 'journal-decision-42' };
    const b = rig.another({ inFlightNote });
    const credits: NoteCredit[] = [];
    b.setCreditHandler(async (c) => { credits.push(c); });
    await b.open();
    await vi.waitFor(() => expect(rig!.sim.state()).toBe('idle'), wait);
    expect(credits).toEqual([inFlightNote]);
    expect(rig.sim.stackedNotes()).toMatchObject([{ value: 5000, acked: true }]);
  });

  it('without it, refuses to guess: error status, no credit, no ACK', async () => {
    rig = makeRig();
    await crashAtVendValid(rig);
    const b = rig.another();
    const credits: NoteCredit[] = [];
    b.setCreditHandler(async (c) => { credits.push(c); });
    await b.open();
    await vi.waitFor(() => expect(b.status()).toMatchObject({ state: 'error', reason: 'unknown-credit' }), wait);
    await vi.waitFor(() => expect(b.statistics()['vendValidUnknownNote']).toBeGreaterThanOrEqual(3), wait);
    expect(credits).toEqual([]);
    expect(rig.sim.state()).toBe('vend-valid');
    expect(rig.sim.stackedNotes()).toMatchObject([{ acked: false }]);
  });

  it('returns a note found held from before a restart (its value is unknown to the new process)', async () => {
    rig = makeRig();
    await rig.v.open();
    await rig.v.enable();
    await vi.waitFor(() => expect(rig!.sim.insert(1000)).toBe(true), wait);
    await vi.waitFor(() => expect(rig!.sim.state()).toBe('holding'), wait);
    await rig.v.close();
    const b = rig.another();
    await b.open();
    await vi.waitFor(() => expect(rig!.sim.returnedNotes()).toEqual([{ value: 1000, why: 'host' }]), wait);
    expect(b.statistics()['unknownHeldReturned']).toBe(1);
  });
});
