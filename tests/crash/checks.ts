/**
 * The money checks of the crash harness — pure functions over records kept OUTSIDE kioskd: the note
 * validator simulator's stacked notes (attributed to scenarios by the harness's own script log), the
 * biller's postings and the wire tap's payment attempts, and the printer's record. kioskd's journal is
 * never read here.
 */
import type { PaymentAttempt } from './biller-tap.js';
import type { PrintedReceipt } from './recording-printer.js';

/** One scripted customer visit, as the harness itself logged it. */
export interface ScenarioLog {
  readonly id: string;
  /** Transaction ids the harness handed kioskd with each scan of this scenario. */
  readonly txIds: readonly string[];
  /** Notes the harness fed into the validator simulator. */
  readonly inserted: readonly number[];
  /** Notes the simulator put into its cash box while this scenario was the current one. */
  readonly stacked: readonly number[];
  /** Kills that happened while this scenario was current (site:hit, or random@ms). */
  readonly kills: readonly string[];
  readonly refuse: boolean;
  /** The biller was unreachable: its posting may lag until the biller outbox's next pass. */
  readonly outage: boolean;
  /** How the customer paid (cash when absent); `collect`: no customer, a cash collection. */
  readonly tender?: 'cash' | 'card' | 'wallet' | 'collect';
}

/** One authorisation in the card terminal simulator's ledger, labelled by the harness with its txId. */
export interface CardRecord {
  readonly ref: string;
  readonly amount: number;
  readonly state: string;
}

/** One order in the wallet gateway simulator's book (ref: the kiosk's reference, its txId). */
export interface WalletRecord {
  readonly ref: string;
  readonly amount: number;
  readonly status: string;
  /** Net money taken from the customer (charged − refunded). */
  readonly taken: number;
}

export interface BillerPosting {
  readonly txId: string;
  readonly amount: number;
  readonly cancelled: boolean;
}

export interface Evidence {
  readonly postings: readonly BillerPosting[];
  readonly attempts: readonly PaymentAttempt[];
  readonly receipts: readonly PrintedReceipt[];
  readonly card?: readonly CardRecord[];
  readonly wallet?: readonly WalletRecord[];
}

export type ViolationKind =
  | 'credit' | 'double-post' | 'receipt' | 'unknown-posting' | 'stuck'
  /** Card or wallet money booked without its bill posted for that amount (the customer paid for nothing). */
  | 'booked-not-posted'
  /** A bill posted without its card or wallet money booked, and no needs-refund receipt. */
  | 'posted-not-booked'
  | 'double-book' | 'unknown-booking'
  /** The collection slips on paper do not account for exactly the notes the simulator's cash box holds. */
  | 'collection';

