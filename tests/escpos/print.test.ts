import { afterEach, describe, it, expect } from 'vitest';
import { buildReceipt } from '../../src/runtime/receipt/layout.js';
import { renderDocument } from '../sim/fakes/printer-render.js';
import { RECEIPT_EN, RECEIPT_ZH, rig, type Rig } from './rig.js';

let r: Rig | undefined;
afterEach(async () => { await r?.p.close(); r = undefined; });

describe.each([32, 48] as const)('ESC/POS driver ↔ simulator over SerialPortMock, %i columns', (columns) => {
  it('prints a Chinese receipt from buildReceipt that decodes back to the same text, QR and bar code', async () => {
    r = rig({ driver: { columns } });
    await r.settle(r.p.open());
    expect(r.p.status()).toMatchObject({ state: 'online', reason: 'ok' });
    const doc = buildReceipt(RECEIPT_ZH, 'zh-CN');
    const res = await r.settle(r.p.print(doc));
    expect(res).toEqual({ printed: true });

    const receipts = r.sim.receipts();
    expect(receipts).toHaveLength(1);
    const [rec] = receipts;
    expect(rec!.cut).toBe(true);
    const text = r.sim.lastReceiptText();
    for (const part of ['杭州市水务集团', '123.45 CNY', '130.00 CNY', '6.55 CNY', 'K7QF-2M9X-PA4C', '缴费成功', '应缴金额', '****3721']) {
      expect(text).toContain(part);
    }
    expect(rec!.qr).toEqual(['https://r.example.cn/e/K7QF-2M9X-PA4C']);
    expect(rec!.barcodes).toEqual(['K7QF-2M9X-PA4C']);
    // What came out of the printer is, row for row, what the printer-neutral renderer expects.
    expect(rec!.lines).toEqual(renderDocument(doc, columns));
    const title = rec!.styled.find((l) => l.text.includes('缴费凭条'))!;
    expect(title).toMatchObject({ bold: true, size: 2, align: 'center' });
    expect(rec!.styled.find((l) => l.text.includes('现金支付'))).toMatchObject({ bold: true });
    expect(r.sim.unknownCommands()).toEqual([]);
    expect(r.sim.chineseMode()).toBe(false);
    expect(r.p.statistics()).toMatchObject({ receipts: 1, cuts: 1, paperOuts: 0 });
  });

  it('prints an English receipt', async () => {
    r = rig({ driver: { columns, language: 'en' } });
    await r.settle(r.p.open());
    const doc = buildReceipt(RECEIPT_EN, 'en');
    expect(await r.settle(r.p.print(doc))).toEqual({ printed: true });
    const rec = r.sim.receipts()[0]!;
    expect(rec.lines).toEqual(renderDocument(doc, columns));
    expect(r.sim.lastReceiptText()).toContain('RECEIVED - POSTING PENDING');
    expect(r.sim.lastReceiptText()).toContain('City Water Works');
    expect(rec.barcodes).toEqual(['K7QF-2M9X-PA4C']);
  });
});

describe('ESC/POS driver: receipts and status', () => {
  it('prints a reprint with one COPY banner', async () => {
    r = rig({ driver: { columns: 48 } });
    await r.settle(r.p.open());
    expect(await r.settle(r.p.print(buildReceipt({ ...RECEIPT_ZH, copy: true }, 'zh-CN')))).toEqual({ printed: true });
    const lines = r.sim.receipts()[0]!.lines;
    expect(lines.filter((l) => l.includes('补打凭条'))).toHaveLength(1);
    expect(lines[0]!.trim()).toBe('*** 补打凭条 ***');
  });

  it('paper near end: prints (degraded), emits paperLow once, counts receipts', async () => {
    r = rig();
    await r.settle(r.p.open());
    r.sim.setPaper('near-end');
    await r.until(() => r!.p.status().state === 'degraded', 6000);
    expect(r.p.status().reason).toBe('paper-near-end');
    expect(r.named('paperLow')).toHaveLength(1);
    const res = await r.settle(r.p.print(buildReceipt(RECEIPT_ZH, 'zh-CN')));
    expect(res).toEqual({ printed: true, reason: 'paper-near-end' });
    await r.run(11_000);
    expect(r.named('paperLow')).toHaveLength(1);
    expect(r.p.statistics()).toMatchObject({ receipts: 1, cuts: 1 });
  });

  it('polls the status every 5 s while idle and reports changes', async () => {
    r = rig();
    await r.settle(r.p.open());
    const before = r.sim.statusRequests();
    await r.run(15_000);
    expect(r.sim.statusRequests() - before).toBe(12); // 3 polls × DLE EOT 1..4
    r.sim.openCover();
    await r.run(5000);
    expect(r.p.status()).toMatchObject({ state: 'error', reason: 'cover-open' });
    r.sim.closeCover();
    await r.run(5000);
    expect(r.p.status()).toMatchObject({ state: 'online', reason: 'ok' });
    expect(r.named('status').map((s) => (s as { reason: string }).reason)).toEqual(['ok', 'cover-open', 'ok']);
  });

  it('identify(): GS I model, firmware, maker and serial when answered; "unknown" when not', async () => {
    r = rig();
    await r.settle(r.p.open());
    expect(await r.settle(r.p.identify())).toMatchObject({ model: 'SIM-T80', firmware: '1.07 ESC/POS', vendor: 'KIOSKSIM', serial: 'SIM0001', protocol: 'escpos' });
    await r.p.close();
    r = rig({ sim: { identity: null } });
    await r.settle(r.p.open());
    const id = await r.settle(r.p.identify(), 10_000);
    expect(id).toMatchObject({ model: 'unknown', firmware: 'unknown', serial: 'unknown', protocol: 'escpos' });
    // Still usable afterwards: the unanswered requests left nothing behind.
    expect(await r.settle(r.p.print(buildReceipt(RECEIPT_ZH, 'zh-CN')))).toEqual({ printed: true });
  });

  it('a printer that never answers GS r is confirmed after a settle time instead', async () => {
    r = rig({ sim: { answersGsR: false } });
    await r.settle(r.p.open());
    expect(await r.settle(r.p.print(buildReceipt(RECEIPT_ZH, 'zh-CN')), 30_000)).toEqual({ printed: true });
    expect(await r.settle(r.p.print(buildReceipt(RECEIPT_ZH, 'zh-CN')), 30_000)).toEqual({ printed: true });
    expect(r.sim.receipts().filter((x) => x.cut)).toHaveLength(2);
    expect(r.sim.commands().filter((c) => c.name === 'GS r')).toHaveLength(1); // probed once per connection
  });
});
