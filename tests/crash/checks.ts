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
}

export type ViolationKind = 'credit' | 'double-post' | 'receipt' | 'unknown-posting' | 'stuck';

export interface Violation {
  readonly scenario: string;
  readonly kind: ViolationKind;
  readonly kills: readonly string[];
  readonly detail: string;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** A final refusal by the biller (the transaction becomes needs-refund); 409 is "already posted". */
const refused = (a: PaymentAttempt): boolean => a.status >= 400 && a.status < 500 && a.status !== 409 && a.status !== 408 && a.status !== 429;

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

/** All scenarios, plus postings that belong to none of them (money kioskd invented or misattributed). */
export function checkAll(scenarios: readonly ScenarioLog[], e: Evidence): Violation[] {
  const out = scenarios.flatMap((s) => checkScenario(s, e));
  const known = new Set(scenarios.flatMap((s) => s.txIds));
  for (const p of e.postings) {
    if (!known.has(p.txId)) out.push({ scenario: '-', kind: 'unknown-posting', kills: [], detail: `posting ${p.txId}=${p.amount} matches no scripted scan` });
  }
  return out;
}

/** One report per scenario and kind: a violation seen again at a later check is the same violation. */
export function violationKey(v: Violation): string {
  return v.kind === 'unknown-posting' || v.kind === 'stuck' ? `${v.kind}|${v.detail}` : `${v.scenario}|${v.kind}`;
}
