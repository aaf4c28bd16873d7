import { describe, expect, it } from 'vitest';
import { initialState, transition } from './transition.js';
import type { BillInfo, FsmConfig, FsmEffect, FsmEvent, FsmState } from './types.js';

const cfg: FsmConfig = { currency: 'CNY', customerTimeoutMs: 90_000, moreTimePromptMs: 30_000, messageMs: 8_000, maxSurplus: 5_000 };
const bill: BillInfo = { billerId: 'power', billerName: 'Power Co', account: '110012345678', period: '202611', due: 12_340, currency: 'CNY', billRef: 'B1' };

function run(events: FsmEvent[], from: FsmState = initialState): { state: FsmState; effects: FsmEffect[] } {
  let state = from;
  const effects: FsmEffect[] = [];
  for (const ev of events) {
    const t = transition(cfg, state, ev);
    state = t.state;
    effects.push(...t.effects);
  }
  return { state, effects };
}

const tenders = { cash: true, card: false } as const;
const toCash: FsmEvent[] = [
  { type: 'scanned', code: 'X', txId: 't1', tenders },
  { type: 'lookup.ok', txId: 't1', bill },
  { type: 'button', button: 'cash' },
];
const note = (value: number, ref: string): FsmEvent[] => [
  { type: 'note.escrow', value, currency: 'CNY', channel: 1 },
  { type: 'note.credited', value, currency: 'CNY', channel: 1, deviceRef: ref },
];
const records = (effects: FsmEffect[]): string[] => effects.flatMap((e) => (e.type === 'journal' ? [e.record.type] : []));

describe('fsm: cash payment', () => {
  it('walks idle → looking-up → bill-shown → accepting → posting → printing → done', () => {
    const { state, effects } = run([
      ...toCash, ...note(10_000, 'a'), ...note(2_000, 'b'), ...note(1_000, 'c'),
      { type: 'post.ok', txId: 't1', billerRef: 'R' }, { type: 'print.done', txId: 't1', printed: true },
    ]);
    expect(state).toEqual({ name: 'done', outcome: 'paid' });
    expect(records(effects)).toEqual([
      'tx.opened', 'note.decided', 'note.credited', 'note.decided', 'note.credited', 'note.decided', 'note.credited',
      'tx.post-intent', 'tx.posted', 'tx.closed', 'receipt.printed',
    ]);
    const post = effects.find((e) => e.type === 'biller.post');
    expect(post).toEqual({ type: 'biller.post', txId: 't1', amount: 13_000, partial: false });
    const closed = effects.find((e) => e.type === 'journal' && e.record.type === 'tx.closed');
    expect(closed).toMatchObject({ record: { outcome: 'paid', paid: 13_000, surplus: 660 } });
  });

  it('credits only at credit, never at escrow', () => {
    const { state } = run([...toCash, { type: 'note.escrow', value: 10_000, currency: 'CNY', channel: 5 }]);
    expect(state.name).toBe('accepting');
    if (state.name !== 'accepting') throw new Error('unreachable');
    expect(state.tx.paid).toBe(0);
    expect(state.tx.accepting).toBe(10_000);
  });

  it('journals the escrow decision before the accept effect', () => {
    const t = transition(cfg, run(toCash).state, { type: 'note.escrow', value: 5_000, currency: 'CNY', channel: 3 });
    expect(t.effects.map((e) => e.type).slice(0, 2)).toEqual(['journal', 'validator.accept']);
  });

  it('shows the bill, then "insert cash" with the remaining amount (the no-change notice lives on that screen)', () => {
    const { effects } = run(toCash);
    const screens = effects.flatMap((e) => (e.type === 'display.show' ? [e.screen.id] : []));
    expect(screens).toEqual(['looking-up', 'bill', 'insert-cash']);
    expect(effects).toContainEqual({ type: 'display.show', screen: { id: 'insert-cash', params: { due: 12_340, paid: 0, remaining: 12_340, currency: 'CNY' } } });
  });

  it('returns a note that would exceed the surplus limit', () => {
    const { state, effects } = run([...toCash, ...note(10_000, 'a'), { type: 'note.escrow', value: 10_000, currency: 'CNY', channel: 6 }]);
    expect(effects.at(-1)).toEqual({ type: 'validator.reject', reason: 'surplus-limit' });
    expect(state.name).toBe('accepting');
  });

  it('accepts a surplus within the limit and credits it as advance payment', () => {
    const { effects } = run([...toCash, ...note(10_000, 'a'), ...note(5_000, 'b')]);
    const last = effects.filter((e) => e.type === 'journal' && e.record.type === 'note.credited').at(-1);
    expect(last).toMatchObject({ record: { toBill: 2_340, surplus: 2_660 } });
  });

  it('refuses a note in the wrong currency and a second note while one is being stacked', () => {
    const s = run(toCash).state;
    expect(transition(cfg, s, { type: 'note.escrow', value: 100, currency: 'EUR', channel: 1 }).effects.at(-1)).toEqual({ type: 'validator.reject', reason: 'currency' });
    const busy = run([{ type: 'note.escrow', value: 100, currency: 'CNY', channel: 1 }, { type: 'note.escrow', value: 100, currency: 'CNY', channel: 1 }], s);
    expect(busy.effects.at(-1)).toEqual({ type: 'validator.reject', reason: 'busy' });
  });
});

