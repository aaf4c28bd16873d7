/**
 * What the crash harness does, decided from the seed alone: where each kill goes and what each customer
 * does. Timing-dependent outcomes (which instant a random kill hits) stay timing-dependent.
 */
import { APPEND_SITES, type AppendSite } from '../../src/runtime/kiosk.js';
import type { CrashAt } from './protocol.js';

/** The seeded PRNG the fuzzers use too: a plan is reproducible from its seed. */
export { prng as rng } from '../support/prng.js';

export type Rand = () => number;
export const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

export type KillPlanEntry =
  | { readonly kind: 'site'; readonly at: CrashAt }
  /** SIGKILL from the parent this long after the child was spawned (boot, recovery or mid-scenario). */
  | { readonly kind: 'random'; readonly afterMs: number };

/** How many times per process life a site is worth aiming at (validator.counters once per connect, a collection's records once per collection). */
function maxHit(site: AppendSite): number {
  if (site.endsWith(':validator.counters')) return 1;
  const type = recordType(site);
  if (COLLECTION.has(type)) return 1;
  if (site.endsWith(':tx.post-failed') || site.endsWith(':tx.closed') || ELECTRONIC_ONLY.has(type)) return 2;
  return 3;
}

export type Tender = 'cash' | 'card' | 'wallet';
export const TENDERS: readonly Tender[] = ['cash', 'card', 'wallet'];

const recordType = (site: AppendSite): string => site.slice(site.indexOf(':') + 1);
/** Record types only a cash payment (or the cash recovery and biller outbox) writes first in a commit. */
const CASH_ONLY: ReadonlySet<string> = new Set(['note.decided', 'note.credited', 'tx.late-post', 'validator.counters']);
/** Record types only a card or wallet payment writes first in a commit. */
const ELECTRONIC_ONLY: ReadonlySet<string> = new Set(['tx.authorised', 'tx.auth-failed', 'tx.booked', 'tx.unposted', 'tx.voided']);
const SHARED: ReadonlySet<string> = new Set(['tx.opened', 'tx.post-intent', 'tx.posted', 'tx.post-failed', 'tx.closed', 'receipt.printed']);
/** Record types a cash collection at the door (and the day's settlement after it) writes. */
const COLLECTION: ReadonlySet<string> = new Set(['cash.collected', 'collection.attested', 'settlement.made']);

/** Record types the scripted payments (and the recovery and biller outbox behind them) write. */
export const PAYMENT_RECORD_TYPES: ReadonlySet<string> = new Set([...CASH_ONLY, ...ELECTRONIC_ONLY, ...SHARED]);
export const PAYMENT_SITES: readonly AppendSite[] = APPEND_SITES.filter((s) => PAYMENT_RECORD_TYPES.has(recordType(s)));

/** The append sites the scripted customers (paying with `tenders`) and, with cash, collections reach. */
export function scriptedSites(tenders: readonly Tender[]): AppendSite[] {
  const cash = tenders.includes('cash');
  const electronic = tenders.some((t) => t !== 'cash');
  return APPEND_SITES.filter((s) => {
    const type = recordType(s);
    if (CASH_ONLY.has(type) || COLLECTION.has(type)) return cash;
    return ELECTRONIC_ONLY.has(type) ? electronic : SHARED.has(type);
  });
}

/**
 * Rounds over the payment append sites (each round shuffled, hit counts 1, 2, 3… across rounds), with one
 * random-instant kill after every four site kills — so that even a short plan spreads over many sites.
 */
export function buildKillPlan(total: number, r: Rand, targets: readonly AppendSite[] = PAYMENT_SITES): KillPlanEntry[] {
  const sites: KillPlanEntry[] = [];
  for (let round = 0; sites.length < total; round++) {
    const batch = targets.map((site) => ({ kind: 'site', at: { site, hit: (round % maxHit(site)) + 1 } }) as const);
    for (let i = batch.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [batch[i], batch[j]] = [batch[j]!, batch[i]!];
    }
    sites.push(...batch);
  }
  const plan: KillPlanEntry[] = [];
  for (let i = 0; plan.length < total; i++) {
    if (plan.length % 5 === 4) plan.push({ kind: 'random', afterMs: int(r, 300, 9_000) });
    else plan.push(sites[i]!);
  }
  return plan;
}

/** CNY notes the SSP simulator's dataset takes, in fen. */
export const NOTES = [100, 500, 1_000, 2_000, 5_000, 10_000] as const;

export type CardMode = 'approve' | 'decline' | 'timeout' | 'customer-abort' | 'lost-reply';
export type WalletMode = 'approve' | 'decline' | 'slow' | 'lost-answer' | 'userpaying';

interface ScenarioBase {
  readonly id: string;
  /** The bill's amount due, in fen. */
  readonly due: number;
  /** The biller refuses the posting for good (cash: needs-refund; card or wallet: reversed). */
  readonly refuse: boolean;
  /** The biller is unreachable once the bill is shown (cash: pending, posted later from the biller outbox). */
  readonly outage: boolean;
}

