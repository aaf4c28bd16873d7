import type { ElectronicTender, FsmConfig, FsmEffect, FsmEvent, FsmState, JournalRecord, OpenTx, Screen, Transition } from './types.js';

/**
 * Card and wallet payments, two-phase: authorise the amount due → post to the biller → book; whatever goes
 * wrong before booking is voided, and a booking that fails after the biller accepted is unposted at the
 * biller (same idempotency key) or ends as needs-refund. Every step is journaled before it is asked for.
 */
const journal = (record: JournalRecord): FsmEffect => ({ type: 'journal', record });
const show = (id: Screen['id'], params?: Screen['params']): FsmEffect => ({ type: 'display.show', screen: params ? { id, params } : { id } });
const stay = (state: FsmState, ...effects: FsmEffect[]): Transition => ({ state, effects });

/** The customer chose card (button) or presented a wallet code (scan) on the bill screen. */
export function startAuthorising(tx: OpenTx, tender: ElectronicTender, paymentCode?: string): Transition {
  const next: OpenTx = { ...tx, tender };
  const amount = tx.bill.due;
  return stay({ name: 'authorising', tx: next, cancelling: false },
    journal({ type: 'tx.opened', txId: tx.txId, bill: tx.bill }),
    journal({ type: 'tx.auth-intent', txId: tx.txId, tender, amount }),
    { type: 'timer.cancel', timer: 'customer' }, { type: 'timer.cancel', timer: 'moreTime' },
    show(tender === 'card' ? 'card-wait' : 'wallet-wait', { due: amount, currency: tx.bill.currency }),
    paymentCode === undefined
      ? { type: 'card.authorize', tender, txId: tx.txId, amount }
      : { type: 'card.authorize', tender, txId: tx.txId, amount, paymentCode });
}

/** Reverses the authorisation; `postingStands` when a posting that may stand could not be taken back. */
function toVoiding(tx: OpenTx, postingStands: boolean, ...pre: FsmEffect[]): Transition {
  return stay(postingStands ? { name: 'voiding', tx, postingStands: true } : { name: 'voiding', tx }, ...pre,
    show('card-reversing'), { type: 'card.void', tender: tx.tender ?? 'card', txId: tx.txId });
}

function closeNoMoney(cfg: FsmConfig, tx: OpenTx, screen: Screen['id'], ...pre: FsmEffect[]): Transition {
  return stay({ name: 'idle' }, ...pre,
    journal({ type: 'tx.closed', txId: tx.txId, outcome: 'cancelled', paid: 0, surplus: 0 }),
    { type: 'telemetry.transaction', txId: tx.txId, outcome: 'cancelled', paid: 0 },
    show(screen), { type: 'timer.start', timer: 'message', ms: cfg.messageMs });
}

function closeAndPrint(tx: OpenTx, outcome: 'paid' | 'needs-refund', ...pre: FsmEffect[]): Transition {
  return stay({ name: 'printing', tx, outcome }, ...pre,
    journal({ type: 'tx.closed', txId: tx.txId, outcome, paid: tx.paid, surplus: 0 }),
    show('printing'),
    { type: 'printer.print', txId: tx.txId, outcome },
    { type: 'telemetry.transaction', txId: tx.txId, outcome, paid: tx.paid });
}

