import type { Logger } from 'pino';
import { toKioskError } from '../errors/index.js';
import type { BillInfo, JournalRecord } from '../fsm/index.js';
import type { TimerHandle, Timers } from '../hal/index.js';
import type { Journal, TransactionRow } from '../ledger/index.js';
import type { BillerPort } from './kiosk.js';

export interface BillerRetryOptions {
  readonly journal: Journal;
  readonly biller: BillerPort;
  readonly timers: Timers;
  readonly logger: Logger;
  /** Journals the outcome (through the kiosk, so the telemetry hooks and probes see it). */
  readonly append: (records: readonly JournalRecord[]) => void;
  readonly baseMs?: number;
  readonly maxMs?: number;
}

export function billOf(row: TransactionRow): BillInfo {
  return { billerId: row.billerId, billerName: row.billerName, account: row.account, period: row.period, due: row.due, currency: row.currency, billRef: row.billRef };
}

/**
 * The biller outbox: transactions closed as `pending` (money taken, biller not reached) are posted again
 * with the same idempotency key until the biller answers, backing off while it stays unreachable.
 */
export class BillerRetrier {
  private timer: TimerHandle | undefined;
  private delay: number;
  private running = false;
  private stopped = false;

  constructor(private readonly o: BillerRetryOptions) {
    this.delay = o.baseMs ?? 30_000;
  }

  start(): void { this.schedule(0); }

  stop(): void {
    this.stopped = true;
    this.o.timers.clearTimeout(this.timer);
  }

  /** One pass over the outbox; returns how many postings were settled and how many still wait. */
  async runOnce(): Promise<{ settled: number; waiting: number }> {
    if (this.running) return { settled: 0, waiting: this.o.journal.pendingPostings().length };
    this.running = true;
    let settled = 0;
    let waiting = 0;
    try {
      for (const row of this.o.journal.pendingPostings()) {
        if (this.stopped) break;
        const partial = row.paid < row.due;
        try {
          const { billerRef } = await this.o.biller.post({ txId: row.txId, bill: billOf(row), amount: row.paid, partial });
          this.o.append([{ type: 'tx.late-post', txId: row.txId, result: 'posted', billerRef, outcome: partial ? 'paid-partially' : 'paid', code: null }]);
          settled++;
        } catch (err) {
          const e = toKioskError(err, 'KIOSK_E_BILLER_UNAVAILABLE');
          if (e.code === 'KIOSK_E_BILLER_REFUSED') {
            this.o.append([{ type: 'tx.late-post', txId: row.txId, result: 'refused', billerRef: null, outcome: 'needs-refund', code: e.code }]);
            settled++;
          } else {
            this.o.logger.info({ txId: row.txId, code: e.code }, 'pending posting still not accepted; will retry');
            waiting++;
          }
        }
      }
    } finally {
      this.running = false;
    }
    return { settled, waiting };
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.o.timers.clearTimeout(this.timer);
    this.timer = this.o.timers.setTimeout(() => {
      void this.runOnce().then(({ waiting }) => {
        const base = this.o.baseMs ?? 30_000;
        this.delay = waiting > 0 ? Math.min(this.o.maxMs ?? 15 * 60_000, this.delay * 2) : base;
        this.schedule(this.delay);
      }, (err: unknown) => {
        this.o.logger.error({ code: toKioskError(err).code }, 'biller outbox pass failed');
        this.schedule(this.delay);
      });
    }, ms);
  }

  /** Runs a pass soon (a posting just went pending, or the network came back). */
  kick(): void { this.schedule(0); }
}
