import type { Minor } from '../money/index.js';
import { electronic, startAuthorising } from './electronic.js';
import type {
  FsmConfig, FsmEffect, FsmEvent, FsmState, JournalRecord, OpenTx, Outcome, Screen, Transition,
} from './types.js';

export const initialState: FsmState = { name: 'idle' };

const stay = (state: FsmState, ...effects: FsmEffect[]): Transition => ({ state, effects });
const journal = (record: JournalRecord): FsmEffect => ({ type: 'journal', record });
const show = (id: Screen['id'], params?: Screen['params']): FsmEffect => ({ type: 'display.show', screen: params ? { id, params } : { id } });
const startTimer = (timer: 'customer' | 'moreTime' | 'message', ms: number): FsmEffect => ({ type: 'timer.start', timer, ms });
const cancelTimer = (timer: 'customer' | 'moreTime' | 'message'): FsmEffect => ({ type: 'timer.cancel', timer });

/** Accounts are shown and logged by their last four characters only. */
export function maskAccount(account: string): string {
  return account.length <= 4 ? account : `${'*'.repeat(Math.min(4, account.length - 4))}${account.slice(-4)}`;
}

function billScreen(tx: OpenTx): Screen['params'] {
  const { bill } = tx;
  return {
    biller: bill.billerName, account: maskAccount(bill.account), period: bill.period, due: bill.due, currency: bill.currency,
    tenders: [tx.tenders.cash ? 'cash' : '', tx.tenders.card ? 'card' : '', tx.tenders.wallet ? 'wallet' : ''].filter(Boolean).join(','),
  };
}

function cashScreen(tx: OpenTx): FsmEffect {
  const remaining = Math.max(0, tx.bill.due - tx.paid);
  return show('insert-cash', { due: tx.bill.due, paid: tx.paid, remaining, currency: tx.bill.currency });
}

/** The largest note the validator may take now without breaking the surplus limit. */
function maxNote(cfg: FsmConfig, tx: OpenTx): Minor {
  return Math.max(0, tx.bill.due - tx.paid) + cfg.maxSurplus;
}

/** A message on the glass, then idle when the message timer fires. */
function toIdleWith(screen: Screen['id'], cfg: FsmConfig, params?: Screen['params'], ...pre: FsmEffect[]): Transition {
  return stay({ name: 'idle' }, ...pre, cancelTimer('customer'), cancelTimer('moreTime'), show(screen, params), startTimer('message', cfg.messageMs));
}

function startLookup(ev: Extract<FsmEvent, { type: 'scanned' }>): Transition {
  if (!ev.tenders.cash && !ev.tenders.card) return stay({ name: 'idle' }, show('out-of-service', { reason: 'no-tender' }));
  return stay({ name: 'looking-up', txId: ev.txId, tenders: ev.tenders }, cancelTimer('message'), show('looking-up'), { type: 'biller.lookup', txId: ev.txId, code: ev.code });
}

/** A note nobody asked for: journal the refusal, then return it. */
function refuseNote(txId: string | null, value: Minor, channel: number, reason: string, state: FsmState): Transition {
  return stay(state,
    journal({ type: 'note.decided', txId, value, channel, decision: 'reject', reason }),
    { type: 'validator.reject', reason });
}

/** Money that arrived outside an accepting transaction is still money: journal it unallocated. */
function strayCredit(ev: Extract<FsmEvent, { type: 'note.credited' }>, state: FsmState): Transition {
  return stay(state, journal({ type: 'note.credited', txId: null, value: ev.value, currency: ev.currency, channel: ev.channel, deviceRef: ev.deviceRef, toBill: 0, surplus: ev.value }));
}

/** Stops taking cash and posts what was paid (partial when below the amount due). */
function toPosting(tx: OpenTx, ...pre: FsmEffect[]): Transition {
  const partial = tx.paid < tx.bill.due;
  return stay({ name: 'posting', tx, outcomeIfPosted: partial ? 'paid-partially' : 'paid' },
    ...pre,
    journal({ type: 'tx.post-intent', txId: tx.txId, amount: tx.paid, partial }),
    { type: 'validator.disable' }, cancelTimer('customer'), cancelTimer('moreTime'),
    show('posting'),
    { type: 'biller.post', txId: tx.txId, amount: tx.paid, partial });
}

/** Customer gave up or cancelled: partial payment if money was taken, otherwise cancelled. */
function endByCustomer(cfg: FsmConfig, tx: OpenTx, opened: boolean): Transition {
  if (tx.paid > 0) return toPosting(tx);
  const close: FsmEffect[] = opened
    ? [journal({ type: 'tx.closed', txId: tx.txId, outcome: 'cancelled', paid: 0, surplus: 0 }), { type: 'validator.disable' },
      { type: 'telemetry.transaction', txId: tx.txId, outcome: 'cancelled', paid: 0 }]
    : [];
  return toIdleWith('cancelled', cfg, undefined, ...close);
}

function surplusOf(tx: OpenTx): Minor {
  return Math.max(0, tx.paid - tx.bill.due);
}