describe('fsm: cancel and timeouts', () => {
  it('cancel before any note closes as cancelled with no money taken', () => {
    const { state, effects } = run([...toCash, { type: 'button', button: 'cancel' }]);
    expect(state.name).toBe('idle');
    expect(effects).toContainEqual({ type: 'journal', record: { type: 'tx.closed', txId: 't1', outcome: 'cancelled', paid: 0, surplus: 0 } });
  });

  it('cancel after a note was stacked ends as a partial payment, never as cancelled', () => {
    const { state, effects } = run([...toCash, ...note(5_000, 'a'), { type: 'button', button: 'cancel' }, { type: 'post.ok', txId: 't1', billerRef: 'R' }]);
    expect(state).toMatchObject({ name: 'printing', outcome: 'paid-partially' });
    expect(effects).toContainEqual({ type: 'biller.post', txId: 't1', amount: 5_000, partial: true });
    expect(records(effects)).not.toContain('cancelled');
  });

  it('cancel while a note is being stacked waits for its credit, then posts it', () => {
    const s = run([...toCash, { type: 'note.escrow', value: 5_000, currency: 'CNY', channel: 3 }, { type: 'button', button: 'cancel' }]);
    expect(s.state).toMatchObject({ name: 'accepting', cancelling: true });
    const t = transition(cfg, s.state, { type: 'note.credited', value: 5_000, currency: 'CNY', channel: 3, deviceRef: 'x' });
    expect(t.state.name).toBe('posting');
    expect(t.effects).toContainEqual({ type: 'biller.post', txId: 't1', amount: 5_000, partial: true });
  });

  it('asks "need more time?" before giving up, and more time restarts the wait', () => {
    const s1 = run([...toCash, { type: 'timeout', timer: 'customer' }]);
    expect(s1.state).toMatchObject({ name: 'accepting', prompting: true });
    expect(s1.effects).toContainEqual({ type: 'display.show', screen: { id: 'more-time' } });
    const s2 = run([{ type: 'button', button: 'moreTime' }], s1.state);
    expect(s2.state).toMatchObject({ name: 'accepting', prompting: false });
    expect(s2.effects).toContainEqual({ type: 'timer.start', timer: 'customer', ms: cfg.customerTimeoutMs });
    const s3 = run([{ type: 'timeout', timer: 'customer' }, { type: 'timeout', timer: 'moreTime' }], s2.state);
    expect(s3.state.name).toBe('idle');
  });

  it('a timed-out customer with money in goes to a partial posting', () => {
    const { state } = run([...toCash, ...note(2_000, 'a'), { type: 'timeout', timer: 'customer' }, { type: 'timeout', timer: 'moreTime' }]);
    expect(state).toMatchObject({ name: 'posting', outcomeIfPosted: 'paid-partially' });
  });

  it('a stale moreTime timeout without a prompt does nothing', () => {
    const s = run(toCash).state;
    expect(transition(cfg, s, { type: 'timeout', timer: 'moreTime' }).state).toBe(s);
  });
});

