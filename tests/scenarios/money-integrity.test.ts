import { afterEach, describe, expect, it, vi } from 'vitest';
import { KioskError } from '../../src/errors/index.js';
import { ManualClock } from '../../src/hal/index.js';
import { insertNote, startSimKiosk, type SimKiosk, type SimKioskOptions } from '../sim/harness.js';

let sim: SimKiosk | undefined;
afterEach(async () => { await sim?.close(); sim = undefined; });

const WATER = '000123456789'; // 45.60 due
const POWER = 'E0012345678'; // 202506: 238.50 due

async function boot(o: SimKioskOptions = {}): Promise<SimKiosk> {
  const s = await startSimKiosk(o);
  await s.runtime.kiosk.start();
  return s;
}

async function toCash(s: SimKiosk, account: string): Promise<string> {
  s.devices.scanner.scan(s.biller.sampleBarcodes().find((b) => b.account === account && b.kind === 'bill')!.code);
  await vi.waitFor(() => expect(s.runtime.kiosk.state().name).toBe('bill-shown'));
  const st = s.runtime.kiosk.state();
  s.devices.panel.press('cash');
  await s.runtime.kiosk.settle();
  return 'tx' in st ? st.tx.txId : '';
}

const done = (s: SimKiosk): Promise<void> => vi.waitFor(() => expect(s.runtime.kiosk.state().name).toBe('done'));

describe('outcomes', () => {
  it('pending: the biller is unreachable after the money was taken; the receipt says so; the biller outbox posts it later with the same key', async () => {
    sim = await boot({ overrides: { billing: { timeoutMs: 300, retries: 0 } } });
    const txId = await toCash(sim, WATER);
    sim.biller.setMode('down');
    await insertNote(sim, 5_000);
    await done(sim);
    expect(sim.runtime.journal.transaction(txId)).toMatchObject({ outcome: 'pending', paid: 5_000 });
    expect(sim.devices.receiptPrinter.lastText()).toContain('已收款，待提交');
    expect(sim.biller.postings).toEqual([]);
    sim.biller.setMode('ok');
    expect(await sim.runtime.kiosk.retryPendingPostings()).toEqual({ settled: 1, waiting: 0 });
    expect(sim.runtime.journal.transaction(txId)).toMatchObject({ outcome: 'paid', billerRef: sim.biller.postings[0]!.billerRef });
    expect(sim.biller.postings).toEqual([expect.objectContaining({ txId, amount: 5_000 })]);
    // Idempotent: a second pass finds nothing to do and the biller still has one posting.
    expect(await sim.runtime.kiosk.retryPendingPostings()).toEqual({ settled: 0, waiting: 0 });
    expect(sim.biller.postings).toHaveLength(1);
  });

  it('needs-refund: the biller refuses for good; screen and receipt give the transaction id and hotline; an alarm goes to the outbox', async () => {
    sim = await boot({ newTxId: () => 'REF-1' });
    await toCash(sim, WATER);
    sim.biller.setMode('refuse');
    await insertNote(sim, 5_000);
    await done(sim);
    expect(sim.runtime.journal.transaction('REF-1')).toMatchObject({ outcome: 'needs-refund', paid: 5_000 });
    expect(sim.devices.display.current().lines).toEqual(['需退款', '单号REF-1', '客服95598', '请保留凭条']);
    const receipt = sim.devices.receiptPrinter.lastText() ?? '';
    expect(receipt).toContain('REF-1');
    expect(receipt).toContain('95598');
    expect(receipt).toContain('需退款');
    expect(sim.runtime.outbox!.depth()).toMatchObject({ transaction: 1, alarm: 1 });
  });

  it('cancelled: no money taken; paid-partially: cancel after a note', async () => {
    sim = await boot();
    const a = await toCash(sim, WATER);
    sim.devices.panel.press('cancel');
    await sim.runtime.kiosk.settle();
    expect(sim.runtime.journal.transaction(a)).toMatchObject({ outcome: 'cancelled', paid: 0 });
    await vi.waitFor(() => expect(['idle', 'done']).toContain(sim!.runtime.kiosk.state().name));
    const b = await toCash(sim, POWER);
    await insertNote(sim, 10_000);
    sim.devices.panel.press('cancel');
    await done(sim);
    expect(sim.runtime.journal.transaction(b)).toMatchObject({ outcome: 'paid-partially', paid: 10_000 });
  });

  it('several bills in one session: after one is paid the next scan starts the next bill at once', async () => {
    sim = await boot();
    const a = await toCash(sim, WATER);
    await insertNote(sim, 5_000);
    await done(sim);
    expect(sim.devices.display.current().lines[3]).toBe('可扫下一张账单');
    const b = await toCash(sim, '000555000111');
    await insertNote(sim, 10_000);
    await insertNote(sim, 5_000);
    await done(sim);
    expect(new Set([a, b]).size).toBe(2);
    expect(sim.biller.postings.map((p) => p.txId)).toEqual([a, b]);
  });
});