function closeAndPrint(tx: OpenTx, outcome: Outcome, first: JournalRecord): Transition {
  return stay({ name: 'printing', tx, outcome },
    journal(first),
    journal({ type: 'tx.closed', txId: tx.txId, outcome, paid: tx.paid, surplus: surplusOf(tx) }),
    show('printing'),
    { type: 'printer.print', txId: tx.txId, outcome },
    { type: 'telemetry.transaction', txId: tx.txId, outcome, paid: tx.paid });
}

/**
 * The transaction state machine as a pure function: no I/O, no timers, no clock. Unknown or late events
 * leave the state unchanged — except notes, which are always answered (returned) or journaled (credited).
 */
export function transition(cfg: FsmConfig, state: FsmState, ev: FsmEvent): Transition {
  // Notes are handled first: whatever the state, an escrow gets a decision and a credit gets journaled.
  if (ev.type === 'note.escrow' && state.name !== 'accepting') {
    return refuseNote(txIdOf(state), ev.value, ev.channel, 'no-open-transaction', state);
  }
  if (ev.type === 'note.credited' && state.name !== 'accepting') return strayCredit(ev, state);

  switch (state.name) {
    case 'idle':
    case 'done':
      if (ev.type === 'scanned') return startLookup(ev);
      if (ev.type === 'timeout' && ev.timer === 'message') return stay({ name: 'idle' }, show('welcome'));
      if (ev.type === 'service' && !ev.inService) return toOutOfService(ev.reason);
      return stay(state);

    case 'out-of-service':
      if (ev.type === 'service' && ev.inService) return stay({ name: 'idle' }, show('welcome'));
      if (ev.type === 'service') return stay({ name: 'out-of-service', reason: ev.reason }, show('out-of-service', { reason: ev.reason }));
      return stay(state);

    case 'looking-up':
      if ((ev.type === 'lookup.ok' || ev.type === 'lookup.not-found' || ev.type === 'lookup.unavailable') && ev.txId !== state.txId) return stay(state);
      switch (ev.type) {
        case 'lookup.ok': {
          if (ev.bill.currency !== cfg.currency || !(ev.bill.due > 0)) return toIdleWith('bill-not-found', cfg);
          const tx: OpenTx = { txId: state.txId, tenders: state.tenders, bill: ev.bill, paid: 0, notes: 0, accepting: 0 };
          return stay({ name: 'bill-shown', tx, prompting: false }, show('bill', billScreen(tx)), startTimer('customer', cfg.customerTimeoutMs));
        }
        case 'lookup.not-found': return toIdleWith('bill-not-found', cfg);
        case 'lookup.unavailable': return toIdleWith('service-unavailable', cfg);
        case 'button': return ev.button === 'cancel' ? toIdleWith('cancelled', cfg) : stay(state);
        case 'service': return ev.inService ? stay(state) : toOutOfService(ev.reason);
        default: return stay(state);
      }

    case 'bill-shown': {
      const { tx } = state;
      if (ev.type === 'button') {
        if ((ev.button === 'cash' || ev.button === 'confirm') && tx.tenders.cash) {
          return stay({ name: 'accepting', tx, prompting: false, cancelling: false },
            journal({ type: 'tx.opened', txId: tx.txId, bill: tx.bill }),
            cancelTimer('moreTime'),
            { type: 'validator.enable', maxNote: maxNote(cfg, tx) },
            cashScreen(tx), startTimer('customer', cfg.customerTimeoutMs));
        }
        if (ev.button === 'card' && tx.tenders.card) return startAuthorising(tx, 'card');
        if (ev.button === 'cancel') return endByCustomer(cfg, tx, false);
        if (ev.button === 'moreTime' && state.prompting) {
          return stay({ ...state, prompting: false }, cancelTimer('moreTime'), show('bill', billScreen(tx)), startTimer('customer', cfg.customerTimeoutMs));
        }
        return stay(state);
      }
      if (ev.type === 'wallet.code' && tx.tenders.wallet === true) return startAuthorising(tx, 'wallet', ev.code);
      if (ev.type === 'timeout') return promptOrGiveUp(cfg, state, ev.timer, () => endByCustomer(cfg, tx, false));
      if (ev.type === 'service' && !ev.inService) return toOutOfService(ev.reason);
      return stay(state);
    }

    case 'accepting':
      return accepting(cfg, state, ev);

    case 'authorising':
    case 'committing':
    case 'unposting':
    case 'voiding':
      return electronic(cfg, state, ev) ?? stay(state);

    case 'posting': {
      const card = electronic(cfg, state, ev);
      if (card) return card;
      const { tx } = state;
      if (ev.type === 'post.ok' && ev.txId === tx.txId) {
        return closeAndPrint(tx, state.outcomeIfPosted, { type: 'tx.posted', txId: tx.txId, billerRef: ev.billerRef });
      }
      if (ev.type === 'post.failed' && ev.txId === tx.txId) {
        // Money was taken either way: retryable → pending (the biller outbox retries with the same key),
        // refused for good → needs-refund.
        return closeAndPrint(tx, ev.retryable ? 'pending' : 'needs-refund', { type: 'tx.post-failed', txId: tx.txId, code: ev.code, retryable: ev.retryable });
      }
      return stay(state);
    }

    case 'printing':
      if (ev.type === 'print.done' && ev.txId === state.tx.txId) {
        return stay({ name: 'done', outcome: state.outcome },
          journal({ type: 'receipt.printed', txId: state.tx.txId, printed: ev.printed }),
          show('thank-you', { outcome: state.outcome, txId: state.tx.txId, paid: state.tx.paid, surplus: surplusOf(state.tx), currency: state.tx.bill.currency, printed: ev.printed ? 1 : 0 }),
          startTimer('message', cfg.messageMs));
      }
      return stay(state);
  }
}

