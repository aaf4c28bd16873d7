import type { JournalRecord, JournalRecordType, Outcome } from '../fsm/types.js';
import type { Minor } from '../money/index.js';

/** One row of the append-only `events` table. */
export interface StoredEvent {
  readonly seq: number;
  readonly type: JournalRecordType;
  readonly txId: string | null;
  readonly record: JournalRecord;
  readonly wallMs: number;
  readonly monoMs: number;
  readonly bootId: string;
}

export type AppendEntry =
  | { readonly status: 'stored'; readonly event: StoredEvent }
  /** A `note.credited` whose deviceRef was already counted: nothing was written for it. */
  | { readonly status: 'duplicate'; readonly record: JournalRecord; readonly existingSeq: number };

export interface AppendResult {
  /** One entry per input record, in input order. */
  readonly entries: readonly AppendEntry[];
  /** The rows written, in seq order. */
  readonly stored: readonly StoredEvent[];
  /** True when at least one record was a duplicate credit and was skipped. */
  readonly duplicate: boolean;
}

/**
 * 'open': money may still come in; 'posting': a posting to the biller was intended (it may be in flight or
 * done; `billerRef` tells) — recovery must finish it, never unwind it; 'closed': an outcome is final.
 */
export type TxState = 'open' | 'posting' | 'closed';

export interface TransactionRow {
  readonly txId: string;
  readonly billerId: string;
  readonly billerName: string;
  readonly account: string;
  readonly period: string;
  readonly billRef: string;
  readonly due: Minor;
  readonly currency: string;
  /** Credited money (every note's full value). */
  readonly paid: Minor;
  /** The part of `paid` beyond the amount due. */
  readonly surplus: Minor;
  readonly notes: number;
  readonly state: TxState;
  readonly outcome: Outcome | null;
  readonly postAttempts: number;
  readonly billerRef: string | null;
  /** null until a receipt.printed record arrives. */
  readonly receiptPrinted: boolean | null;
  readonly openedSeq: number;
  readonly closedSeq: number | null;
  readonly openedWallMs: number;
  readonly closedWallMs: number | null;
  /** null: cash. */
  readonly tender: 'card' | 'wallet' | null;
  readonly cardType: string | null;
  readonly last4: string | null;
}

/** Cash in the cash box since the current period began, per currency. */
export interface CashboxRow {
  readonly currency: string;
  readonly value: Minor;
  readonly count: number;
}

/** Closed transactions grouped by outcome and currency. */
export interface TotalsRow {
  readonly outcome: Outcome;
  readonly currency: string;
  readonly count: number;
  readonly paid: Minor;
  readonly surplus: Minor;
}

export interface EventQuery {
  /** Only events with seq > afterSeq. */
  readonly afterSeq?: number;
  /** At most this many rows; unbounded when omitted (page large journals). */
  readonly limit?: number;
  readonly txId?: string;
}

export interface TotalsQuery {
  /** Inclusive lower bound on the closing wall time. */
  readonly fromWallMs?: number;
  /** Exclusive upper bound on the closing wall time. */
  readonly toWallMs?: number;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly differences: readonly string[];
}

/** A closed cash period (a collection), with who took it and under which seal once attested. */
export interface CollectionRow {
  readonly collectionId: string;
  readonly seq: number;
  readonly wallMs: number;
  readonly reason: string;
  readonly counts: readonly import('../fsm/types.js').CashCount[];
  readonly total: number;
  readonly notes: number;
  readonly collectorId: string | null;
  readonly sealNumber: string | null;
  readonly attestedSeq: number | null;
}