export interface Violation {
  readonly scenario: string;
  readonly kind: ViolationKind;
  readonly kills: readonly string[];
  readonly detail: string;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** A final refusal by the biller (the transaction becomes needs-refund); 409 is "already posted". */
const refused = (a: PaymentAttempt): boolean => a.status >= 400 && a.status < 500 && a.status !== 409 && a.status !== 408 && a.status !== 429;

/** A receipt that tells the customer to call the hotline for a refund (needs-refund), in either language. */
export const isRefundReceipt = (text: string): boolean => text.includes('需退款') || text.includes('REFUND DUE');

export function checkScenario(s: ScenarioLog, e: Evidence): Violation[] {
  const out: Violation[] = [];
  const v = (kind: ViolationKind, detail: string): void => { out.push({ scenario: s.id, kind, kills: s.kills, detail }); };
  const mine = new Set(s.txIds);
  const accepted = e.postings.filter((p) => mine.has(p.txId) && !p.cancelled);
  const attempts = e.attempts.filter((a) => mine.has(a.txId));

  for (const txId of mine) {
    const amounts = [...new Set(attempts.filter((a) => a.txId === txId).map((a) => a.amount))];
    if (amounts.length > 1) v('double-post', `${txId} was posted with different amounts: ${amounts.join(', ')}`);
  }
  if (accepted.length > 1) v('double-post', `${accepted.length} postings for one customer: ${accepted.map((p) => `${p.txId}=${p.amount}`).join(', ')}`);
  if (s.tender === 'card' || s.tender === 'wallet') {
    checkElectronic(s, e, accepted, v);
    return out;
  }

  const stacked = sum(s.stacked);
  const posting = accepted[0];
  const refusal = posting ? undefined : attempts.find(refused);
  const booked = posting?.amount ?? refusal?.amount ?? 0;
  const bookedTx = posting?.txId ?? refusal?.txId;
  if (stacked !== booked) {
    v('credit', `cash box got [${s.stacked.join(', ')}] = ${stacked}, ${posting ? `posted ${posting.amount} as ${posting.txId}` : refusal ? `refused ${refusal.amount} as ${refusal.txId} (needs-refund)` : 'nothing posted'}`
      + ` (inserted [${s.inserted.join(', ')}]; biller ${s.refuse ? 'refusing' : s.outage ? 'down, then back' : 'up'}; attempts ${attempts.map((a) => `${a.txId}:${a.amount}→${a.status}`).join(' ') || 'none'})`);
  }
  if (stacked > 0 || booked > 0) {
    const receiptTx = bookedTx ?? [...mine].find((t) => e.receipts.some((r) => r.txId === t));
    if (!receiptTx || !e.receipts.some((r) => r.txId === receiptTx)) {
      v('receipt', `money taken (${stacked}) but no receipt printed for ${bookedTx ?? s.txIds.join('/')}`);
    }
  }
  return out;
}

/**
 * A card or wallet customer, judged by the terminal's ledger or the gateway's order book and the biller:
 * money booked only with its bill posted for that amount, a bill posted only with its money booked or a
 * needs-refund receipt in the customer's hand, a receipt for every booked payment, and no cash taken.
 */
function checkElectronic(s: ScenarioLog, e: Evidence, accepted: readonly BillerPosting[], v: (kind: ViolationKind, detail: string) => void): void {
  const mine = new Set(s.txIds);
  const booked = s.tender === 'card'
    ? (e.card ?? []).filter((c) => mine.has(c.ref) && c.state === 'booked').map((c) => ({ ref: c.ref, amount: c.amount }))
    : (e.wallet ?? []).filter((w) => mine.has(w.ref) && w.status === 'confirmed' && w.taken > 0).map((w) => ({ ref: w.ref, amount: w.taken }));
  const bookedSum = sum(booked.map((b) => b.amount));
  const posting = accepted[0];
  const refundReceipt = e.receipts.some((r) => mine.has(r.txId) && isRefundReceipt(r.text));
  const trail = s.tender === 'card'
    ? `terminal: ${(e.card ?? []).filter((c) => mine.has(c.ref)).map((c) => `${c.amount}/${c.state}`).join(' ') || 'nothing'}`
    : `gateway: ${(e.wallet ?? []).filter((w) => mine.has(w.ref)).map((w) => `${w.amount}/${w.status}/taken ${w.taken}`).join(' ') || 'nothing'}`;
  const biller = posting ? `posted ${posting.amount} as ${posting.txId}` : 'nothing posted';
  if (booked.length > 1) v('double-book', `${booked.length} ${s.tender} bookings for one customer (${trail})`);
  if (bookedSum > 0 && posting?.amount !== bookedSum) v('booked-not-posted', `${s.tender} booked ${bookedSum}, ${biller} (${trail})`);
  if (posting && posting.amount !== bookedSum && !refundReceipt) v('posted-not-booked', `${biller}, ${s.tender} booked ${bookedSum}, no needs-refund receipt (${trail})`);
  if (bookedSum > 0 && !e.receipts.some((r) => mine.has(r.txId))) v('receipt', `${s.tender} booked ${bookedSum} but no receipt printed for ${s.txIds.join('/')}`);
  if (sum(s.stacked) > 0) v('credit', `notes [${s.stacked.join(', ')}] reached the cash box during a ${s.tender} payment`);
}

/** All scenarios, plus postings and bookings that belong to none of them (money kioskd invented or misattributed). */
export function checkAll(scenarios: readonly ScenarioLog[], e: Evidence): Violation[] {
  const out = scenarios.flatMap((s) => checkScenario(s, e));
  const known = new Set(scenarios.flatMap((s) => s.txIds));
  for (const p of e.postings) {
    if (!known.has(p.txId)) out.push({ scenario: '-', kind: 'unknown-posting', kills: [], detail: `posting ${p.txId}=${p.amount} matches no scripted scan` });
  }
  for (const c of e.card ?? []) {
    if (c.state === 'booked' && !known.has(c.ref)) out.push({ scenario: '-', kind: 'unknown-booking', kills: [], detail: `card booking ${c.ref}=${c.amount} matches no scripted customer` });
  }
  for (const w of e.wallet ?? []) {
    if (w.taken > 0 && w.status === 'confirmed' && !known.has(w.ref)) out.push({ scenario: '-', kind: 'unknown-booking', kills: [], detail: `wallet order ${w.ref}=${w.taken} matches no scripted customer` });
  }
  return out;
}

/** One report per scenario and kind: a violation seen again at a later check is the same violation. */
export function violationKey(v: Violation): string {
  if (v.kind === 'collection') return v.kind;
  return v.kind === 'unknown-posting' || v.kind === 'unknown-booking' || v.kind === 'stuck' ? `${v.kind}|${v.detail}` : `${v.scenario}|${v.kind}`;
}

/** A collection slip: its barcode carries the collection id (C-…). */
export const isCollectionSlip = (r: PrintedReceipt): boolean => r.txId.startsWith('C-');

/**
 * Once every collection has its slip: the slips on paper (one per collection id; a reprint counts once)
 * list, denomination by denomination, exactly the notes the validator simulator stacked in all.
 */
export function checkCollections(receipts: readonly PrintedReceipt[], stacked: readonly number[]): Violation[] {
  const slips = new Map(receipts.filter(isCollectionSlip).map((r) => [r.txId, r.text]));
  const onSlips = new Map<number, number>();
  for (const text of slips.values()) {
    // Denomination lines read "20.00 CNY x 3  60.00": major units with two decimals.
    for (const m of text.matchAll(/(\d+)\.(\d{2}) [A-Z]{3} x (\d+)/g)) {
      const value = Number(m[1]) * 100 + Number(m[2]);
      onSlips.set(value, (onSlips.get(value) ?? 0) + Number(m[3]));
    }
  }
  const inBox = new Map<number, number>();
  for (const v of stacked) inBox.set(v, (inBox.get(v) ?? 0) + 1);
  const values = [...new Set([...onSlips.keys(), ...inBox.keys()])].sort((a, b) => a - b);
  const off = values.filter((v) => onSlips.get(v) !== inBox.get(v));
  if (!off.length) return [];
  const show = (m: Map<number, number>): string => values.map((v) => `${v}x${m.get(v) ?? 0}`).join(' ');
  return [{ scenario: '-', kind: 'collection', kills: [], detail: `${slips.size} slips list ${show(onSlips)}; the cash box got ${show(inBox)}` }];
}
