import { afterEach, describe, expect, it, vi } from 'vitest';
import { KioskError } from '../../src/errors/index.js';
import { systemClock, systemTimers } from '../../src/hal/index.js';
import { startSimKiosk, type SimKiosk } from '../sim/harness.js';
import { ZvtTerminalSim } from '../sim/zvt/index.js';

let sim: SimKiosk | undefined;
afterEach(async () => { await sim?.close(); sim = undefined; });

const WATER = '000123456789'; // 45.60 due

async function toBill(s: SimKiosk, txId: string): Promise<void> {
  s.devices.scanner.scan(s.biller.sampleBarcodes().find((b) => b.account === WATER && b.kind === 'bill')!.code);
  await vi.waitFor(() => expect(s.runtime.kiosk.state().name).toBe('bill-shown'));
  expect(s.runtime.kiosk.state()).toMatchObject({ tx: { txId } });
}

const closed = (s: SimKiosk, txId: string): Promise<void> =>
  vi.waitFor(() => expect(s.runtime.journal.transaction(txId)?.state).toBe('closed'));

describe('card payments: authorise, post, then book or void', () => {
  it('approved → posted to the biller → booked; the receipt shows card type and last four only', async () => {
    sim = await startSimKiosk({ newTxId: () => 'CARD-1' });
    await sim.runtime.kiosk.start();
    await toBill(sim, 'CARD-1');
    sim.devices.panel.press('card');
    await closed(sim, 'CARD-1');
    expect(sim.runtime.journal.transaction('CARD-1')).toMatchObject({ outcome: 'paid', paid: 4_560, tender: 'card', last4: '0005', cardType: 'UnionPay' });
    expect(sim.devices.cardPayment.transactionState('CARD-1')).toBe('committed');
    expect(sim.biller.postings).toEqual([expect.objectContaining({ txId: 'CARD-1', amount: 4_560 })]);
    expect(sim.runtime.journal.events({ txId: 'CARD-1' }).map((e) => e.type)).toEqual([
      'tx.opened', 'tx.auth-intent', 'tx.authorised', 'tx.post-intent', 'tx.posted', 'tx.booked', 'tx.closed', 'receipt.printed',
    ]);
    await vi.waitFor(() => expect(sim!.devices.receiptPrinter.lastText()).toContain('UnionPay ****0005'));
    expect(sim.devices.receiptPrinter.lastText()).toContain('银行卡支付');
    // Nothing is taken from the cash box.
    expect(sim.runtime.journal.cashbox()).toEqual([]);
  });

  it('declined → cancelled, nothing posted', async () => {
    sim = await startSimKiosk({ newTxId: () => 'CARD-2' });
    await sim.runtime.kiosk.start();
    sim.devices.cardPayment.setMode('decline');
    await toBill(sim, 'CARD-2');
    sim.devices.panel.press('card');
    await closed(sim, 'CARD-2');
    expect(sim.runtime.journal.transaction('CARD-2')).toMatchObject({ outcome: 'cancelled', paid: 0 });
    expect(sim.biller.postings).toEqual([]);
    expect(sim.devices.display.current().lines[0]).toBe('支付未成功');
  });

  it('the biller refuses after approval → the card is voided, no money taken', async () => {
    sim = await startSimKiosk({ newTxId: () => 'CARD-3' });
    await sim.runtime.kiosk.start();
    await toBill(sim, 'CARD-3');
    sim.biller.setMode('refuse');
    sim.devices.panel.press('card');
    await closed(sim, 'CARD-3');
    expect(sim.runtime.journal.transaction('CARD-3')).toMatchObject({ outcome: 'cancelled', paid: 0 });
    expect(sim.devices.cardPayment.transactionState('CARD-3')).toBe('voided');
  });

  it('booking fails after the biller accepted → the posting is cancelled at the biller, then the card voided', async () => {
    sim = await startSimKiosk({ newTxId: () => 'CARD-4' });
    await sim.runtime.kiosk.start();
    await toBill(sim, 'CARD-4');
    sim.devices.cardPayment.commit = () => Promise.reject(new KioskError('KIOSK_E_DEVICE_TIMEOUT', 'line dropped'));
    sim.devices.panel.press('card');
    await closed(sim, 'CARD-4');
    expect(sim.runtime.journal.transaction('CARD-4')).toMatchObject({ outcome: 'cancelled', paid: 0 });
    expect(sim.biller.postings).toEqual([expect.objectContaining({ txId: 'CARD-4', cancelled: true })]);
    expect(sim.devices.cardPayment.transactionState('CARD-4')).toBe('voided');
  });

  it('booking fails and the biller cannot take the posting back → needs-refund with an alarm', async () => {
    sim = await startSimKiosk({ newTxId: () => 'CARD-5', overrides: { billing: { timeoutMs: 300, retries: 0 } } });
    await sim.runtime.kiosk.start();
    await toBill(sim, 'CARD-5');
    sim.devices.cardPayment.commit = () => { sim!.biller.setMode('down'); return Promise.reject(new KioskError('KIOSK_E_DEVICE_TIMEOUT', 'line dropped')); };
    sim.devices.panel.press('card');
    await closed(sim, 'CARD-5');
    // The card is reversed (the customer paid nothing); the posting that stands is the fleet's to settle.
    expect(sim.runtime.journal.transaction('CARD-5')).toMatchObject({ outcome: 'needs-refund', paid: 0 });
    expect(sim.devices.cardPayment.transactionState('CARD-5')).toBe('voided');
    expect(sim.runtime.outbox!.depth()).toMatchObject({ alarm: 1 });
  });

  /** A card payment whose posting the biller books at once but answers after the client gave up. */
  async function postingAnswerLost(txId: string): Promise<SimKiosk> {
    const s = await startSimKiosk({ newTxId: () => txId, overrides: { billing: { timeoutMs: 200, retries: 0 } } });
    await s.runtime.kiosk.start();
    await toBill(s, txId);
    s.biller.setMode('slow', 2_000);
    s.devices.panel.press('card');
    await vi.waitFor(() => expect(s.biller.postings).toHaveLength(1));
    return s;
  }

  it('the biller posts but its answer never comes back → the posting is taken back before the card is voided', async () => {
    sim = await postingAnswerLost('CARD-9');
    sim.biller.setMode('ok');
    await closed(sim, 'CARD-9');
    expect(sim.runtime.journal.transaction('CARD-9')).toMatchObject({ outcome: 'cancelled', paid: 0 });
    expect(sim.biller.postings).toEqual([expect.objectContaining({ txId: 'CARD-9', cancelled: true })]);
    expect(sim.devices.cardPayment.transactionState('CARD-9')).toBe('voided');
  });

  it('a posting that may have landed and cannot be taken back → the card is voided and the transaction needs a refund, with an alarm', async () => {
    sim = await postingAnswerLost('CARD-10');
    sim.biller.setMode('down');
    await closed(sim, 'CARD-10');
    expect(sim.runtime.journal.transaction('CARD-10')).toMatchObject({ outcome: 'needs-refund' });
    expect(sim.devices.cardPayment.transactionState('CARD-10')).toBe('voided');
    expect(sim.runtime.outbox!.depth()).toMatchObject({ alarm: 1 });
  });

  it('a lost answer (unknown outcome) is reversed, never booked blind', async () => {
    sim = await startSimKiosk({ newTxId: () => 'CARD-6' });
    await sim.runtime.kiosk.start();
    sim.devices.cardPayment.setMode('no-reply');
    await toBill(sim, 'CARD-6');
    sim.devices.panel.press('card');
    await closed(sim, 'CARD-6');
    expect(sim.runtime.journal.transaction('CARD-6')).toMatchObject({ outcome: 'cancelled', paid: 0 });
    expect(sim.devices.cardPayment.transactionState('CARD-6')).toBe('voided');
    expect(sim.biller.postings).toEqual([]);
  });

  it('restart after the approval was journaled but before posting: recovery posts and books with the same key', async () => {
    sim = await startSimKiosk();
    await sim.runtime.kiosk.start();
    const bill = { billerId: 'water-city', billerName: 'City Water Works', account: WATER, period: '202506', due: 4_560, currency: 'CNY', billRef: 'WC-202506-1' };
    // What a run that died right after the approval leaves in the journal.
    sim.runtime.journal.appendAll([
      { type: 'tx.opened', txId: 'CARD-7', bill },
      { type: 'tx.auth-intent', txId: 'CARD-7', tender: 'card', amount: 4_560 },
      { type: 'tx.authorised', txId: 'CARD-7', tender: 'card', amount: 4_560, cardType: 'UnionPay', last4: '0005', authCode: 'A1' },
    ]);
    const dataDir = sim.dataDir;
    await sim.runtime.close();
    await sim.biller.close();
    sim = await startSimKiosk({ dataDir });
    const booked: string[] = [];
    sim.devices.cardPayment.commit = async (ref) => { booked.push(ref); };
    await sim.runtime.kiosk.start();
    expect(sim.runtime.journal.transaction('CARD-7')).toMatchObject({ state: 'closed', outcome: 'paid', paid: 4_560 });
    expect(sim.biller.postings).toEqual([expect.objectContaining({ txId: 'CARD-7', amount: 4_560 })]);
    expect(booked).toEqual(['CARD-7']);
  });

  it('restart while an authorisation was in flight: the answer is asked for and the payment reversed (the customer has gone)', async () => {
    sim = await startSimKiosk();
    await sim.runtime.kiosk.start();
    const bill = { billerId: 'water-city', billerName: 'City Water Works', account: WATER, period: '202506', due: 4_560, currency: 'CNY', billRef: 'WC-202506-1' };
    sim.runtime.journal.appendAll([{ type: 'tx.opened', txId: 'CARD-8', bill }, { type: 'tx.auth-intent', txId: 'CARD-8', tender: 'card', amount: 4_560 }]);
    const dataDir = sim.dataDir;
    await sim.runtime.close();
    await sim.biller.close();
    sim = await startSimKiosk({ dataDir });
    const voided: string[] = [];
    sim.devices.cardPayment.queryLastResult = async () => ({ outcome: 'approved', ref: 'CARD-8', amount: 4_560 });
    sim.devices.cardPayment.void = async (ref) => { voided.push(ref); };
    await sim.runtime.kiosk.start();
    expect(sim.runtime.journal.transaction('CARD-8')).toMatchObject({ state: 'closed', outcome: 'cancelled', paid: 0 });
    expect(voided).toEqual(['CARD-8']);
    expect(sim.biller.postings).toEqual([]);
  });
});

