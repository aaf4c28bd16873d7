/**
 * Realistic journal contents, fast: the records of complete 3-note cash payments (11 events each: the
 * mix the runtime writes), appended through the real Journal in large SQL transactions.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import type { JournalRecord } from '../../src/fsm/index.js';
import { ManualClock } from '../../src/hal/clock.js';
import { Journal } from '../../src/ledger/index.js';

export const clock = new ManualClock();

/** The records of transaction `i` (unique ids and device refs); `open` stops after the first credit. */
export function txRecords(i: number, tag = 'B', open = false): JournalRecord[] {
  const txId = `${tag}-TX-${String(i).padStart(9, '0')}`;
  const bill = { billerId: 'power-east', billerName: 'East City Power Supply', account: `E${String(10_000_000_000 + i)}`, period: '202507', due: 19_620, currency: 'CNY', billRef: `B-${i}` };
  const notes = [10_000, 5_000, 5_000];
  const out: JournalRecord[] = [{ type: 'tx.opened', txId, bill }];
  let paid = 0;
  for (const [k, value] of notes.entries()) {
    const toBill = Math.max(0, Math.min(value, bill.due - paid));
    out.push({ type: 'note.decided', txId, value, channel: k === 0 ? 6 : 5, decision: 'accept', reason: 'fits' });
    out.push({ type: 'note.credited', txId, value, currency: 'CNY', channel: k === 0 ? 6 : 5, deviceRef: `${tag}-ssp-${i}-${k}`, toBill, surplus: value - toBill });
    paid += value;
    if (open) return out;
  }
  out.push(
    { type: 'tx.post-intent', txId, amount: paid, partial: false },
    { type: 'tx.posted', txId, billerRef: `R-${i}` },
    { type: 'tx.closed', txId, outcome: 'paid', paid, surplus: paid - bill.due },
    { type: 'receipt.printed', txId, printed: true },
  );
  return out;
}

export const EVENTS_PER_TX = txRecords(0).length;

/** Fills `journal` with complete transactions [from, from + count), `perCommit` transactions per SQL transaction. */
export function fill(journal: Journal, from: number, count: number, tag = 'B', perCommit = 2_000): void {
  for (let i = from; i < from + count; i += perCommit) {
    const recs: JournalRecord[] = [];
    for (let k = i; k < Math.min(from + count, i + perCommit); k++) recs.push(...txRecords(k, tag));
    clock.advance(1_000);
    journal.appendAll(recs);
  }
}

/** A new journal at `path` holding about `events` events (whole transactions), built with synchronous=OFF. */
export function buildJournal(path: string, events: number, bootId = 'bench-build'): Journal {
  const j = Journal.open({ path, bootId, clock, synchronous: 'OFF' });
  fill(j, 0, Math.ceil(events / EVENTS_PER_TX));
  return j;
}

/**
 * Flushes a journal built with synchronous=OFF to the disk, so that the kernel's write-back of hundreds of
 * megabytes does not slow down the fsyncs of whatever is measured next.
 */
export function flushToDisk(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
