import { afterEach, describe, expect, it, vi } from 'vitest';
import { localDay } from '../../src/runtime/local-day.js';
import { insertNote, startSimKiosk, type SimKiosk } from '../sim/harness.js';

let sim: SimKiosk | undefined;
afterEach(async () => { await sim?.close(); sim = undefined; });

async function pay(s: SimKiosk, account: string, notes: number[]): Promise<void> {
  s.devices.scanner.scan(s.biller.sampleBarcodes().find((b) => b.account === account && b.kind === 'bill')!.code);
  await vi.waitFor(() => expect(s.runtime.kiosk.state().name).toBe('bill-shown'));
  s.devices.panel.press('cash');
  await s.runtime.kiosk.settle();
  for (const n of notes) await insertNote(s, n);
  await vi.waitFor(() => expect(s.runtime.kiosk.state().name).toBe('done'));
}

const today = (): string => localDay(Date.now());

describe('cash collection', () => {
  it('removing the cash box closes the cash period by denomination; badge and seal scanned at the open door attest it and print the slip', async () => {
    sim = await startSimKiosk();
    const { kiosk, journal, outbox } = sim.runtime;
    await kiosk.start();
    await pay(sim, '000123456789', [2_000, 2_000, 1_000]);
    await vi.waitFor(() => expect(kiosk.state().name).toBe('done'));
    sim.devices.panel.setDoor(true);
    await kiosk.settle();
    sim.devices.billValidator.removeCashbox();
    await kiosk.settle();
    const [c] = journal.collections(1);
    expect(c).toMatchObject({ reason: 'cashbox-removed', total: 5_000, notes: 3, collectorId: null, sealNumber: null });
    expect(c!.counts).toEqual([{ currency: 'CNY', value: 1_000, count: 1 }, { currency: 'CNY', value: 2_000, count: 2 }]);
    expect(journal.cashbox()).toEqual([]);
    expect(journal.cashboxNotes()).toEqual([]);
    expect(sim.devices.display.current().lines[0]).toBe('已清机');

    sim.devices.scanner.scan('EMP-0042');
    await kiosk.settle();
    expect(sim.devices.display.current().lines[0]).toBe('请扫封包条码');
    sim.devices.scanner.scan('SEAL-778899');
    await kiosk.settle();
    expect(journal.collection(c!.collectionId)).toMatchObject({ collectorId: 'EMP-0042', sealNumber: 'SEAL-778899' });
    const slip = sim.devices.receiptPrinter.lastText() ?? '';
    expect(slip).toContain('现金清机凭条');
    expect(slip).toContain('EMP-0042');
    expect(slip).toContain('SEAL-778899');
    expect(slip).toContain('50.00');
    // Scans at the open door are not bills: no transaction was started by them.
    expect(journal.openTransactions()).toEqual([]);
    expect(outbox!.depth()).toMatchObject({ collection: 2 });
    expect(journal.verifyProjections()).toEqual({ ok: true, differences: [] });

    // The next period starts empty and counts on.
    sim.devices.billValidator.replaceCashbox();
    sim.devices.panel.setDoor(false);
    await kiosk.settle();
    await pay(sim, '000555000111', [10_000, 5_000]);
    expect(journal.cashboxNotes()).toEqual([{ currency: 'CNY', value: 5_000, count: 1 }, { currency: 'CNY', value: 10_000, count: 1 }]);
  });

  it('the slip is in the collector\'s hand before the attestation is journaled, so a crash between them loses no slip', async () => {
    let slipsWhenAttested: string[] = [];
    sim = await startSimKiosk({
      onAppend: (records) => { if (records[0]!.type === 'collection.attested') slipsWhenAttested = sim!.devices.receiptPrinter.printed.map((p) => p.join('\n')); },
    });
    await sim.runtime.kiosk.start();
    await pay(sim, '000123456789', [2_000, 2_000, 1_000]);
    const row = sim.runtime.kiosk.collectCash('operator');
    expect(await sim.runtime.kiosk.attestCollection('EMP-7', 'SEAL-123', row.collectionId)).toMatchObject({ printed: true });
    expect(slipsWhenAttested.some((t) => t.includes(row.collectionId) && t.includes('SEAL-123') && t.includes('50.00'))).toBe(true);
    expect(sim.runtime.journal.collection(row.collectionId)).toMatchObject({ collectorId: 'EMP-7', sealNumber: 'SEAL-123' });
  });

  it('an operator collection (kioskctl) attested with bad codes is refused', async () => {
    sim = await startSimKiosk();
    await sim.runtime.kiosk.start();
    const c = sim.runtime.kiosk.collectCash('operator');
    expect(c).toMatchObject({ reason: 'operator', total: 0, notes: 0 });
    expect(await sim.runtime.kiosk.attestCollection('has spaces', 'SEAL-1')).toEqual({ printed: false, reason: 'bad-code' });
    expect(await sim.runtime.kiosk.attestCollection('EMP-1', 'SEAL-1', 'C-NOPE')).toEqual({ printed: false, reason: 'no-such-collection' });
    expect(await sim.runtime.kiosk.attestCollection('EMP-1', 'SEAL-1')).toMatchObject({ printed: true });
  });
});

describe('daily settlement', () => {
  it('journal and biller agree: no difference; a posting the biller later cancelled: a difference and an alarm', async () => {
    sim = await startSimKiosk();
    const { kiosk, outbox } = sim.runtime;
    const alarms: string[] = [];
    kiosk.on('alarm', (a) => alarms.push(a.kind));
    await kiosk.start();
    await pay(sim, '000123456789', [5_000]);
    await pay(sim, '000555000111', [10_000, 5_000]);
    const ok = await kiosk.settleDay(today());
    expect(ok).toMatchObject({ journalTotal: 20_000, journalPostings: 2, billerTotal: 20_000, billerPostings: 2, differences: [] });
    expect(alarms).toEqual([]);

    sim.biller.postings[0]!.cancelled = true;
    const bad = await kiosk.settleDay(today());
    expect(bad.differences).toEqual(['biller-total:-5000', 'biller-count:-1']);
    expect(alarms).toEqual(['settlement-difference']);
    expect(outbox!.depth()).toMatchObject({ collection: 2, alarm: 1 });
  });

  it('a biller that cannot be reached is itself a difference, not a crash', async () => {
    sim = await startSimKiosk({ overrides: { billing: { timeoutMs: 200, retries: 0 } } });
    await sim.runtime.kiosk.start();
    sim.biller.setMode('down');
    const r = await sim.runtime.kiosk.settleDay(today());
    expect(r.billerTotal).toBeNull();
    expect(r.differences[0]).toMatch(/^biller-unreachable:KIOSK_E_BILLER_UNAVAILABLE/);
  });
});