describe('fsm: bad input', () => {
  it('unknown bill → bill-not-found and back to idle', () => {
    const { state, effects } = run([{ type: 'scanned', code: 'junk', txId: 't1', tenders }, { type: 'lookup.not-found', txId: 't1' }]);
    expect(state.name).toBe('idle');
    expect(effects).toContainEqual({ type: 'display.show', screen: { id: 'bill-not-found' } });
  });

  it('gateway down → service-unavailable before any money is accepted', () => {
    const { effects } = run([{ type: 'scanned', code: 'x', txId: 't1', tenders }, { type: 'lookup.unavailable', txId: 't1' }]);
    expect(effects).toContainEqual({ type: 'display.show', screen: { id: 'service-unavailable' } });
    expect(effects.some((e) => e.type === 'validator.enable')).toBe(false);
  });

  it('a note outside a transaction is journaled and returned', () => {
    const t = transition(cfg, initialState, { type: 'note.escrow', value: 100, currency: 'CNY', channel: 1 });
    expect(t.effects).toEqual([
      { type: 'journal', record: { type: 'note.decided', txId: null, value: 100, channel: 1, decision: 'reject', reason: 'no-open-transaction' } },
      { type: 'validator.reject', reason: 'no-open-transaction' },
    ]);
  });

  it('a credit outside a transaction is journaled as unallocated money, never dropped', () => {
    const t = transition(cfg, initialState, { type: 'note.credited', value: 100, currency: 'CNY', channel: 1, deviceRef: 'p' });
    expect(t.effects).toEqual([{ type: 'journal', record: { type: 'note.credited', txId: null, value: 100, currency: 'CNY', channel: 1, deviceRef: 'p', toBill: 0, surplus: 100 } }]);
  });

  it('a lookup answer for another transaction is ignored', () => {
    const s = run([{ type: 'scanned', code: 'x', txId: 't1', tenders }]).state;
    expect(transition(cfg, s, { type: 'lookup.ok', txId: 'other', bill }).state).toBe(s);
  });

  it('biller refusal after money was taken → needs-refund; unreachable → pending', () => {
    const base = run([...toCash, ...note(20_000 - 7_660, 'a')]).state;
    expect(base.name).toBe('posting');
    expect(transition(cfg, base, { type: 'post.failed', txId: 't1', retryable: false, code: 'X' }).state).toMatchObject({ outcome: 'needs-refund' });
    expect(transition(cfg, base, { type: 'post.failed', txId: 't1', retryable: true, code: 'X' }).state).toMatchObject({ outcome: 'pending' });
  });
});

describe('fsm: card payment whose posting answer is lost', () => {
  const toCard: FsmEvent[] = [
    { type: 'scanned', code: 'X', txId: 't1', tenders: { cash: true, card: true } },
    { type: 'lookup.ok', txId: 't1', bill },
    { type: 'button', button: 'card' },
    { type: 'auth.result', txId: 't1', outcome: 'approved' },
  ];
  const lost: FsmEvent = { type: 'post.failed', txId: 't1', retryable: true, code: 'KIOSK_E_BILLER_UNAVAILABLE' };

  it('takes the posting back at the biller before the card is voided', () => {
    const { state, effects } = run([...toCard, lost]);
    expect(state.name).toBe('unposting');
    expect(effects.filter((e) => e.type === 'biller.cancel')).toEqual([{ type: 'biller.cancel', txId: 't1' }]);
    expect(effects.some((e) => e.type === 'card.void')).toBe(false);
    const done = run([{ type: 'unpost.result', txId: 't1', ok: true }, { type: 'void.result', txId: 't1', ok: true }], state);
    expect(records(done.effects)).toEqual(['tx.unposted', 'tx.voided', 'tx.closed']);
    expect(done.effects).toContainEqual({ type: 'telemetry.transaction', txId: 't1', outcome: 'cancelled', paid: 0 });
  });

  it('a refusal is final: the card is voided at once', () => {
    const { state } = run([...toCard, { ...lost, retryable: false, code: 'KIOSK_E_BILLER_REFUSED' }]);
    expect(state.name).toBe('voiding');
  });

  it('a posting that cannot be taken back still voids the card, then needs a refund with nothing paid', () => {
    const { state, effects } = run([...toCard, lost, { type: 'unpost.result', txId: 't1', ok: false }]);
    expect(state).toMatchObject({ name: 'voiding', postingStands: true });
    expect(effects.some((e) => e.type === 'card.void')).toBe(true);
    const done = run([{ type: 'void.result', txId: 't1', ok: true }], state);
    expect(done.state).toMatchObject({ name: 'printing', outcome: 'needs-refund' });
    expect(done.effects).toContainEqual({ type: 'telemetry.transaction', txId: 't1', outcome: 'needs-refund', paid: 0 });
  });
});
