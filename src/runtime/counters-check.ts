import type { JournalRecord } from '../fsm/index.js';
import type { Journal } from '../ledger/index.js';

/**
 * Compares a validator's own stacked-note counter with the journal's credits, as growth since the last
 * snapshot of the same device (counters are lifetime totals; the journal may be younger than the device).
 * A first snapshot, or a device with another serial, only sets the baseline.
 *
 * Caveat: a credit the device counted but had not yet delivered when the counters were read (eSSP keeps
 * it until EVENT ACK) shows as a transient mismatch of +1; the alarm says so in its details.
 */
export function countersRecord(journal: Journal, serial: string, stacked: number): Extract<JournalRecord, { type: 'validator.counters' }> {
  const credits = journal.creditCount();
  const last = journal.lastOfType('validator.counters')?.record;
  let mismatch = 0;
  if (last && last.type === 'validator.counters' && last.serial === serial && stacked >= last.stacked) {
    mismatch = (stacked - last.stacked) - (credits - last.credits);
  }
  return { type: 'validator.counters', serial, stacked, credits, mismatch };
}