export interface CashScript extends ScenarioBase {
  readonly tender: 'cash';
  readonly notes: readonly number[];
  /** Press CANCEL before inserting note number `cancelAfter` (0 = right after CASH); undefined = never. */
  readonly cancelAfter: number | undefined;
}

export interface ElectronicScript extends ScenarioBase {
  readonly tender: 'card' | 'wallet';
  /** How the card terminal or the wallet gateway simulator answers this customer. */
  readonly mode: CardMode | WalletMode;
  /** Press CANCEL this long after choosing the tender (an abort while authorising); undefined = never. */
  readonly cancelAfterMs: number | undefined;
  /** The biller books the payment at once but answers after the client gave up (the posting may stand). */
  readonly billerSlow: boolean;
}

/** No customer: the cash box is collected at the open door, the slip printed and the day settled. */
export interface CollectScript {
  readonly id: string;
  readonly tender: 'collect';
  readonly collectorId: string;
  readonly sealNumber: string;
}

export type ScenarioScript = CashScript | ElectronicScript | CollectScript;

function chooseTender(r: Rand, target: AppendSite | undefined, tenders: readonly Tender[]): Tender {
  const type = target === undefined ? '' : recordType(target);
  const electronic = tenders.filter((t) => t !== 'cash');
  if (CASH_ONLY.has(type) && tenders.includes('cash')) return 'cash';
  if (ELECTRONIC_ONLY.has(type) && electronic.length) return pick(r, electronic);
  // Half the customers pay cash when cash is offered: the cash paths have the most append sites.
  if (tenders.includes('cash') && (electronic.length === 0 || r() < 0.5)) return 'cash';
  return pick(r, electronic.length ? electronic : tenders);
}

/** One customer: cash (1–3 notes, paid in full or in part, sometimes CANCEL midway), a card, or a wallet code. */
export function scenarioScript(n: number, r: Rand, target: AppendSite | undefined, tenders: readonly Tender[] = ['cash']): ScenarioScript {
  const id = `S${String(n).padStart(4, '0')}`;
  if (tenders.includes('cash') && collects(r, target)) return { id, tender: 'collect', collectorId: `EMP${int(r, 1_000, 9_999)}`, sealNumber: `SEAL-${n}` };
  const tender = chooseTender(r, target, tenders);
  return tender === 'cash' ? cashScript(id, r, target) : electronicScript(id, tender, r, target);
}

/** Now and then a collection between customers; often when a kill waits at a collection site. */
function collects(r: Rand, target: AppendSite | undefined): boolean {
  return COLLECTION.has(target === undefined ? '' : recordType(target)) ? r() < 0.5 : r() < 0.04;
}

function cashScript(id: string, r: Rand, target: AppendSite | undefined): CashScript {
  const notes = Array.from({ length: int(r, 1, 3) }, () => pick(r, NOTES));
  const total = notes.reduce((a, b) => a + b, 0);
  // Some sites are reached only on rarer paths: lean towards them when a kill waits there.
  const failing = target?.endsWith(':tx.post-failed') === true;
  const refuse = r() < (failing ? 0.3 : 0.05);
  const outage = !refuse && r() < (failing || target?.endsWith(':tx.late-post') === true ? 0.6 : 0.05);
  const zeroCancel = r() < (target?.endsWith(':tx.closed') ? 0.5 : 0.08);
  const cancelAfter = zeroCancel ? 0 : r() < 0.2 ? int(r, 1, notes.length) : undefined;
  const full = r() < 0.4;
  const due = full ? Math.max(100, total - int(r, 0, Math.min(total - 100, 3_000) / 100) * 100) : total + int(r, 1, 200) * 100;
  return { id, tender: 'cash', due, notes, cancelAfter, refuse, outage };
}

function electronicScript(id: string, tender: 'card' | 'wallet', r: Rand, target: AppendSite | undefined): ElectronicScript {
  const type = target === undefined ? '' : recordType(target);
  const declining = type === 'tx.auth-failed';
  const unposting = type === 'tx.unposted' || type === 'tx.post-failed';
  const voiding = type === 'tx.voided';
  const approve = r() < (declining ? 0.2 : 0.75);
  const mode: CardMode | WalletMode = approve ? 'approve'
    : tender === 'card' ? pick(r, ['decline', 'customer-abort', 'lost-reply', 'timeout'] as const) : pick(r, ['decline', 'slow', 'lost-answer', 'userpaying'] as const);
  const refuse = r() < (voiding ? 0.35 : 0.06);
  const billerSlow = !refuse && r() < (unposting ? 0.5 : 0.06);
  const outage = !refuse && !billerSlow && r() < (unposting ? 0.3 : 0.03);
  const cancelAfterMs = r() < (voiding ? 0.3 : 0.08) ? int(r, 50, 1_500) : undefined;
  const due = int(r, 1, 500) * 100 + pick(r, [0, 0, 50]);
  return { id, tender, due, mode, cancelAfterMs, refuse, outage, billerSlow };
}
