import type { Minor } from '../money/index.js';

/** The bill as the biller gateway returned it; the FSM only needs the amounts and the ids. */
export interface BillInfo {
  readonly billerId: string;
  readonly billerName: string;
  readonly account: string;
  readonly period: string;
  readonly due: Minor;
  readonly currency: string;
  /** Opaque biller reference of this bill, sent back when posting. */
  readonly billRef: string;
}

export type Outcome = 'paid' | 'paid-partially' | 'pending' | 'needs-refund' | 'cancelled';

export type Tender = 'cash' | 'card' | 'wallet';
/** Tenders paid in two phases (authorise → post to the biller → book, or void). */
export type ElectronicTender = 'card' | 'wallet';

/** Which ways to pay work right now; the runtime decides from the devices and stamps it on each scan. */
export interface Tenders {
  readonly cash: boolean;
  readonly card: boolean;
  /** A customer-presented payment code read by the terminal's scanner, charged at a wallet gateway. */
  readonly wallet?: boolean;
}

export type AuthOutcome = 'approved' | 'declined' | 'aborted' | 'timeout' | 'unknown';

/** What the FSM tells the customer; the runtime renders it from the message catalogue. */
export type ScreenId =
  | 'welcome' | 'looking-up' | 'bill-not-found' | 'service-unavailable' | 'bill' | 'insert-cash'
  | 'note-returned' | 'more-time' | 'posting' | 'printing' | 'thank-you' | 'cancelled' | 'out-of-service'
  // Maintenance screens the runtime shows itself while the door is open (no transaction runs then).
  | 'collect-collector' | 'collect-seal' | 'collect-done'
  | 'card-wait' | 'wallet-wait' | 'card-declined' | 'card-reversing';

export interface Screen {
  readonly id: ScreenId;
  readonly params?: Readonly<Record<string, string | number>>;
}

export type TimerName = 'customer' | 'moreTime' | 'message';

/** Policy knobs the FSM needs; all durations in milliseconds of monotonic time. */
export interface FsmConfig {
  readonly currency: string;
  /** How long a customer may take at each waiting step before the "need more time?" prompt. */
  readonly customerTimeoutMs: number;
  /** How long the "need more time?" prompt waits before giving up. */
  readonly moreTimePromptMs: number;
  /** How long a result message (not found, thank you…) stays before idle. */
  readonly messageMs: number;
  /** Above this surplus (paid beyond the amount due) a note is returned from escrow. */
  readonly maxSurplus: Minor;
}

export interface OpenTx {
  readonly txId: string;
  readonly tenders: Tenders;
  /** How this transaction is being paid, once the customer chose (absent: not yet, or cash). */
  readonly tender?: ElectronicTender;
  readonly bill: BillInfo;
  /** Credited money only: escrowed notes are not money. */
  readonly paid: Minor;
  readonly notes: number;
  /** Value of the note in escrow the FSM decided to accept, until its credit (or return) arrives. */
  readonly accepting: Minor;
}

/**
 * States. `tx` is present exactly in the states where a transaction is open.
 * `prompting` marks the "need more time?" sub-state of a waiting state.
 */
export type FsmState =
  | { readonly name: 'idle' }
  | { readonly name: 'out-of-service'; readonly reason: string }
  | { readonly name: 'looking-up'; readonly txId: string; readonly tenders: Tenders }
  | { readonly name: 'bill-shown'; readonly tx: OpenTx; readonly prompting: boolean }
  | { readonly name: 'accepting'; readonly tx: OpenTx; readonly prompting: boolean; readonly cancelling: boolean }
  | { readonly name: 'posting'; readonly tx: OpenTx; readonly outcomeIfPosted: 'paid' | 'paid-partially' }
  | { readonly name: 'printing'; readonly tx: OpenTx; readonly outcome: Outcome }
  /** Card or wallet: the terminal/gateway is authorising the amount due. */
  | { readonly name: 'authorising'; readonly tx: OpenTx; readonly cancelling: boolean }
  /** The biller accepted; the card module / wallet is told to book. */
  | { readonly name: 'committing'; readonly tx: OpenTx }
  /**
   * The posting is taken back at the biller (same idempotency key): booking failed after the biller
   * accepted, or the posting's answer was lost and it may have landed.
   */
  | { readonly name: 'unposting'; readonly tx: OpenTx }
  /**
   * The authorisation is being reversed (declined after approval, cancel, biller refused, unknown outcome).
   * `postingStands`: a posting that may stand at the biller could not be taken back, so the transaction
   * needs a refund (and an alarm) whatever the reversal does.
   */
  | { readonly name: 'voiding'; readonly tx: OpenTx; readonly postingStands?: true }
  | { readonly name: 'done'; readonly outcome: Outcome };