/** Transitions of the electronic-tender states; `undefined` when the event is not theirs to handle. */
export function electronic(cfg: FsmConfig, state: FsmState, ev: FsmEvent): Transition | undefined {
  switch (state.name) {
    case 'authorising': {
      const { tx } = state;
      if (ev.type === 'button' && ev.button === 'cancel' && !state.cancelling) {
        // Abort at the terminal; its answer (aborted, or approved after all) decides what follows.
        return stay({ ...state, cancelling: true }, { type: 'card.void', tender: tx.tender ?? 'card', txId: tx.txId });
      }
      if (ev.type !== 'auth.result' || ev.txId !== tx.txId) return stay(state);
      if (ev.outcome === 'approved') {
        const paid: OpenTx = { ...tx, paid: tx.bill.due };
        const authorised = journal({
          type: 'tx.authorised', txId: tx.txId, tender: tx.tender ?? 'card', amount: tx.bill.due,
          cardType: ev.cardType ?? null, last4: ev.last4 ?? null, authCode: ev.authCode ?? null,
        });
        if (state.cancelling) return toVoiding(paid, false, authorised);
        return stay({ name: 'posting', tx: paid, outcomeIfPosted: 'paid' },
          authorised,
          journal({ type: 'tx.post-intent', txId: tx.txId, amount: paid.paid, partial: false }),
          show('posting'),
          { type: 'biller.post', txId: tx.txId, amount: paid.paid, partial: false });
      }
      const failed = journal({ type: 'tx.auth-failed', txId: tx.txId, outcome: ev.outcome, reason: ev.reason ?? null });
      // Unknown or timed out: the terminal may have taken the money; reverse to be sure.
      if (ev.outcome === 'timeout' || ev.outcome === 'unknown') return toVoiding({ ...tx, paid: tx.bill.due }, false, failed);
      return closeNoMoney(cfg, tx, state.cancelling ? 'cancelled' : 'card-declined', failed);
    }
    case 'posting': {
      if (!state.tx.tender) return undefined;
      const { tx } = state;
      if (ev.type === 'post.ok' && ev.txId === tx.txId) {
        return stay({ name: 'committing', tx }, journal({ type: 'tx.posted', txId: tx.txId, billerRef: ev.billerRef }),
          { type: 'card.commit', tender: tx.tender ?? 'card', txId: tx.txId });
      }
      if (ev.type === 'post.failed' && ev.txId === tx.txId) {
        const failed = journal({ type: 'tx.post-failed', txId: tx.txId, code: ev.code, retryable: ev.retryable });
        // Refused: the bill was not paid, so the card money must not be taken. Unavailable (a timeout, a
        // dropped reply): the posting may have landed, so it is taken back first, same idempotency key.
        if (!ev.retryable) return toVoiding(tx, false, failed);
        return stay({ name: 'unposting', tx }, failed, show('card-reversing'), { type: 'biller.cancel', txId: tx.txId });
      }
      return stay(state);
    }
    case 'committing': {
      const { tx } = state;
      if (ev.type !== 'commit.result' || ev.txId !== tx.txId) return stay(state);
      const booked = journal({ type: 'tx.booked', txId: tx.txId, ok: ev.ok, code: ev.code ?? null });
      if (ev.ok) return closeAndPrint(tx, 'paid', booked);
      return stay({ name: 'unposting', tx }, booked, { type: 'biller.cancel', txId: tx.txId });
    }
    case 'unposting': {
      const { tx } = state;
      if (ev.type !== 'unpost.result' || ev.txId !== tx.txId) return stay(state);
      const unposted = journal({ type: 'tx.unposted', txId: tx.txId, ok: ev.ok });
      // Either way the card is not charged: no booking happened (or it failed). A posting that could not
      // be taken back stands at the biller without the money: needs-refund, so the fleet reconciles it.
      return toVoiding(tx, !ev.ok, unposted);
    }
    case 'voiding': {
      const { tx } = state;
      if (ev.type !== 'void.result' || ev.txId !== tx.txId) return stay(state);
      const voided = journal({ type: 'tx.voided', txId: tx.txId, ok: ev.ok, code: ev.code ?? null });
      if (!ev.ok) return closeAndPrint(tx, 'needs-refund', voided);
      // Reversed: the customer paid nothing. A posting left standing still needs the fleet to settle it.
      if (state.postingStands === true) return closeAndPrint({ ...tx, paid: 0 }, 'needs-refund', voided);
      return closeNoMoney(cfg, { ...tx, paid: 0 }, 'cancelled', voided);
    }
    default:
      return undefined;
  }
}
