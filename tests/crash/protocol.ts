/**
 * The line protocol between the crash harness (parent) and kioskd under test (child): JSON commands on
 * the child's stdin, JSON reports on its stdout, one object per line. Reports only steer the script
 * (when to insert a note, when a scenario is over); the checks never trust them.
 */
import { APPEND_SITES, type AppendSite } from '../../src/runtime/kiosk.js';

export type ChildCommand =
  /** A bill barcode (`txId`: the id kioskd gives the transaction it opens) or a wallet payment code. */
  | { readonly cmd: 'scan'; readonly code: string; readonly txId?: string }
  | { readonly cmd: 'press'; readonly button: 'cash' | 'card' | 'cancel' }
  /** The fleet's "retry" hint: one pass of the biller outbox now (the biller is back). */
  | { readonly cmd: 'retry' }
  /**
   * A cash collection at the open door: a collection an earlier kioskd left without its slip is attested
   * first, then the cash period is closed and attested (slip printed), then the day is settled.
   */
  | { readonly cmd: 'collect'; readonly collectorId: string; readonly sealNumber: string }
  /** Graceful end of a run: close the runtime and exit 0. */
  | { readonly cmd: 'exit' };

export type ChildReport =
  | { readonly ready: true }
  | { readonly state: { readonly fsm: string; readonly service: string }; readonly tx: string | null }
  /** Validator events as the driver saw them: lets the script wait for a note's fate. */
  | { readonly note: 'escrow' | 'credited' | 'returned'; readonly value?: number }
  /** Written synchronously right before the probe kills the process. */
  | { readonly dying: AppendSite; readonly hit: number }
  /** A credit the runtime journaled outside any transaction (diagnostics only). */
  | { readonly stray: number }
  | { readonly alarm: string }
  /** A `collect` command finished (steering only: the checks read the slips on paper). */
  | { readonly collected: true }
  | { readonly fatal: string };

/** `before:note.credited:2` → the second time that site is reached in this process. */
export interface CrashAt {
  readonly site: AppendSite;
  readonly hit: number;
}

export function formatCrashAt(c: CrashAt): string {
  return `${c.site}:${c.hit}`;
}

export function parseCrashAt(text: string): CrashAt {
  const i = text.lastIndexOf(':');
  const site = text.slice(0, i);
  const hit = Number(text.slice(i + 1));
  if (!(APPEND_SITES as readonly string[]).includes(site) || !Number.isSafeInteger(hit) || hit < 1) {
    throw new RangeError(`--crash-at wants <site>:<n> with one of ${APPEND_SITES.join(', ')}; got "${text}"`);
  }
  return { site: site as AppendSite, hit };
}

/** Parses one stdout line; undefined for anything that is not a report (stray output is ignored). */
export function parseReport(line: string): ChildReport | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(line) as unknown;
    return typeof v === 'object' && v !== null ? (v as ChildReport) : undefined;
  } catch {
    return undefined;
  }
}
