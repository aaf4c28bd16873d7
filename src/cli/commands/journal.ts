import { existsSync, writeFileSync } from 'node:fs';
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

/** CSV columns: identifiers, amounts and outcomes only. Account numbers and bill references never leave. */
const CSV_COLUMNS = ['seq', 'time', 'type', 'txId', 'billerId', 'period', 'due', 'value', 'amount', 'paid', 'surplus', 'currency', 'outcome', 'partial', 'printed', 'collectionId', 'total', 'notes'] as const;

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  // Quote anything a spreadsheet could misread; neutralise formula starts (CSV injection).
  const safe = /^[=+\-@]/.test(s) && !/^-?\d+$/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** `kioskctl journal export --csv [--out FILE]`: every event as one CSV row (RFC 4180), paged through the journal. */
export function journalExportCsv(path: string, out: string | undefined): CommandResult {
  const j = openReadOnly(path);
  if (!(j instanceof Journal)) return j;
  try {
    const rows: string[] = [CSV_COLUMNS.join(',')];
    let after = 0;
    for (;;) {
      const page = j.events({ afterSeq: after, limit: 1000 });
      if (!page.length) break;
      for (const e of page) {
        const r = e.record as Record<string, unknown>;
        const bill = (r['bill'] ?? {}) as Record<string, unknown>;
        const cell: Record<(typeof CSV_COLUMNS)[number], unknown> = {
          seq: e.seq, time: new Date(e.wallMs).toISOString(), type: e.type, txId: e.txId,
          billerId: bill['billerId'], period: bill['period'], due: bill['due'], value: r['value'], amount: r['amount'],
          paid: r['paid'], surplus: r['surplus'], currency: r['currency'] ?? bill['currency'], outcome: r['outcome'],
          partial: r['partial'], printed: r['printed'], collectionId: r['collectionId'], total: r['total'], notes: r['notes'],
        };
        rows.push(CSV_COLUMNS.map((c) => csvCell(cell[c])).join(','));
      }
      after = page[page.length - 1]!.seq;
    }
    const csv = `${rows.join('\r\n')}\r\n`;
    if (out) {
      try { writeFileSync(out, csv, { mode: 0o640 }); } catch (err) {
        return { code: EXIT.cantCreate, text: `cannot write ${out}: ${(err as Error).message}`, json: { error: 'cannot-write', path: out } };
      }
      return { code: EXIT.ok, text: `${rows.length - 1} events written to ${out}`, json: { rows: rows.length - 1, out } };
    }
    return { code: EXIT.ok, text: csv, json: { rows: rows.length - 1, csv } };
  } finally {
    j.close();
  }
}

/** `kioskctl cash report`: what the journal says is in the cash box now, and the last collections. */
export function cashReport(path: string): CommandResult {
  const j = openReadOnly(path);
  if (!(j instanceof Journal)) return j;
  try {
    const notes = j.cashboxNotes();
    const collections = j.collections(10);
    const lines = [
      'in the cash box now:',
      ...(notes.length ? notes.map((n) => `  ${formatMinor(n.value, n.currency)} ${n.currency} x ${n.count}`) : ['  (empty)']),
      ...j.cashbox().map((c) => `  total: ${c.count} notes, ${formatMinor(c.value, c.currency)} ${c.currency}`),
      '', 'last collections:',
      ...(collections.length ? collections.map((c) => {
        const cur = c.counts[0]?.currency ?? '';
        return `  ${new Date(c.wallMs).toISOString()} ${c.collectionId} ${c.notes} notes ${cur ? formatMinor(c.total, cur) : c.total} ${cur} ${c.reason}${c.collectorId ? ` collector=${c.collectorId} seal=${c.sealNumber ?? ''}` : ' NOT ATTESTED'}`;
      }) : ['  (none)']),
    ];
    return { code: EXIT.ok, text: lines.join('\n'), json: { cashbox: notes, totals: j.cashbox(), collections } };
  } finally {
    j.close();
  }
}

function summary(r: { type: string } & Record<string, unknown>): string {
  const keep = ['outcome', 'value', 'paid', 'surplus', 'decision', 'reason', 'amount', 'partial', 'printed', 'mismatch'];
  const parts = keep.filter((k) => r[k] !== undefined).map((k) => `${k}=${String(r[k])}`);
  return parts.length ? ` ${parts.join(' ')}` : '';
}
