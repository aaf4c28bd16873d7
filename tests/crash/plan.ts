/**
 * What the crash harness does, decided from the seed alone: where each kill goes and what each customer
 * does. Timing-dependent outcomes (which instant a random kill hits) stay timing-dependent.
 */
import { APPEND_SITES, type AppendSite } from '../../src/runtime/kiosk.js';
import type { CrashAt } from './protocol.js';

/** mulberry32: small, fast, good enough to pick scenarios reproducibly. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
export const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

export type KillPlanEntry =
  | { readonly kind: 'site'; readonly at: CrashAt }
  /** SIGKILL from the parent this long after the child was spawned (boot, recovery or mid-scenario). */
  | { readonly kind: 'random'; readonly afterMs: number };

/** How many times per process life a site is worth aiming at (validator.counters is written once per connect). */
function maxHit(site: AppendSite): number {
  if (site.endsWith(':validator.counters')) return 1;
  if (site.endsWith(':tx.post-failed') || site.endsWith(':tx.closed')) return 2;
  return 3;
}

/**
 * Record types the scripted cash payments (and the recovery and biller outbox behind them) write. The
 * other append sites (cash collection, settlement) need scenarios of their own; the harness reports them
 * as not covered rather than spend kills waiting for them.
 */
export const PAYMENT_RECORD_TYPES: ReadonlySet<string> = new Set([
  'tx.opened', 'note.decided', 'note.credited', 'tx.post-intent', 'tx.posted', 'tx.post-failed', 'tx.closed', 'receipt.printed',
  'tx.late-post', 'validator.counters',
]);
export const PAYMENT_SITES: readonly AppendSite[] = APPEND_SITES.filter((s) => PAYMENT_RECORD_TYPES.has(s.slice(s.indexOf(':') + 1)));

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

export interface ScenarioScript {
  readonly id: string;
  /** The bill's amount due, in fen. */
  readonly due: number;
  readonly notes: readonly number[];
  /** Press CANCEL before inserting note number `cancelAfter` (0 = right after CASH); undefined = never. */
  readonly cancelAfter: number | undefined;
  /** The biller refuses the posting for good (the transaction becomes needs-refund). */
  readonly refuse: boolean;
  /** The biller is unreachable once the bill is shown (pending, posted later from the biller outbox). */
  readonly outage: boolean;
}

/** One customer: 1–3 notes, a bill they pay in full or in part, sometimes CANCEL midway. */
export function scenarioScript(n: number, r: Rand, target: AppendSite | undefined): ScenarioScript {
  const id = `S${String(n).padStart(4, '0')}`;
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
  return { id, due, notes, cancelAfter, refuse, outage };
}
