import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ZvtCardTerminal } from '../../src/drivers/zvt/index.js';
import { TEST_PANS } from '../sim/zvt/index.js';
import { makeRig, wait, type Rig, type Transport } from './rig.js';

/** Every way a PAN could appear in captured text: digits, grouped, BCD hex (F-padded), base64 of BCD. */
function needles(pan: string): string[] {
  const groups = pan.match(/.{1,4}/g)!;
  const bcdHex = pan.length % 2 ? `${pan}f` : pan;
  const bcd = Buffer.from(bcdHex, 'hex');
  const out = new Set([
    pan, groups.join(' '), groups.join('-'), bcdHex, bcdHex.toUpperCase(), bcd.toString('base64'),
    Buffer.from(pan, 'hex').toString('base64'), Buffer.from(pan).toString('base64'), Buffer.from(pan).toString('hex'),
    // decimal byte lists, as a JSON-serialised Uint8Array/Buffer would show them
    [...bcd].join(','), [...bcd].map((b) => `"${b}"`).join(','),
  ]);
  return [...out];
}

let rig: Rig | undefined;
afterEach(async () => { await rig?.dispose(); rig = undefined; });

const seen: string[] = [];
const record = (x: unknown): void => {
  seen.push(JSON.stringify(x, (_k, v: unknown) => (v instanceof Error ? { ...v, message: v.message, stack: v.stack, cause: String(v.cause) } : v)));
};
async function capture<T>(p: Promise<T>): Promise<T | undefined> {
  try { const r = await p; record(r); return r; } catch (err) { record(err); record(String(err)); return undefined; }
}

describe.each(['serial', 'tcp'] as Transport[])('a leaky terminal over %s: no PAN survives anywhere', (transport) => {
  it('runs every scenario and finds no PAN in logs, events, results, errors, receipts or statistics', async () => {
    seen.length = 0;
    const logs: string[] = [];
    const stream = new Writable({ write(chunk: Buffer, _enc, cb) { logs.push(chunk.toString()); cb(); } });
    const logger = pino({ level: 'trace' }, stream);
    rig = await makeRig({ transport, sim: { leaky: true }, logger, driver: { maxStatusInfos: 4 } });
    const { t, sim } = rig;
    for (const name of ['status', 'intermediate', 'reversed'] as const) t.on(name, (e) => record(e));
    await t.open();
    await t.enable();
    const pay = async (d: ZvtCardTerminal, ref: string, amount: number) => capture(d.authorize({ amount, currency: 'CNY', ref }));

    await pay(t, 'p1', 1000); await capture(t.commit('p1'));           // approve + commit
    await pay(t, 'p2', 1100); await capture(t.void('p2'));             // approve + void
    await capture(t.void('p1'));                                        // booked → 06 30 reversal
    sim.setMode('decline'); await pay(t, 'p3', 1200);                   // decline
    await vi.waitFor(() => expect(sim.isBusy()).toBe(false), wait);
    sim.setMode('customer-abort'); await pay(t, 'p4', 1300);            // customer abort
    sim.setMode('approve');
    await vi.waitFor(() => expect(sim.isBusy()).toBe(false), wait);
    const running = pay(t, 'p5', 1400);                                 // kiosk abort 06 B0
    await vi.waitFor(() => expect(t.transactionState('p5')).toBe('authorizing'), wait);
    await capture(t.abort()); await running;
    await vi.waitFor(() => expect(sim.isBusy()).toBe(false), wait);
    sim.setMode('lost-reply'); await pay(t, 'p6', 1500);                // lost reply → query → commit
    await capture(t.queryLastResult('p6')); await capture(t.commit('p6'));
    sim.setMode('approve');
    await pay(t, 'p7', 1600);                                           // no confirmation → auto-reversal
    await vi.waitFor(() => expect(t.transactionState('p7')).toBe('reversed'), wait);
    await capture(t.commit('p7'));
    sim.setMode('approve'); sim.setMalformedStatus(true);
    await pay(t, 'p8', 1700);                                           // malformed status → protocol error
    await vi.waitFor(() => expect(sim.isBusy()).toBe(false), wait);
    await pay(t, 'p9', 1800); await capture(t.commit('p9'));
    await capture(t.endOfDay());                                        // end of day
    await t.close();
    const b = rig.another({ logger });                                  // restart → Repeat Receipt
    for (const name of ['status', 'intermediate', 'reversed'] as const) b.on(name, (e) => record(e));
    await b.open();
    await capture(b.queryLastResult('p9'));
    for (const ref of ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9']) {
      record(t.receiptLines(ref)); record(t.transactionState(ref)); record(await capture(t.queryLastResult(ref)));
    }
    record(t.statistics()); record(b.statistics()); record(await capture(b.identify()));

    // The sim really did send every PAN in full.
    const used = new Set(sim.ledger().entries.map((e) => e.pan));
    expect([...used].sort()).toEqual([...TEST_PANS].sort());
    const everything = [...logs, ...seen].join('\n');
    expect(logs.length).toBeGreaterThan(50);
    expect(everything).toContain('****1111');
    for (const pan of TEST_PANS) {
      for (const n of needles(pan)) expect(everything.includes(n), `${pan} leaked as ${n}`).toBe(false);
      expect(everything).toContain(pan.slice(-4));
    }
    // The results carry last4 for approvals.
    expect(seen.some((s) => s.includes('"last4":"1111"'))).toBe(true);
  });
});