export type FsmStateName = FsmState['name'];

/** Inputs. The runtime stamps ids (txId) so the FSM stays free of randomness. */
export type FsmEvent =
  | { readonly type: 'scanned'; readonly code: string; readonly txId: string; readonly tenders: Tenders }
  | { readonly type: 'lookup.ok'; readonly txId: string; readonly bill: BillInfo }
  | { readonly type: 'lookup.not-found'; readonly txId: string }
  | { readonly type: 'lookup.unavailable'; readonly txId: string }
  | { readonly type: 'button'; readonly button: 'cash' | 'card' | 'cancel' | 'confirm' | 'moreTime' }
  | { readonly type: 'note.escrow'; readonly value: Minor; readonly currency: string; readonly channel: number }
  | { readonly type: 'note.credited'; readonly value: Minor; readonly currency: string; readonly channel: number; readonly deviceRef: string }
  | { readonly type: 'note.returned' }
  | { readonly type: 'post.ok'; readonly txId: string; readonly billerRef: string }
  | { readonly type: 'post.failed'; readonly txId: string; readonly retryable: boolean; readonly code: string }
  | { readonly type: 'print.done'; readonly txId: string; readonly printed: boolean }
  | { readonly type: 'timeout'; readonly timer: TimerName }
  | { readonly type: 'service'; readonly inService: boolean; readonly reason: string }
  /** A scan that is a wallet payment code (the runtime classifies it); the code itself is never journaled. */
  | { readonly type: 'wallet.code'; readonly code: string }
  | { readonly type: 'auth.result'; readonly txId: string; readonly outcome: AuthOutcome; readonly cardType?: string; readonly last4?: string; readonly authCode?: string; readonly reason?: string }
  | { readonly type: 'commit.result'; readonly txId: string; readonly ok: boolean; readonly code?: string }
  | { readonly type: 'void.result'; readonly txId: string; readonly ok: boolean; readonly code?: string }
  | { readonly type: 'unpost.result'; readonly txId: string; readonly ok: boolean; readonly code?: string };

/**
 * Durable facts. The runtime appends every record of one transition in one SQL transaction, fsync'd,
 * before it runs any other effect of that transition.
 */
