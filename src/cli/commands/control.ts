/** Commands that act on the running kioskd through its control socket. */
import type { DeviceStatus } from '../../hal/index.js';
import { formatMinor } from '../../money/index.js';
import { localDay } from '../../runtime/local-day.js';
import { callKioskd } from '../control-client.js';
import { EXIT, fail, type CommandResult } from '../output.js';

export interface SocketArgs { readonly socket?: string; readonly timeoutMs?: number }

const conn = (a: SocketArgs): { socket?: string; timeoutMs?: number } => ({
  ...(a.socket ? { socket: a.socket } : {}), ...(a.timeoutMs ? { timeoutMs: a.timeoutMs } : {}),
});

interface StatusResult { service: string; reasons: string[]; fsm: string; devices: Record<string, DeviceStatus> }

/** `kioskctl status`: exit 0 in service, 1 out of service, 69 when kioskd is not running. */
export async function status(a: SocketArgs): Promise<CommandResult> {
  const r = await callKioskd({ ...conn(a), method: 'status' });
  if (!r.ok) return r.failure;
  const s = r.result as StatusResult;
  const lines = [
    `service: ${s.service}${s.reasons.length ? ` (${s.reasons.join(', ')})` : ''}`,
    `transaction state: ${s.fsm}`,
    ...Object.entries(s.devices).map(([role, d]) => `  ${role.padEnd(15)} ${d.state}${d.reason !== 'ok' ? ` (${d.reason})` : ''}  ${d.text}`),
  ];
  return { code: s.service === 'in-service' ? EXIT.ok : EXIT.failure, text: lines.join('\n'), json: s };
}

/** `kioskctl service in|out`: the operator's service flag (kept until changed again or kioskd restarts). */
export async function service(a: SocketArgs, which: string): Promise<CommandResult> {
  if (which !== 'in' && which !== 'out') return fail(EXIT.usage, 'usage', 'service takes "in" or "out"');
  const r = await callKioskd({ ...conn(a), method: 'service', params: { inService: which === 'in' } });
  if (!r.ok) return r.failure;
  const s = r.result as { service: string; reasons: string[] };
  const pending = which === 'out' && s.service === 'in-service' ? ' (takes effect when the open transaction comes to rest)' : '';
  return { code: EXIT.ok, text: `service: ${s.service}${s.reasons.length ? ` (${s.reasons.join(', ')})` : ''}${pending}`, json: s };
}

/** `kioskctl reprint [txId]`: exit 0 printed, 1 not printed (no such transaction, printer). */
export async function reprint(a: SocketArgs, txId: string | undefined): Promise<CommandResult> {
  const r = await callKioskd({ ...conn(a), method: 'reprint', ...(txId ? { params: { txId } } : {}) });
  if (!r.ok) return r.failure;
  const p = r.result as { printed: boolean; reason?: string };
  return {
    code: p.printed ? EXIT.ok : EXIT.failure,
    text: p.printed ? `receipt ${txId ?? '(last transaction)'} printed again, marked COPY` : `not printed: ${p.reason ?? 'unknown'}`,
    json: p,
  };
}

/** `kioskctl cash collect [--collector ID --seal NO]`: closes the cash period; prints the slip when attested. */
export async function cashCollect(a: SocketArgs & { collector?: string; seal?: string }): Promise<CommandResult> {
  if ((a.collector === undefined) !== (a.seal === undefined)) return fail(EXIT.usage, 'usage', 'give both --collector and --seal, or neither');
  const params = a.collector !== undefined && a.seal !== undefined ? { collector: a.collector, seal: a.seal } : undefined;
  const r = await callKioskd({ ...conn(a), method: 'cash.collect', ...(params ? { params } : {}) });
  if (!r.ok) return r.failure;
  const c = r.result as { collectionId: string; total: number; notes: number; counts: { value: number; currency: string; count: number }[]; slip?: { printed: boolean; reason?: string } };
  const cur = c.counts[0]?.currency ?? '';
  const lines = [
    `collection ${c.collectionId}: ${c.notes} notes, ${cur ? `${formatMinor(c.total, cur)} ${cur}` : String(c.total)}`,
    ...c.counts.map((n) => `  ${formatMinor(n.value, n.currency)} ${n.currency} x ${n.count}`),
    c.slip ? (c.slip.printed ? 'collection slip printed' : `collection slip NOT printed: ${c.slip.reason ?? 'printer'}`) : 'not attested yet: scan the collector badge and bag seal at the terminal, or run again with --collector and --seal',
  ];
  return { code: c.slip && !c.slip.printed ? EXIT.failure : EXIT.ok, text: lines.join('\n'), json: c };
}

/** `kioskctl settle [--day YYYY-MM-DD]`: the daily settlement (default: yesterday, local time). */
export async function settle(a: SocketArgs & { day?: string; now?: Date }): Promise<CommandResult> {
  const day = a.day ?? localDay((a.now ?? new Date()).getTime(), -1);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(new Date(`${day}T00:00:00`).getTime())) return fail(EXIT.usage, 'usage', `--day must be YYYY-MM-DD, got "${day}"`);
  const r = await callKioskd({ ...conn(a), method: 'settle', params: { day } });
  if (!r.ok) return r.failure;
  const s = r.result as { day: string; currency: string; journalTotal: number; journalPostings: number; billerTotal: number | null; billerPostings: number | null; differences: string[] };
  const lines = [
    `settlement ${s.day}: journal ${s.journalPostings} postings, ${formatMinor(s.journalTotal, s.currency)} ${s.currency}`,
    `biller: ${s.billerTotal === null ? 'no totals' : `${s.billerPostings} postings, ${formatMinor(s.billerTotal, s.currency)} ${s.currency}`}`,
    s.differences.length ? `DIFFERENCES: ${s.differences.join(', ')}` : 'no differences',
  ];
  return { code: s.differences.length ? EXIT.failure : EXIT.ok, text: lines.join('\n'), json: s };
}
