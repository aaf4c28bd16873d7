import { afterEach, describe, it, expect, vi } from 'vitest';
import { CNY_TABLE } from '../sim/id003/index.js';
import { makeRig, type Rig } from './rig.js';

let rig: Rig | undefined;
afterEach(async () => { await rig?.dispose(); rig = undefined; });

const wait = { timeout: 15_000, interval: 5 };

describe('ID-003 link loss and recovery', () => {
  it('survives an unplug mid-escrow: offline, replug, the note still held, credited once', async () => {
    rig = makeRig({ driver: { reconnectBaseMs: 500 } });
    const { sim, v } = rig;
    await v.open();
    await v.enable();
    await vi.waitFor(() => expect(sim.insert(2000)).toBe(true), { timeout: 10_000, interval: 5 });
    await vi.waitFor(() => expect(v.escrowNote()?.value).toBe(2000), wait);
    await rig.unplug();
    await vi.waitFor(() => expect(v.status()).toMatchObject({ state: 'offline' }), wait);
    await expect(v.accept()).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_OFFLINE', disconnected: true });
    // Let at least one reconnect attempt fail while unplugged.
    await vi.waitFor(() => expect(v.statistics()['reconnectAttempts']).toBeGreaterThanOrEqual(1), wait);
    rig.replug();
    await vi.waitFor(() => expect(v.status().state).toBe('online'), wait);
    expect(v.escrowNote()?.value).toBe(2000);
    expect(sim.state()).toBe('holding');
    await v.accept();
    await vi.waitFor(() => expect(rig!.named('stacked')).toHaveLength(1), wait);
    expect(rig.credits.map((c) => c.value)).toEqual([2000]);
    expect(rig.named('escrow')).toHaveLength(1);
    expect(sim.stackedNotes()).toMatchObject([{ value: 2000, acked: true }]);
  });

  it('goes offline on silence and on garbage, and recovers by itself', async () => {
    rig = makeRig({ driver: { replyTimeoutMs: 500, reconnectBaseMs: 200, reconnectMaxMs: 1000 } });
    const { sim, v } = rig;
    await v.open();
    sim.setSilent(true);
    await vi.waitFor(() => expect(v.status()).toMatchObject({ state: 'offline', reason: 'no-reply' }), wait);
    sim.setSilent(false);
    await vi.waitFor(() => expect(v.status().state).toBe('online'), wait);

    sim.setNoisy(true);
    await vi.waitFor(() => expect(v.status()).toMatchObject({ state: 'offline', reason: 'garbage' }), wait);
    sim.setNoisy(false);
    sim.noise();
    await vi.waitFor(() => expect(v.status().state).toBe('online'), wait);
    const s = v.statistics();
    expect(s['reconnects']).toBeGreaterThanOrEqual(2);
    expect((s['crcErrors'] ?? 0) + (s['frameErrors'] ?? 0)).toBeGreaterThan(0);
    expect(s['timeouts']).toBeGreaterThan(0);
  });

  it('tolerates single dropped or corrupted answers without going offline', async () => {
    rig = makeRig({ driver: { replyTimeoutMs: 500 } });
    const { sim, v } = rig;
    const states: string[] = [];
    v.on('status', (s) => states.push(s.state));
    await v.open();
    await v.enable();
    sim.dropReplies(1);
    await vi.waitFor(() => expect(v.statistics()['timeouts']).toBe(1), wait);
    sim.garbleReplies(1);
    await vi.waitFor(() => expect(v.statistics()['crcErrors']).toBe(1), wait);
    await vi.waitFor(() => expect(sim.insert(100)).toBe(true), wait);
    await vi.waitFor(() => expect(v.escrowNote()?.value).toBe(100), wait);
    await v.accept();
    await vi.waitFor(() => expect(rig!.credits).toHaveLength(1), wait);
    expect(states).not.toContain('offline');
  });

  it('refuses a unit whose dataset is another currency', async () => {
    rig = makeRig({ sim: { table: CNY_TABLE.map((d) => ({ ...d, country: 0x01 })) } });
    await expect(rig.v.open()).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_CURRENCY' });
    expect(rig.v.status()).toMatchObject({ state: 'error', reason: 'currency-mismatch' });
    expect(rig.v.denominations()).toEqual([]);
  });
});
