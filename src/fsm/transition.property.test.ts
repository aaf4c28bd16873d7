import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialState, transition } from './transition.js';
import type { BillInfo, FsmConfig, FsmEvent, FsmState, JournalRecord } from './types.js';

const cfg: FsmConfig = { currency: 'CNY', customerTimeoutMs: 90_000, moreTimePromptMs: 30_000, messageMs: 8_000, maxSurplus: 5_000 };
const bill = (due: number): BillInfo => ({ billerId: 'b', billerName: 'B', account: '123456789', period: '202611', due, currency: 'CNY', billRef: 'r' });
const NOTES = [100, 500, 1_000, 2_000, 5_000, 10_000];

/** Random inputs, including ones that make no sense in the current state (late, duplicated, foreign). */
type Maker = (n: number, current: string) => FsmEvent;

function eventArb(): fc.Arbitrary<Maker> {
  // Answers mostly concern the transaction in progress, sometimes a stale or foreign one.
  const txId = fc.constantFrom<(cur: string) => string>((c) => c, (c) => c, (c) => c, () => 'stale');
  return fc.oneof(
    fc.boolean().map((cash) => (n: number) => ({ type: 'scanned', code: 'x', txId: `t${n}`, tenders: { cash, card: false } }) as FsmEvent),
    fc.record({ id: txId, due: fc.integer({ min: 1, max: 50_000 }) }).map(({ id, due }) => (_: number, c: string) => ({ type: 'lookup.ok', txId: id(c), bill: bill(due) }) as FsmEvent),
    txId.map((id) => (_: number, c: string) => ({ type: 'lookup.not-found', txId: id(c) }) as FsmEvent),
    txId.map((id) => (_: number, c: string) => ({ type: 'lookup.unavailable', txId: id(c) }) as FsmEvent),
    fc.constantFrom('cash', 'card', 'cancel', 'confirm', 'moreTime').map((b) => () => ({ type: 'button', button: b }) as FsmEvent),
    fc.record({ v: fc.constantFrom(...NOTES), cur: fc.constantFrom('CNY', 'CNY', 'CNY', 'EUR') }).map(({ v, cur }) => () => ({ type: 'note.escrow', value: v, currency: cur, channel: 1 }) as FsmEvent),
    fc.constantFrom(...NOTES).map((v) => (n: number) => ({ type: 'note.credited', value: v, currency: 'CNY', channel: 1, deviceRef: `d${n}` }) as FsmEvent),
    fc.constant(() => ({ type: 'note.returned' }) as FsmEvent),
    txId.map((id) => (_: number, c: string) => ({ type: 'post.ok', txId: id(c), billerRef: 'R' }) as FsmEvent),
    fc.record({ id: txId, r: fc.boolean() }).map(({ id, r }) => (_: number, c: string) => ({ type: 'post.failed', txId: id(c), retryable: r, code: 'X' }) as FsmEvent),
    fc.record({ id: txId, p: fc.boolean() }).map(({ id, p }) => (_: number, c: string) => ({ type: 'print.done', txId: id(c), printed: p }) as FsmEvent),
    fc.constantFrom('customer', 'moreTime', 'message').map((t) => () => ({ type: 'timeout', timer: t }) as FsmEvent),
    fc.record({ up: fc.boolean() }).map(({ up }) => () => ({ type: 'service', inService: up, reason: up ? 'ok' : 'door-open' }) as FsmEvent),
  );
}