describe('service state from the devices that work', () => {
  it('door open → maintenance: customers refused; door closed → back in service', async () => {
    sim = await boot();
    sim.devices.panel.setDoor(true);
    await sim.runtime.kiosk.settle();
    expect(sim.runtime.kiosk.serviceState()).toMatchObject({ service: 'out-of-service', reasons: ['door-open'] });
    expect(sim.devices.display.current().lines[0]).toBe('设备维护中');
    sim.devices.scanner.scan(sim.biller.sampleBarcodes()[0]!.code);
    await sim.runtime.kiosk.settle();
    expect(sim.runtime.kiosk.state().name).toBe('out-of-service');
    sim.devices.panel.setDoor(false);
    await sim.runtime.kiosk.settle();
    expect(sim.runtime.kiosk.serviceState().service).toBe('in-service');
    expect(sim.devices.display.current().lines[0]).toBe('欢迎使用');
  });

  it('no paper: no new payment starts and the screen says why; paper back: in service, and a receipt that failed is reprinted marked COPY', async () => {
    sim = await boot({ newTxId: () => 'PAPER-1' });
    await toCash(sim, WATER);
    sim.devices.receiptPrinter.setPaper('out');
    await insertNote(sim, 5_000);
    await vi.waitFor(() => expect(sim!.runtime.journal.transaction('PAPER-1')).toMatchObject({ outcome: 'paid', receiptPrinted: false }));
    await vi.waitFor(() => expect(sim!.runtime.kiosk.state().name).toBe('out-of-service'));
    expect(sim.devices.display.current().lines.join('|')).toContain('凭条打印机故障');
    sim.devices.receiptPrinter.setPaper('ok');
    await vi.waitFor(() => expect(sim!.runtime.journal.transaction('PAPER-1')).toMatchObject({ receiptPrinted: true }));
    expect(sim.devices.receiptPrinter.lastText()).toContain('PAPER-1');
    expect(sim.devices.receiptPrinter.lastText()).toMatch(/COPY|补打/);
    expect(sim.runtime.kiosk.serviceState().service).toBe('in-service');
  });

  it('reprint: the last receipt again, marked COPY, journaled', async () => {
    sim = await boot({ newTxId: () => 'RP-1' });
    await toCash(sim, WATER);
    await insertNote(sim, 5_000);
    await done(sim);
    const before = sim.devices.receiptPrinter.printed.length;
    expect(await sim.runtime.kiosk.reprint()).toEqual({ printed: true });
    expect(sim.devices.receiptPrinter.printed).toHaveLength(before + 1);
    expect(sim.devices.receiptPrinter.lastText()).toContain('补打凭条');
    expect(await sim.runtime.kiosk.reprint('NOPE')).toEqual({ printed: false, reason: 'no-such-transaction' });
    expect(sim.runtime.journal.events({ txId: 'RP-1' }).filter((e) => e.type === 'receipt.printed')).toHaveLength(2);
  });
});

describe('failures of the kiosk itself', () => {
  it('journal write failure: the note in escrow is returned, the acceptor disabled, the terminal goes out of service with an alarm', async () => {
    sim = await boot();
    const alarms: string[] = [];
    sim.runtime.kiosk.on('alarm', (a) => alarms.push(a.kind));
    await toCash(sim, WATER);
    const j = sim.runtime.journal;
    const original = j.appendAll.bind(j);
    j.appendAll = () => { throw new KioskError('KIOSK_E_JOURNAL_WRITE', 'disk full'); };
    const returned = vi.fn();
    sim.devices.billValidator.on('returned', returned);
    await insertNote(sim, 5_000);
    j.appendAll = original;
    expect(returned).toHaveBeenCalledTimes(1);
    expect(sim.devices.billValidator.isEnabled()).toBe(false);
    expect(j.cashbox()).toEqual([]);
    expect(sim.runtime.kiosk.serviceState().reasons).toContain('journal-failure');
    expect(alarms).toContain('journal-failure');
  });

  it('a wall-clock jump never expires a transaction or reorders events: time-outs run on monotonic time, order on the journal', async () => {
    const clock = new ManualClock(0); // a board with no RTC boots in 1970
    sim = await boot({ clock, timers: clock });
    const txId = await toCash(sim, WATER);
    clock.setWall(Date.UTC(2026, 10, 27, 9, 0)); // NTP arrives: a 56-year jump
    clock.advance(60_000); // one minute of real (monotonic) time: less than the customer time-out
    expect(sim.runtime.kiosk.state().name).toBe('accepting');
    clock.setWall(Date.UTC(2020, 0, 1)); // and backwards
    await insertNote(sim, 5_000);
    await vi.waitFor(() => expect(sim!.runtime.kiosk.state().name).toBe('done'));
    const events = sim.runtime.journal.events({ txId });
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    expect(events[0]!.wallMs).toBe(0);
    expect(events.at(-1)!.wallMs).toBeLessThan(events[0]!.wallMs + Date.UTC(2026, 0, 1));
    expect(new Set(events.map((e) => e.bootId)).size).toBe(1);
    // The receipt's time carries the "not synchronised" mark (no timesyncd flag on a test machine).
    expect(sim.devices.receiptPrinter.lastText()).toContain('时钟未校准');
  });
});

describe('shutdown (SIGTERM)', () => {
  it('with a note taken: stops accepting, posts the paid part, then stops', async () => {
    sim = await boot({ newTxId: () => 'SD-1' });
    await toCash(sim, POWER);
    await insertNote(sim, 10_000);
    await sim.runtime.kiosk.shutdown(10_000);
    expect(sim.runtime.journal.transaction('SD-1')).toMatchObject({ state: 'closed', outcome: 'paid-partially', paid: 10_000 });
    expect(sim.biller.postings).toEqual([expect.objectContaining({ txId: 'SD-1', amount: 10_000, partial: true })]);
    expect(sim.runtime.kiosk.serviceState().service).toBe('stopped');
  });

  it('with no money taken: the transaction is cancelled and nothing is posted', async () => {
    sim = await boot({ newTxId: () => 'SD-2' });
    await toCash(sim, POWER);
    await sim.runtime.kiosk.shutdown(10_000);
    expect(sim.runtime.journal.transaction('SD-2')).toMatchObject({ outcome: 'cancelled' });
    expect(sim.biller.postings).toEqual([]);
  });
});
