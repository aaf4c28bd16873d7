import { afterEach, describe, expect, it, vi } from 'vitest';
import { insertNote, startSimKiosk, type SimKiosk } from '../sim/harness.js';

let sim: SimKiosk | undefined;
afterEach(async () => { await sim?.close(); sim = undefined; });

async function payWater(s: SimKiosk): Promise<string> {
  s.devices.scanner.scan(s.biller.sampleBarcodes().find((b) => b.account === '000123456789')!.code);
  await vi.waitFor(() => expect(s.runtime.kiosk.state().name).toBe('bill-shown'));
  s.devices.panel.press('cash');
  await s.runtime.kiosk.settle();
  await insertNote(s, 5_000);
  return s.runtime.journal.lastClosedTransaction()?.txId ?? '';
}

describe('receipts on the real ESC/POS driver, read back by the printer simulator', () => {
  it('a Chinese receipt in GB18030 with the e-receipt QR and the transaction barcode', async () => {
    sim = await startSimKiosk({ printer: 'escpos', newTxId: () => 'ESC-1' });
    await sim.runtime.kiosk.start();
    await vi.waitFor(() => expect(sim!.runtime.kiosk.serviceState().service).toBe('in-service'), { timeout: 10_000 });
    await payWater(sim);
    await vi.waitFor(() => expect(sim!.runtime.journal.transaction('ESC-1')).toMatchObject({ receiptPrinted: true }), { timeout: 10_000 });
    const r = sim.escpos!.receipts().at(-1)!;
    const text = r.lines.join('\n');
    expect(text).toContain('缴费凭条');
    expect(text).toContain('ESC-1');
    expect(text).toContain('45.60 CNY');
    expect(r.qr).toEqual(['https://receipt.example.com/r/ESC-1']);
    expect(r.barcodes).toEqual(['ESC-1']);
    expect(r.cut).toBe(true);
  });

  it('paper runs out mid-receipt: not counted as printed, no new payment starts, and after reloading it is reprinted marked COPY', { timeout: 60_000 }, async () => {
    sim = await startSimKiosk({ printer: 'escpos', newTxId: () => 'ESC-2' });
    await sim.runtime.kiosk.start();
    await vi.waitFor(() => expect(sim!.runtime.kiosk.serviceState().service).toBe('in-service'), { timeout: 10_000 });
    sim.escpos!.runOutOfPaperAfterLines(5);
    await payWater(sim);
    // The driver gives up on the stuck job after its print timeout (20 s): see the closing note.
    await vi.waitFor(() => expect(sim!.runtime.journal.transaction('ESC-2')).toMatchObject({ outcome: 'paid', receiptPrinted: false }), { timeout: 28_000 });
    await vi.waitFor(() => expect(sim!.runtime.kiosk.serviceState().reasons.join()).toContain('receiptPrinter-paper-out'), { timeout: 10_000 });
    expect(sim.devices.display.current().lines.join('|')).toContain('凭条打印机故障');
    sim.escpos!.setPaper('ok');
    await vi.waitFor(() => expect(sim!.runtime.journal.transaction('ESC-2')).toMatchObject({ receiptPrinted: true }), { timeout: 15_000 });
    const copy = sim.escpos!.receipts().at(-1)!;
    const text = copy.lines.join('\n');
    expect(text).toContain('补打凭条');
    expect(text).toContain('ESC-2');
    expect(sim.runtime.kiosk.serviceState().service).toBe('in-service');
  });
});
