import { existsSync } from 'node:fs';
import { toKioskError } from '../../errors/index.js';
import { systemClock } from '../../hal/index.js';
import { Journal } from '../../ledger/index.js';
import { formatMinor } from '../../money/index.js';
import { EXIT, type CommandResult } from '../output.js';

function openReadOnly(path: string): Journal | CommandResult {
  if (!existsSync(path)) return { code: EXIT.noInput, text: `no journal at ${path}`, json: { error: 'KIOSK_E_JOURNAL_OPEN', path } };
  try {
    return Journal.open({ path, bootId: 'kioskctl', clock: systemClock, readOnly: true });
  } catch (err) {
    const e = toKioskError(err, 'KIOSK_E_JOURNAL_OPEN');
    return { code: EXIT.dataErr, text: `cannot read the journal (${e.code}): ${e.message}`, json: { error: e.code, message: e.message } };
  }
}

/** `kioskctl journal tail [-n N]`: the last events, oldest first. Never prints account numbers. */
export function journalTail(path: string, n: number): CommandResult {
  const j = openReadOnly(path);
  if (!(j instanceof Journal)) return j;
  try {
    const last = j.lastSeq();
    const events = j.events({ afterSeq: Math.max(0, last - n) });
    const lines = events.map((e) => `#${e.seq} ${new Date(e.wallMs).toISOString()} ${e.type}${e.txId ? ` ${e.txId}` : ''}${summary(e.record)}`);
    return { code: EXIT.ok, text: lines.join('\n') || '(empty journal)', json: events.map((e) => ({ seq: e.seq, wallMs: e.wallMs, type: e.type, txId: e.txId, summary: summary(e.record).trim() })) };
  } finally {
    j.close();
  }
}

/** `kioskctl journal totals`: closed transactions by outcome and the cash box. */
export function journalTotals(path: string): CommandResult {
  const j = openReadOnly(path);
  if (!(j instanceof Journal)) return j;
  try {
    const totals = j.totals();
    const cash = j.cashbox();
    const lines = [
      'outcome          count        paid     surplus',
      ...totals.map((t) => `${t.outcome.padEnd(15)} ${String(t.count).padStart(6)} ${formatMinor(t.paid, t.currency).padStart(11)} ${formatMinor(t.surplus, t.currency).padStart(11)} ${t.currency}`),
      '',
      ...cash.map((c) => `cash box: ${c.count} notes, ${formatMinor(c.value, c.currency)} ${c.currency}`),
    ];
    return { code: EXIT.ok, text: lines.join('\n'), json: { totals, cashbox: cash } };
  } finally {
    j.close();
  }
}

function summary(r: { type: string } & Record<string, unknown>): string {
  const keep = ['outcome', 'value', 'paid', 'surplus', 'decision', 'reason', 'amount', 'partial', 'printed', 'mismatch'];
  const parts = keep.filter((k) => r[k] !== undefined).map((k) => `${k}=${String(r[k])}`);
  return parts.length ? ` ${parts.join(' ')}` : '';
}
