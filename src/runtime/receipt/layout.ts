import type { Outcome } from '../../fsm/index.js';
import type { PrintDocument, PrintLine } from '../../hal/index.js';
import { formatMinor, type Minor } from '../../money/index.js';
import type { Locale } from '../screens/catalogue.js';

export interface ReceiptData {
  readonly terminalId: string;
  readonly txId: string;
  readonly billerName: string;
  /** Already masked: receipts carry the account's last four characters only. */
  readonly account: string;
  readonly period: string;
  readonly currency: string;
  readonly due: Minor;
  readonly paidByTender: Readonly<Partial<Record<'cash' | 'card' | 'wallet', Minor>>>;
  readonly surplus: Minor;
  /** Card type and last four digits (`UnionPay ****1234`): the only card data a receipt carries. */
  readonly card?: string;
  readonly outcome: Outcome;
  /** Local time text, already formatted by the caller. */
  readonly time: string;
  /** When false the time is printed with a mark: the board's clock was not synchronised. */
  readonly clockSynced: boolean;
  readonly hotline: string;
  readonly eReceiptUrl: string;
  readonly copy?: boolean;
}

const TEXT = {
  en: {
    title: 'BILL PAYMENT RECEIPT', copy: '*** COPY ***', terminal: 'Terminal', biller: 'Biller', account: 'Account', period: 'Period',
    due: 'Amount due', cash: 'Paid cash', card: 'Paid card', wallet: 'Paid wallet', surplus: 'Advance credit', outcome: 'Result',
    tx: 'Transaction', time: 'Time', cardNo: 'Card', unsynced: '(clock not verified)', hotline: 'Hotline', noChange: 'No change is given; any surplus is credited to your account.',
    outcomes: { 'paid': 'PAID', 'paid-partially': 'PARTLY PAID', 'pending': 'RECEIVED - POSTING PENDING', 'needs-refund': 'REFUND DUE - CALL HOTLINE', 'cancelled': 'CANCELLED' },
    pendingNote: 'Your money is safe; the payment will be sent to the biller automatically.',
    refundNote: 'The biller refused this payment. Keep this receipt and call the hotline with the transaction id.',
  },
  'zh-CN': {
    title: '缴费凭条', copy: '*** 补打凭条 ***', terminal: '终端号', biller: '收费单位', account: '户号', period: '账期',
    due: '应缴金额', cash: '现金支付', card: '银行卡支付', wallet: '扫码支付', surplus: '预存金额', outcome: '结果',
    tx: '交易号', time: '时间', cardNo: '卡号', unsynced: '(时钟未校准)', hotline: '客服热线', noChange: '本机不找零，多付金额将预存至您的账户。',
    outcomes: { 'paid': '缴费成功', 'paid-partially': '部分缴费', 'pending': '已收款，待提交', 'needs-refund': '需退款，请致电客服', 'cancelled': '已取消' },
    pendingNote: '您的款项安全，系统将自动提交至收费单位。',
    refundNote: '收费单位拒绝了此笔缴费。请保留凭条并凭交易号致电客服。',
  },
} as const;

/** The business layout of a receipt, as printer-neutral lines; the driver turns it into bytes. */
export function buildReceipt(d: ReceiptData, locale: Locale): PrintDocument {
  const t = TEXT[locale];
  const m = (v: Minor): string => `${formatMinor(v, d.currency)} ${d.currency}`;
  const lines: PrintLine[] = [];
  if (d.copy) lines.push({ kind: 'text', text: t.copy, align: 'center', bold: true });
  lines.push({ kind: 'text', text: t.title, align: 'center', bold: true, size: 2 }, { kind: 'rule' });
  lines.push(
    { kind: 'pair', left: t.terminal, right: d.terminalId },
    { kind: 'pair', left: t.biller, right: d.billerName },
    { kind: 'pair', left: t.account, right: d.account },
    { kind: 'pair', left: t.period, right: d.period },
    { kind: 'pair', left: t.due, right: m(d.due) },
  );
  for (const tender of ['cash', 'card', 'wallet'] as const) {
    const v = d.paidByTender[tender];
    if (v !== undefined && v > 0) lines.push({ kind: 'pair', left: t[tender], right: m(v), bold: true });
  }
  if (d.card) lines.push({ kind: 'pair', left: t.cardNo, right: d.card });
  if (d.surplus > 0) lines.push({ kind: 'pair', left: t.surplus, right: m(d.surplus) });
  lines.push({ kind: 'pair', left: t.outcome, right: t.outcomes[d.outcome], bold: true }, { kind: 'rule' });
  if (d.outcome === 'pending') lines.push({ kind: 'text', text: t.pendingNote });
  if (d.outcome === 'needs-refund') lines.push({ kind: 'text', text: t.refundNote, bold: true });
  lines.push(
    { kind: 'pair', left: t.tx, right: d.txId },
    { kind: 'pair', left: t.time, right: d.clockSynced ? d.time : `${d.time} ${t.unsynced}` },
    { kind: 'pair', left: t.hotline, right: d.hotline },
    { kind: 'text', text: t.noChange },
    { kind: 'qr', data: `${d.eReceiptUrl.replace(/\/$/, '')}/${encodeURIComponent(d.txId)}` },
    { kind: 'barcode', data: d.txId, symbology: 'CODE128' },
    { kind: 'feed', lines: 3 },
  );
  return d.copy ? { lines, copy: true } : { lines };
}
