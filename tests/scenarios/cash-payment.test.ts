import { afterEach, describe, expect, it, vi } from 'vitest';
import { insertNote, startSimKiosk, type SimKiosk } from '../sim/harness.js';

let sim: SimKiosk | undefined;
afterEach(async () => { await sim?.close(); sim = undefined; });

function sample(s: SimKiosk, account: string, period: string): string {
  const b = s.biller.sampleBarcodes().find((x) => x.account === account && x.period === period);
  if (!b) throw new Error(`no sample bill ${account} ${period}`);
  return b.code;
}

async function scanAndWait(s: SimKiosk, code: string, state: string): Promise<void> {
  s.devices.scanner.scan(code);
  await vi.waitFor(() => expect(s.runtime.kiosk.state().name).toBe(state));
}

describe('scenario: a cash payment through the runtime', () => {
  it('pays a power bill with three notes: biller record, ledger and receipt agree', async () => {
    let n = 0;
    sim = await startSimKiosk({ newTxId: () => `TX-${++n}` });
    const { runtime, devices, biller } = sim;
    await runtime.kiosk.start();
    expect(runtime.kiosk.serviceState().service).toBe('in-service');
    expect(devices.display.current().lines[0]).toBe('欢迎使用');

    await scanAndWait(sim, sample(sim, 'E0012345678', '202507'), 'bill-shown');
    expect(devices.display.current().lines.join('|')).toContain('196.20');
    devices.panel.press('cash');
    await runtime.kiosk.settle();
    expect(devices.display.current().lines).toContain('本机不找零');

    expect(await insertNote(sim, 10_000)).toBe('escrow');
    expect(await insertNote(sim, 5_000)).toBe('escrow');
    expect(await insertNote(sim, 5_000)).toBe('escrow');
    await vi.waitFor(() => expect(runtime.kiosk.state().name).toBe('done'));

    // The biller simulator's own record: one posting, the full amount, keyed by the transaction id.
    expect(biller.postings).toHaveLength(1);
    expect(biller.postings[0]).toMatchObject({ txId: 'TX-1', billerId: 'power-east', account: 'E0012345678', amount: 20_000, partial: false, currency: 'CNY' });

    // The ledger: the transaction projection, the cash box and the event order.
    const row = runtime.journal.transaction('TX-1');
    expect(row).toMatchObject({ state: 'closed', outcome: 'paid', paid: 20_000, surplus: 380, notes: 3, receiptPrinted: true, billerRef: biller.postings[0]!.billerRef });
    expect(runtime.journal.cashbox()).toEqual([{ currency: 'CNY', value: 20_000, count: 3 }]);
    expect(runtime.journal.events({ txId: 'TX-1' }).map((e) => e.type)).toEqual([
      'tx.opened', 'note.decided', 'note.credited', 'note.decided', 'note.credited', 'note.decided', 'note.credited',
      'tx.post-intent', 'tx.posted', 'tx.closed', 'receipt.printed',
    ]);
    expect(runtime.journal.verifyProjections()).toEqual({ ok: true, differences: [] });
    expect(runtime.journal.pragma('journal_mode')).toBe('wal');
    expect(runtime.journal.pragma('synchronous')).toBe(2);

    // The receipt the printer produced.
    const receipt = devices.receiptPrinter.lastText();
    expect(receipt).toContain('TX-1');
    expect(receipt).toContain('196.20 CNY');
    expect(receipt).toContain('200.00 CNY');
    expect(receipt).toContain('3.80 CNY');
    expect(receipt).toContain('缴费成功');
    expect(receipt).not.toContain('E0012345678');
    expect(devices.display.current().lines[0]).toBe('缴费成功');
  });

  it('returns to idle with "bill not found" for a damaged barcode and takes no money', async () => {
    sim = await startSimKiosk();
    await sim.runtime.kiosk.start();
    const damaged = sim.biller.sampleBarcodes().find((b) => b.kind === 'damaged')!;
    sim.devices.scanner.scan(damaged.code);
    await sim.runtime.kiosk.settle();
    expect(sim.runtime.kiosk.state().name).toBe('idle');
    expect(sim.devices.display.current().lines[0]).toBe('未找到账单');
    expect(await insertNote(sim, 10_000)).not.toBe('escrow');
    expect(sim.runtime.journal.cashbox()).toEqual([]);
  });

  it('says "service unavailable" before any money when the biller gateway is down', async () => {
    sim = await startSimKiosk({ overrides: { billing: { timeoutMs: 200, retries: 0 } } });
    await sim.runtime.kiosk.start();
    sim.biller.setMode('down');
    sim.devices.scanner.scan(sample(sim, 'E0098765432', '202507'));
    await sim.runtime.kiosk.settle();
    expect(sim.runtime.kiosk.state().name).toBe('idle');
    expect(sim.devices.display.current().lines[0]).toBe('暂停服务');
    expect(sim.devices.billValidator.isEnabled()).toBe(false);
  });

  it('a cancel after a stacked note posts a partial payment, never "no money taken"', async () => {
    sim = await startSimKiosk({ newTxId: () => 'TX-P' });
    await sim.runtime.kiosk.start();
    await scanAndWait(sim, sample(sim, 'E0012345678', '202506'), 'bill-shown');
    sim.devices.panel.press('cash');
    await sim.runtime.kiosk.settle();
    expect(await insertNote(sim, 5_000)).toBe('escrow');
    sim.devices.panel.press('cancel');
    await vi.waitFor(() => expect(sim!.runtime.kiosk.state().name).toBe('done'));
    expect(sim.biller.postings).toEqual([expect.objectContaining({ txId: 'TX-P', amount: 5_000, partial: true })]);
    expect(sim.runtime.journal.transaction('TX-P')).toMatchObject({ outcome: 'paid-partially', paid: 5_000 });
  });

  it('finishes a transaction left open by a crash before the next customer, with the same idempotency key', async () => {
    sim = await startSimKiosk({ newTxId: () => 'TX-R' });
    await sim.runtime.kiosk.start();
    await scanAndWait(sim, sample(sim, '000123456789', '202506'), 'bill-shown');
    sim.devices.panel.press('cash');
    await sim.runtime.kiosk.settle();
    expect(await insertNote(sim, 2_000)).toBe('escrow');
    expect(sim.runtime.journal.transaction('TX-R')).toMatchObject({ state: 'open', paid: 2_000 });
    // "Crash": drop the runtime without closing the transaction, then boot a new one on the same journal.
    const dataDir = sim.dataDir;
    await sim.runtime.kiosk.stop();
    sim.runtime.journal.close();
    await sim.biller.close();
    sim = await startSimKiosk({ dataDir });
    await sim.runtime.kiosk.start();
    expect(sim.runtime.journal.transaction('TX-R')).toMatchObject({ state: 'closed', outcome: 'paid-partially', paid: 2_000 });
    expect(sim.biller.postings).toEqual([expect.objectContaining({ txId: 'TX-R', amount: 2_000, partial: true })]);
    expect(sim.runtime.kiosk.state().name).toBe('idle');
  });
});