/** Replays a run and checks every invariant after every step. Returns the number of steps taken. */
function check(makers: Maker[]): number {
  let state: FsmState = initialState;
  const closed = new Map<string, { outcome: string; paid: number }>();
  const credited = new Map<string, number>(); // txId → money journaled as credited to it
  let stray = 0;
  let totalCredits = 0;
  makers.forEach((make, n) => {
    const current = 'tx' in state ? state.tx.txId : state.name === 'looking-up' ? state.txId : 'none';
    const ev = make(n, current);
    const before = state;
    const t = transition(cfg, before, ev);
    const records: JournalRecord[] = t.effects.flatMap((e) => (e.type === 'journal' ? [e.record] : []));
    // Write-ahead: every journal effect comes before any other effect of the same step.
    const firstOther = t.effects.findIndex((e) => e.type !== 'journal');
    const lastJournal = t.effects.map((e) => e.type).lastIndexOf('journal');
    if (firstOther !== -1) expect(lastJournal).toBeLessThan(firstOther);

    for (const r of records) {
      if ('txId' in r && r.txId !== null && closed.has(r.txId) && r.type !== 'receipt.printed') {
        throw new Error(`record ${r.type} for ${r.txId} after it closed (final states are final)`);
      }
      if (r.type === 'note.credited') {
        totalCredits += r.value;
        expect(r.toBill + r.surplus).toBe(r.value);
        expect(Math.min(r.toBill, r.surplus)).toBeGreaterThanOrEqual(0);
        // No credit outside a transaction: a credit is booked to the accepting transaction or kept unallocated.
        if (r.txId === null) stray += r.value;
        else {
          expect(before.name).toBe('accepting');
          expect('tx' in before && before.tx.txId).toBe(r.txId);
          credited.set(r.txId, (credited.get(r.txId) ?? 0) + r.value);
        }
      }
      if (r.type === 'tx.closed') {
        closed.set(r.txId, { outcome: r.outcome, paid: r.paid });
        expect(r.paid).toBe(credited.get(r.txId) ?? 0);
        if (r.paid > 0) expect(r.outcome).not.toBe('cancelled');
        if (r.outcome === 'cancelled') expect(r.paid).toBe(0);
      }
    }
    // Every escrow gets exactly one journaled decision and the matching validator command.
    if (ev.type === 'note.escrow') {
      const decisions = records.filter((r) => r.type === 'note.decided');
      expect(decisions).toHaveLength(1);
      const cmd = t.effects.filter((e) => e.type === 'validator.accept' || e.type === 'validator.reject');
      expect(cmd).toHaveLength(1);
      const d = decisions[0]!;
      expect(cmd[0]!.type).toBe(d.type === 'note.decided' && d.decision === 'accept' ? 'validator.accept' : 'validator.reject');
    }
    // Every credit is journaled, whatever the state.
    if (ev.type === 'note.credited') expect(records.filter((r) => r.type === 'note.credited')).toHaveLength(1);
    state = t.state;
    if ('tx' in state) {
      expect(state.tx.paid).toBeGreaterThanOrEqual(0);
      expect(state.tx.accepting).toBeGreaterThanOrEqual(0);
      expect(state.tx.paid).toBe(credited.get(state.tx.txId) ?? 0);
    }
  });
  // Conservation: all credited money is in a closed transaction, the open one, or unallocated.
  const open = 'tx' in state && !closed.has(state.tx.txId) ? credited.get(state.tx.txId) ?? 0 : 0;
  const inClosed = [...closed.values()].reduce((a, c) => a + c.paid, 0);
  expect(inClosed + open + stray).toBe(totalCredits);
  return makers.length;
}

describe('fsm properties (random event sequences)', () => {
  it('never breaks the money invariants over ≥ 100,000 steps', () => {
    let steps = 0;
    fc.assert(fc.property(fc.array(eventArb(), { minLength: 80, maxLength: 150 }), (makers) => { steps += check(makers); }), { numRuns: 1_100, seed: 20261127 });
    expect(steps).toBeGreaterThanOrEqual(100_000);
  });

  it('a happy-path-biased generator reaches every outcome (so the invariants were exercised where it matters)', () => {
    const outcomes = new Set<string>();
    const seq = (due: number, notes: number[], end: FsmEvent[]): FsmEvent[] => [
      { type: 'scanned', code: 'x', txId: 't1', tenders: { cash: true, card: false } }, { type: 'lookup.ok', txId: 't1', bill: bill(due) }, { type: 'button', button: 'cash' },
      ...notes.flatMap((v, i): FsmEvent[] => [{ type: 'note.escrow', value: v, currency: 'CNY', channel: 1 }, { type: 'note.credited', value: v, currency: 'CNY', channel: 1, deviceRef: `n${i}` }]),
      ...end,
    ];
    const runs: FsmEvent[][] = [
      seq(1_000, [1_000], [{ type: 'post.ok', txId: 't1', billerRef: 'R' }]),
      seq(5_000, [1_000], [{ type: 'button', button: 'cancel' }, { type: 'post.ok', txId: 't1', billerRef: 'R' }]),
      seq(1_000, [1_000], [{ type: 'post.failed', txId: 't1', retryable: true, code: 'X' }]),
      seq(1_000, [1_000], [{ type: 'post.failed', txId: 't1', retryable: false, code: 'X' }]),
      seq(1_000, [], [{ type: 'button', button: 'cancel' }]),
    ];
    for (const r of runs) {
      let s: FsmState = initialState;
      for (const ev of r) {
        const t = transition(cfg, s, ev);
        for (const e of t.effects) if (e.type === 'journal' && e.record.type === 'tx.closed') outcomes.add(e.record.outcome);
        s = t.state;
      }
      check(r.map((ev) => () => ev));
    }
    expect([...outcomes].sort()).toEqual(['cancelled', 'needs-refund', 'paid', 'paid-partially', 'pending']);
  });
});