describe('card recovery against the ZVT terminal simulator, which remembers across kiosk restarts', () => {
  it('an authorisation cut off before it reached the terminal is voided without reversing the previous customer\'s booked payment', async () => {
    const terminal = new ZvtTerminalSim({ clock: systemClock, timers: systemTimers, statusRepeatMs: 500 });
    sim = await startSimKiosk({ card: 'zvt', zvtTerminal: terminal, newTxId: () => 'ZR-1' });
    await sim.runtime.kiosk.start();
    await toBill(sim, 'ZR-1');
    terminal.labelNext('ZR-1');
    sim.devices.panel.press('card');
    await closed(sim, 'ZR-1');
    expect(terminal.ledger().bookedByRef).toEqual({ 'ZR-1': 4_560 });
    // What a kioskd killed right after journaling the next authorisation, before sending it, leaves behind.
    const bill = { billerId: 'water-city', billerName: 'City Water Works', account: WATER, period: '202506', due: 1_200, currency: 'CNY', billRef: 'WC-202506-2' };
    sim.runtime.journal.appendAll([{ type: 'tx.opened', txId: 'ZR-2', bill }, { type: 'tx.auth-intent', txId: 'ZR-2', tender: 'card', amount: 1_200 }]);
    const dataDir = sim.dataDir;
    await sim.runtime.close();
    await sim.biller.close();
    sim = await startSimKiosk({ card: 'zvt', zvtTerminal: terminal, dataDir });
    await sim.runtime.kiosk.start();
    expect(sim.runtime.journal.transaction('ZR-2')).toMatchObject({ state: 'closed', outcome: 'cancelled', paid: 0 });
    await sim.runtime.kiosk.settle();
    expect(terminal.ledger().bookedByRef).toEqual({ 'ZR-1': 4_560 });
    expect(terminal.commands()).not.toContain('0630');
  });
});

