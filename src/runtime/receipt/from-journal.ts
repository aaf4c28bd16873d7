import { maskAccount, type Outcome } from '../../fsm/index.js';
import type { PrintDocument } from '../../hal/index.js';
import type { TransactionRow } from '../../ledger/index.js';
import type { Locale } from '../screens/catalogue.js';
import { buildReceipt } from './layout.js';

export interface ReceiptContext {
  readonly terminalId: string;
  readonly hotline: string;
  readonly eReceiptBaseUrl: string;
  readonly locale: Locale;
  readonly wallMs: number;
  readonly clockSynced: boolean;
  readonly copy: boolean;
}

/** A transaction's receipt, built from its journal row (so a reprint after a restart matches the original). */
export function receiptFor(row: TransactionRow, outcome: Outcome, c: ReceiptContext): PrintDocument {
  return buildReceipt({
    terminalId: c.terminalId, txId: row.txId, billerName: row.billerName, account: maskAccount(row.account), period: row.period,
    currency: row.currency, due: row.due, paidByTender: { [row.tender ?? 'cash']: row.paid }, surplus: row.surplus, outcome,
    ...(row.last4 !== null ? { card: `${row.cardType ?? row.tender ?? ''} ****${row.last4}`.trim() } : {}),
    time: formatLocalTime(c.wallMs), clockSynced: c.clockSynced, hotline: c.hotline, eReceiptUrl: c.eReceiptBaseUrl, copy: c.copy,
  }, c.locale);
}

/** `YYYY-MM-DD HH:MM` in the board's local time zone (the receipt's time line). */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
