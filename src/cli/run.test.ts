import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../hal/index.js';
import { Journal } from '../ledger/index.js';
import { run } from './run.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'kioskctl-')); dirs.push(d); return d; };

describe('kioskctl', () => {
  it('config validate: 0 for a valid profile, 78 with every error by path for a broken one', async () => {
    expect((await run(['config', 'validate', '--profile', 'sim'])).code).toBe(0);
    const dir = tmp();
    cpSync(join(import.meta.dirname, '..', '..', 'config'), dir, { recursive: true });
    const cfg = JSON.parse(readFileSync(join(dir, 'default.json'), 'utf8')) as { terminal: Record<string, unknown>; billing: Record<string, unknown> };
    cfg.terminal['currency'] = 'cny';
    cfg.billing['timeoutMs'] = -1;
    writeFileSync(join(dir, 'default.json'), JSON.stringify(cfg));
    const r = await run(['config', 'validate', '--config-dir', dir, '--json']);
    expect(r.code).toBe(78);
    expect(r.json).toMatchObject({ valid: false, code: 'KIOSK_E_CONFIG_INVALID' });
    expect((r.json as { issues: { path: string }[] }).issues.map((i) => i.path).sort()).toEqual(['billing.timeoutMs', 'terminal.currency']);
  });

  it('journal totals and tail read a journal without printing account numbers', async () => {
    const path = join(tmp(), 'j.db');
    const j = Journal.open({ path, bootId: 'b', clock: new ManualClock() });
    const bill = { billerId: 'water-city', billerName: 'Water', account: '000123456789', period: '202506', due: 4_560, currency: 'CNY', billRef: 'R' };
    j.appendAll([
      { type: 'tx.opened', txId: 'T1', bill },
      { type: 'note.credited', txId: 'T1', value: 5_000, currency: 'CNY', channel: 5, deviceRef: 'd1', toBill: 4_560, surplus: 440 },
      { type: 'tx.post-intent', txId: 'T1', amount: 5_000, partial: false },
      { type: 'tx.posted', txId: 'T1', billerRef: 'B' },
      { type: 'tx.closed', txId: 'T1', outcome: 'paid', paid: 5_000, surplus: 440 },
    ]);
    j.close();
    const totals = await run(['journal', 'totals', '--journal', path]);
    expect(totals.code).toBe(0);
    expect(totals.text).toContain('cash box: 1 notes, 50.00 CNY');
    const tail = await run(['journal', 'tail', '-n', '2', '--journal', path]);
    expect(tail.text.split('\n')).toHaveLength(2);
    expect(tail.text).toContain('tx.closed T1 outcome=paid');
    const all = await run(['journal', 'tail', '-n', '50', '--journal', path, '--json']);
    expect(JSON.stringify(all.json)).not.toContain('000123456789');
  });

  it('says clearly what is wrong, with meaningful exit codes', async () => {
    expect((await run(['journal', 'totals', '--journal', '/nonexistent/j.db'])).code).toBe(66);
    const notDb = join(tmp(), 'x.db');
    writeFileSync(notDb, 'this is not a database, just text that fills a page '.repeat(100));
    expect(await run(['journal', 'totals', '--journal', notDb])).toMatchObject({ code: 65 });
    expect((await run(['frobnicate'])).code).toBe(64);
    expect((await run(['journal', 'tail', '-n', 'x', '--journal', notDb])).code).toBe(64);
  });
});