describe('wallet payment codes: the customer shows the code on a phone, the kiosk scanner reads it', () => {
  it('paid: the code is charged, the bill posted, the order confirmed; the code itself is journaled nowhere', async () => {
    sim = await startSimKiosk({ wallet: true, newTxId: () => 'WAL-1' });
    await sim.runtime.kiosk.start();
    await toBill(sim, 'WAL-1');
    const code = sim.walletSim!.issueCode('wechat', 'grandma');
    sim.devices.scanner.scan(code);
    await closed(sim, 'WAL-1');
    expect(sim.runtime.journal.transaction('WAL-1')).toMatchObject({ outcome: 'paid', paid: 4_560, tender: 'wallet' });
    expect(sim.walletSim!.balance('grandma')).toBe(4_560); // taken from the customer's wallet
    expect(sim.biller.postings).toEqual([expect.objectContaining({ txId: 'WAL-1', amount: 4_560 })]);
    const journalText = JSON.stringify(sim.runtime.journal.events({ txId: 'WAL-1' }));
    expect(journalText).not.toContain(code);
    expect(sim.logLines.join('')).not.toContain(code);
  });

  it('the biller refuses after the wallet was charged: the charge is reversed, the customer keeps the money', async () => {
    sim = await startSimKiosk({ wallet: true, newTxId: () => 'WAL-2' });
    await sim.runtime.kiosk.start();
    await toBill(sim, 'WAL-2');
    sim.biller.setMode('refuse');
    sim.devices.scanner.scan(sim.walletSim!.issueCode('alipay', 'grandpa'));
    await closed(sim, 'WAL-2');
    expect(sim.runtime.journal.transaction('WAL-2')).toMatchObject({ outcome: 'cancelled', paid: 0 });
    expect(sim.walletSim!.balance('grandpa')).toBe(0);
  });

  it('a bill barcode scanned on the bill screen is not taken for a payment code', async () => {
    sim = await startSimKiosk({ wallet: true, newTxId: () => 'WAL-3' });
    await sim.runtime.kiosk.start();
    await toBill(sim, 'WAL-3');
    sim.devices.scanner.scan(sim.biller.sampleBarcodes()[0]!.code);
    await sim.runtime.kiosk.settle();
    expect(sim.runtime.kiosk.state().name).toBe('bill-shown');
    expect(sim.walletSim!.orders()).toEqual([]);
  });
});