/** The transaction a refused note belongs to: only one still open (a printing one is already closed). */
function txIdOf(state: FsmState): string | null {
  return 'tx' in state && state.name !== 'printing' ? state.tx.txId : null;
}

function toOutOfService(reason: string): Transition {
  return stay({ name: 'out-of-service', reason },
    cancelTimer('customer'), cancelTimer('moreTime'), cancelTimer('message'),
    { type: 'validator.disable' }, show('out-of-service', { reason }));
}

/** First customer timeout → "need more time?"; the prompt's own timeout → give up. */
function promptOrGiveUp<S extends Extract<FsmState, { prompting: boolean }>>(
  cfg: FsmConfig, state: S, timer: string, giveUp: () => Transition,
): Transition {
  if (timer === 'customer' && !state.prompting) {
    return stay({ ...state, prompting: true }, show('more-time'), startTimer('moreTime', cfg.moreTimePromptMs));
  }
  if (timer === 'moreTime' && state.prompting) return giveUp();
  return stay(state);
}

function accepting(cfg: FsmConfig, state: Extract<FsmState, { name: 'accepting' }>, ev: FsmEvent): Transition {
  const { tx } = state;
  switch (ev.type) {
    case 'note.escrow': {
      const refuse = (reason: string): Transition => refuseNote(tx.txId, ev.value, ev.channel, reason, state);
      if (ev.currency !== tx.bill.currency) return refuse('currency');
      if (state.cancelling) return refuse('cancelling');
      if (tx.accepting > 0) return refuse('busy');
      if (!Number.isSafeInteger(ev.value) || ev.value <= 0) return refuse('invalid-value');
      if (tx.paid + ev.value - tx.bill.due > cfg.maxSurplus) return refuse('surplus-limit');
      return stay({ ...state, prompting: false, tx: { ...tx, accepting: ev.value } },
        journal({ type: 'note.decided', txId: tx.txId, value: ev.value, channel: ev.channel, decision: 'accept', reason: 'ok' }),
        { type: 'validator.accept' }, cancelTimer('moreTime'), startTimer('customer', cfg.customerTimeoutMs));
    }
    case 'note.credited': {
      const toBill = Math.min(ev.value, Math.max(0, tx.bill.due - tx.paid));
      const next: OpenTx = { ...tx, paid: tx.paid + ev.value, notes: tx.notes + 1, accepting: 0 };
      const credit = journal({ type: 'note.credited', txId: tx.txId, value: ev.value, currency: ev.currency, channel: ev.channel, deviceRef: ev.deviceRef, toBill, surplus: ev.value - toBill });
      if (next.paid >= next.bill.due || state.cancelling) return toPosting(next, credit);
      return stay({ ...state, tx: next }, credit, { type: 'validator.enable', maxNote: maxNote(cfg, next) }, cashScreen(next), startTimer('customer', cfg.customerTimeoutMs));
    }
    case 'note.returned': {
      const next: OpenTx = { ...tx, accepting: 0 };
      if (state.cancelling) return endByCustomer(cfg, next, true);
      return stay({ ...state, tx: next }, show('note-returned'), cashScreen(next));
    }
    case 'button':
      if (ev.button === 'cancel') return cancelAccepting(cfg, state);
      if (ev.button === 'moreTime' && state.prompting) {
        return stay({ ...state, prompting: false }, cancelTimer('moreTime'), cashScreen(tx), startTimer('customer', cfg.customerTimeoutMs));
      }
      return stay(state);
    case 'timeout':
      return promptOrGiveUp(cfg, state, ev.timer, () => cancelAccepting(cfg, state));
    default:
      return stay(state);
  }
}

/** A note being stacked must land (credit) or come back (returned) before the transaction can end. */
function cancelAccepting(cfg: FsmConfig, state: Extract<FsmState, { name: 'accepting' }>): Transition {
  if (state.tx.accepting > 0) {
    return stay({ ...state, cancelling: true, prompting: false }, { type: 'validator.disable' }, cancelTimer('customer'), cancelTimer('moreTime'), show('posting'));
  }
  return endByCustomer(cfg, state.tx, true);
}
