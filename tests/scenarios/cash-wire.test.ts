import { afterEach, describe, expect, it, vi } from 'vitest';
import { insertNote, startSimKiosk, type SimKiosk } from '../sim/harness.js';

let sim: SimKiosk | undefined;
afterEach(async () => { await sim?.close(); sim = undefined; });

/**
 * The runtime on the real SSP (eSSP) and ID-003 drivers, each talking its wire protocol to the independent
 * device simulator over SerialPortMock. Truth comes from both sides: the simulator's own stacked notes
 * and the biller simulator's postings must match the journal.
 */
describe.each(['ssp', 'id003'] as const)('scenario: cash payment on the %s driver and simulator', (kind) => {
  it('pays a water bill with three notes; device, biller and journal agree', async () => {
    sim = await startSimKiosk({ validator: kind, newTxId: () => `W-${kind}` });
    const { kiosk, journal } = sim.runtime;
    await kiosk.start();
    await vi.waitFor(() => expect(sim!.cash.validator.status().state).toBe('online'), { timeout: 15_000 });
    const code = sim.biller.sampleBarcodes().find((b) => b.account === '000123456789')!.code;
    sim.devices.scanner.scan(code);
    await vi.waitFor(() => expect(kiosk.state().name).toBe('bill-shown'));
    sim.devices.panel.press('cash');
    await kiosk.settle();
    await vi.waitFor(() => expect(sim!.cash.validator.status().state).toBe('online'));
    for (const v of [2_000, 2_000, 1_000]) expect(await insertNote(sim, v)).toBe('escrow');
    await vi.waitFor(() => expect(kiosk.state().name).toBe('done'), { timeout: 15_000 });

    expect(sim.cash.stacked()).toEqual([2_000, 2_000, 1_000]);
    expect(journal.cashbox()).toEqual([{ currency: 'CNY', value: 5_000, count: 3 }]);
    expect(journal.transaction(`W-${kind}`)).toMatchObject({ outcome: 'paid', paid: 5_000, surplus: 440 });
    expect(sim.biller.postings).toEqual([expect.objectContaining({ txId: `W-${kind}`, amount: 5_000, partial: false })]);
  });
});

describe('scenario: plain SSP (no encryption) compares the device counters with the journal', () => {
  const plain = { devices: { billValidator: { encryption: false } } };

  it('journals a counter snapshot per connect and raises an alarm when the device stacked notes the journal never credited', async () => {
    sim = await startSimKiosk({ validator: 'ssp', overrides: plain, wireSim: { stackedCounter: 100 } });
    await sim.runtime.kiosk.start();
    await vi.waitFor(() => expect(sim!.runtime.journal.lastOfType('validator.counters')).toBeDefined(), { timeout: 15_000 });
    expect(sim.runtime.journal.lastOfType('validator.counters')!.record).toMatchObject({ stacked: 100, credits: 0, mismatch: 0 });
    const dataDir = sim.dataDir;
    await sim.runtime.close();
    await sim.biller.close();

    // Same device serial, same journal: three notes reached the cash box that kioskd never credited.
    sim = await startSimKiosk({ dataDir, validator: 'ssp', overrides: plain, wireSim: { stackedCounter: 103 } });
    const alarms: { kind: string; details: Readonly<Record<string, string | number>> }[] = [];
    sim.runtime.kiosk.on('alarm', (a) => alarms.push(a));
    await sim.runtime.kiosk.start();
    await vi.waitFor(() => expect(alarms).toHaveLength(1), { timeout: 15_000 });
    expect(alarms[0]).toMatchObject({ kind: 'counter-mismatch', details: { stacked: 103, credits: 0, mismatch: 3 } });
    expect(sim.runtime.journal.lastOfType('validator.counters')!.record).toMatchObject({ mismatch: 3 });
  });

  it('agrees after a paid note: the device count and the journal grow together', async () => {
    sim = await startSimKiosk({ validator: 'ssp', overrides: plain, wireSim: { stackedCounter: 7 } });
    const alarms: unknown[] = [];
    sim.runtime.kiosk.on('alarm', (a) => alarms.push(a));
    await sim.runtime.kiosk.start();
    await vi.waitFor(() => expect(sim!.cash.validator.status().state).toBe('online'), { timeout: 15_000 });
    sim.devices.scanner.scan(sim.biller.sampleBarcodes().find((b) => b.account === '000123456789')!.code);
    await vi.waitFor(() => expect(sim!.runtime.kiosk.state().name).toBe('bill-shown'));
    sim.devices.panel.press('cash');
    await sim.runtime.kiosk.settle();
    expect(await insertNote(sim, 5_000)).toBe('escrow');
    await vi.waitFor(() => expect(sim!.runtime.kiosk.state().name).toBe('done'), { timeout: 15_000 });
    const dataDir = sim.dataDir;
    await sim.runtime.close();
    await sim.biller.close();
    sim = await startSimKiosk({ dataDir, validator: 'ssp', overrides: plain, wireSim: { stackedCounter: 8 } });
    sim.runtime.kiosk.on('alarm', (a) => alarms.push(a));
    await sim.runtime.kiosk.start();
    await vi.waitFor(() => expect(sim!.runtime.journal.lastOfType('validator.counters')!.record).toMatchObject({ stacked: 8, credits: 1 }), { timeout: 15_000 });
    expect(sim.runtime.journal.lastOfType('validator.counters')!.record).toMatchObject({ mismatch: 0 });
    expect(alarms).toEqual([]);
  });
});