export type JournalRecord =
  | { readonly type: 'tx.opened'; readonly txId: string; readonly bill: BillInfo }
  | { readonly type: 'note.decided'; readonly txId: string | null; readonly value: Minor; readonly channel: number; readonly decision: 'accept' | 'reject'; readonly reason: string }
  | { readonly type: 'note.credited'; readonly txId: string | null; readonly value: Minor; readonly currency: string; readonly channel: number; readonly deviceRef: string; readonly toBill: Minor; readonly surplus: Minor }
  | { readonly type: 'tx.post-intent'; readonly txId: string; readonly amount: Minor; readonly partial: boolean }
  | { readonly type: 'tx.posted'; readonly txId: string; readonly billerRef: string }
  | { readonly type: 'tx.post-failed'; readonly txId: string; readonly code: string; readonly retryable: boolean }
  | { readonly type: 'tx.closed'; readonly txId: string; readonly outcome: Outcome; readonly paid: Minor; readonly surplus: Minor }
  | { readonly type: 'receipt.printed'; readonly txId: string; readonly printed: boolean }
  /**
   * The validator's own stacked-note counter at a (re)connect beside the journal's credit count; `mismatch`
   * is the difference in growth since the last snapshot of the same device (0 = agree). Written by the
   * runtime, not the FSM: it is evidence for settlement and alarms, not a transaction fact.
   */
  /**
   * A `pending` transaction's posting retried from the biller outbox after it closed: posted at last
   * (the outcome becomes what the posting would have given) or refused for good (`needs-refund`).
   */
  | { readonly type: 'tx.late-post'; readonly txId: string; readonly result: 'posted' | 'refused'; readonly billerRef: string | null; readonly outcome: Outcome; readonly code: string | null }
  /** About to ask the card module / wallet gateway for the amount (write-ahead of the request). */
  | { readonly type: 'tx.auth-intent'; readonly txId: string; readonly tender: ElectronicTender; readonly amount: Minor }
  /** Authorised: only the card type and last four digits are kept, never the PAN or the payment code. */
  | { readonly type: 'tx.authorised'; readonly txId: string; readonly tender: ElectronicTender; readonly amount: Minor; readonly cardType: string | null; readonly last4: string | null; readonly authCode: string | null }
  | { readonly type: 'tx.auth-failed'; readonly txId: string; readonly outcome: AuthOutcome; readonly reason: string | null }
  | { readonly type: 'tx.booked'; readonly txId: string; readonly ok: boolean; readonly code: string | null }
  | { readonly type: 'tx.unposted'; readonly txId: string; readonly ok: boolean }
  | { readonly type: 'tx.voided'; readonly txId: string; readonly ok: boolean; readonly code: string | null }
  /** The cash box was emptied: the current cash period closes with what was in it, by denomination. */
  | { readonly type: 'cash.collected'; readonly collectionId: string; readonly reason: 'cashbox-removed' | 'operator'; readonly counts: readonly CashCount[]; readonly total: Minor; readonly notes: number }
  /** Who took the cash out and under which bag seal (entered on the panel or with kioskctl). */
  | { readonly type: 'collection.attested'; readonly collectionId: string; readonly collectorId: string; readonly sealNumber: string }
  /** A day's settlement: the journal against the validator's counter and the biller's totals. */
  | { readonly type: 'settlement.made'; readonly day: string; readonly currency: string; readonly journalTotal: Minor; readonly journalPostings: number; readonly billerTotal: Minor | null; readonly billerPostings: number | null; readonly differences: readonly string[] }
  | { readonly type: 'validator.counters'; readonly serial: string; readonly stacked: number; readonly credits: number; readonly mismatch: number };

export type JournalRecordType = JournalRecord['type'];

export interface CashCount {
  readonly currency: string;
  /** Denomination in minor units. */
  readonly value: Minor;
  readonly count: number;
}

/** Effects are data; the runtime executes them in order and feeds outcomes back as events. */
export type FsmEffect =
  | { readonly type: 'journal'; readonly record: JournalRecord }
  | { readonly type: 'display.show'; readonly screen: Screen }
  | { readonly type: 'biller.lookup'; readonly txId: string; readonly code: string }
  | { readonly type: 'biller.post'; readonly txId: string; readonly amount: Minor; readonly partial: boolean }
  | { readonly type: 'validator.enable'; readonly maxNote: Minor }
  | { readonly type: 'validator.disable' }
  | { readonly type: 'validator.accept' }
  | { readonly type: 'validator.reject'; readonly reason: string }
  | { readonly type: 'printer.print'; readonly txId: string; readonly outcome: Outcome }
  | { readonly type: 'timer.start'; readonly timer: TimerName; readonly ms: number }
  | { readonly type: 'timer.cancel'; readonly timer: TimerName }
  | { readonly type: 'scanner.enable' }
  | { readonly type: 'scanner.disable' }
  | { readonly type: 'telemetry.transaction'; readonly txId: string; readonly outcome: Outcome; readonly paid: Minor }
  /** `paymentCode` lives in memory only, for the wallet gateway; it is never journaled or logged. */
  | { readonly type: 'card.authorize'; readonly tender: ElectronicTender; readonly txId: string; readonly amount: Minor; readonly paymentCode?: string }
  | { readonly type: 'card.commit'; readonly tender: ElectronicTender; readonly txId: string }
  | { readonly type: 'card.void'; readonly tender: ElectronicTender; readonly txId: string }
  | { readonly type: 'biller.cancel'; readonly txId: string };

export interface Transition {
  readonly state: FsmState;
  readonly effects: readonly FsmEffect[];
}
