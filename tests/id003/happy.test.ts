import { afterEach, describe, it, expect, vi } from 'vitest';
import { makeRig, type Rig } from './rig.js';

let rig: Rig | undefined;
afterEach(async () => { await rig?.dispose(); rig = undefined; });

const wait = { timeout: 10_000, interval: 5 };

describe('ID-003 driver ↔ simulator over SerialPortMock', () => {
  it('starts the unit, reads the CNY table and identity, and credits three notes at VEND VALID', async () => {
    rig = makeRig();
    const { sim, v } = rig;
    await v.open();
    expect(v.status()).toMatchObject({ state: 'online' });
    expect(v.denominations().map((d) => d.value)).toEqual([100, 500, 1000, 2000, 5000, 10000]);
    expect(v.denominations().every((d) => d.currency === 'CNY')).toBe(true);
    const id = await v.identify();
    expect(id).toMatchObject({ protocol: 'id003', model: 'UBA-10-SS(CHN)', firmware: 'ID003-05V100-01 01JAN26 SIM0' });
    expect(sim.commands()).toContain(0x40); // RESET after POWER UP
    expect(sim.isInhibited()).toBe(true);
    await v.enable();
    expect(sim.isInhibited()).toBe(false);

    for (const value of [10000, 2000, 500]) {
      await vi.waitFor(() => expect(sim.insert(value)).toBe(true), wait);
      await vi.waitFor(() => expect(v.escrowNote()?.value).toBe(value), wait);
      await v.accept();
      await vi.waitFor(() => expect(rig!.named('stacked').at(-1)?.value).toBe(value), wait);
    }
    await vi.waitFor(() => expect(sim.state()).toBe('idle'), wait);
    expect(rig.credits.map((c) => c.value)).toEqual([10000, 2000, 500]);
    expect(new Set(rig.credits.map((c) => c.deviceRef)).size).toBe(3);
    expect(rig.named('credited').map((c) => c.value)).toEqual([10000, 2000, 500]);
    expect(sim.stackedNotes().map((n) => [n.value, n.acked, n.confirmed])).toEqual([[10000, true, true], [2000, true, true], [500, true, true]]);
    expect(v.statistics()).toMatchObject({ credited: 3, creditedMinor: 12500, escrows: 3, stacked: 3 });
  });
});
