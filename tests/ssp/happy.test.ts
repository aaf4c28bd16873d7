import { describe, it, expect, afterEach } from 'vitest';
import { rig, start, payNote, type Rig } from './harness.js';

let r: Rig | undefined;
afterEach(async () => { await r?.v.close(); r = undefined; });

describe('SSP driver ↔ simulator over SerialPortMock', () => {
  it('runs the start-up sequence in the GA973 order and takes three notes', async () => {
    r = rig();
    await start(r);
    const codes = r.sim.commands().map((c) => c.name);
    // HOLD before the first POLL: a note another process left in escrow must not be stacked without a decision.
    expect(codes.slice(0, 12)).toEqual(['SYNC', 'HOST_PROTOCOL_VERSION', 'SETUP_REQUEST', 'GET_SERIAL_NUMBER', 'GET_FIRMWARE_VERSION', 'GET_DATASET_VERSION', 'GET_COUNTERS', 'HOLD', 'POLL', 'GET_COUNTERS', 'SET_INHIBITS', 'ENABLE']);
    expect(r.v.denominations().map((d) => d.value)).toEqual([100, 500, 1000, 2000, 5000, 10000]);
    expect(r.v.status().state).toBe('online');

    await payNote(r, 1000);
    await payNote(r, 5000);
    await payNote(r, 10000);
    expect(r.credits.map((c) => c.value)).toEqual([1000, 5000, 10000]);
    expect(new Set(r.credits.map((c) => c.deviceRef)).size).toBe(3);
    expect(r.credits.every((c) => c.currency === 'CNY' && c.deviceRef.startsWith('1873452:'))).toBe(true);
    expect(r.sim.stackedNotes().map((n) => n.value)).toEqual([1000, 5000, 10000]);
    await r.until(() => r!.named('stacked').length === 3);
    expect(r.v.statistics()).toMatchObject({ accepted: 3 });
    const id = await r.v.identify();
    expect(id).toMatchObject({ model: 'banknote validator', serial: '1873452', firmware: 'NV02004141498000', protocol: 'ssp' });
    expect(id.extra).toMatchObject({ dataset: 'CNY01610' });
  });
});
