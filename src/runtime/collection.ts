import type { JournalRecord } from '../fsm/index.js';
import type { PrintDocument, PrintLine } from '../hal/index.js';
import type { CollectionRow, Journal } from '../ledger/index.js';
import { formatMinor } from '../money/index.js';
import type { Locale } from './screens/catalogue.js';

/** Closes the current cash period with what the journal says is in the cash box, by denomination. */
export function collectionRecord(journal: Journal, collectionId: string, reason: 'cashbox-removed' | 'operator'): Extract<JournalRecord, { type: 'cash.collected' }> {
  const counts = journal.cashboxNotes();
  return {
    type: 'cash.collected', collectionId, reason, counts,
    total: counts.reduce((a, c) => a + c.value * c.count, 0),
    notes: counts.reduce((a, c) => a + c.count, 0),
  };
}

/** Collector ids and seal numbers come from badges and bag seals: short, printable, no spaces. */
export function isAttestationCode(s: string): boolean {
  return /^[A-Za-z0-9-]{3,32}$/.test(s);
}

const TEXT = {
  en: { title: 'CASH COLLECTION', terminal: 'Terminal', id: 'Collection', notes: 'Notes', total: 'Total', collector: 'Collector', seal: 'Bag seal', time: 'Time', sign: 'Signature:' },
  'zh-CN': { title: '现金清机凭条', terminal: '终端号', id: '清机号', notes: '张数', total: '合计', collector: '清机员', seal: '封包号', time: '时间', sign: '签字：' },
} as const;

/** The slip the collector takes with the bag: counts per denomination, total, who, which seal. */
export function collectionReceipt(c: CollectionRow, terminalId: string, time: string, locale: Locale): PrintDocument {
  const t = TEXT[locale];
  const cur = c.counts[0]?.currency ?? '';
  const lines: PrintLine[] = [
    { kind: 'text', text: t.title, align: 'center', bold: true, size: 2 }, { kind: 'rule' },
    { kind: 'pair', left: t.terminal, right: terminalId },
    { kind: 'pair', left: t.id, right: c.collectionId },
    { kind: 'pair', left: t.time, right: time },
    { kind: 'rule' },
    ...c.counts.map((n): PrintLine => ({ kind: 'pair', left: `${formatMinor(n.value, n.currency)} ${n.currency} x ${n.count}`, right: formatMinor(n.value * n.count, n.currency) })),
    { kind: 'pair', left: t.notes, right: String(c.notes) },
    { kind: 'pair', left: t.total, right: `${formatMinor(c.total, cur || 'CNY')} ${cur}`, bold: true },
    { kind: 'rule' },
    { kind: 'pair', left: t.collector, right: c.collectorId ?? '-' },
    { kind: 'pair', left: t.seal, right: c.sealNumber ?? '-' },
    { kind: 'feed', lines: 1 },
    { kind: 'text', text: t.sign },
    { kind: 'barcode', data: c.collectionId, symbology: 'CODE128' },
    { kind: 'feed', lines: 3 },
  ];
  return { lines };
}
