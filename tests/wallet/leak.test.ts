import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { WalletTender } from '../../src/drivers/wallet/index.js';
import { openRig, type Rig } from './rig.js';

/** Every window of 10 digits of the code (the masked form shows at most its last 4), and its base64. */
function needles(code: string): string[] {
  const out = new Set<string>([code, Buffer.from(code).toString('base64'), Buffer.from(code).toString('hex')]);
  for (let i = 0; i + 10 <= code.length; i++) out.add(code.slice(i, i + 10));
  return [...out];
}

let rig: Rig | undefined;
afterEach(async () => { await rig?.dispose(); rig = undefined; });

describe('a payment code never leaks', () => {
  it('runs every flow against a careless gateway; logs (trace), events, results, errors and statistics hold at most the last 4', async () => {
    const logs: string[] = [];
    const stream = new Writable({ write(chunk: Buffer, _enc, cb) { logs.push(chunk.toString()); cb(); } });
    const logger = pino({ level: 'trace' }, stream);
    rig = await openRig({ logger, sim: { leaky: true } });
    const { t, sim } = rig;
    const seen: string[] = [];
    const record = (x: unknown): void => {
      seen.push(JSON.stringify(x, (_k, v: unknown) => (v instanceof Error ? { ...v, message: v.message, stack: v.stack, cause: String(v.cause) } : v)) ?? 'undefined');
    };
    const capture = async <T>(p: Promise<T>): Promise<T | undefined> => {
      try { const r = await p; record(r); return r; } catch (err) { record(err); record(String(err)); return undefined; }
    };
    t.on('intermediate', record);
    t.on('status', record);
    const codes: string[] = [];
    let n = 0;
    const pay = (d: WalletTender, amount: number, wallet: 'wechat' | 'alipay' | 'unionpay' = 'wechat') => {
      const paymentCode = sim.issueCode(wallet, `acct-${n}`);
      codes.push(paymentCode);
      return capture(d.authorize({ amount, currency: 'CNY', ref: `leak-${++n}`, paymentCode: `${paymentCode}\r\n` }));
    };

    const approved = await pay(t, 100);                                       // approve → confirm
    await capture(t.commit('leak-1'));
    await pay(t, 200, 'alipay'); await capture(t.void('leak-2'));             // approve → void
    sim.setMode('decline'); await pay(t, 300, 'unionpay');                    // decline (reason echoes the code)
    sim.setMode('userpaying'); sim.setUserPayingQueries(2); await pay(t, 400); // userpaying → approved
    sim.setUserPayingQueries(10_000); await pay(t, 500);                      // userpaying → unknown
    await capture(t.void('leak-5'));
    sim.setMode('lost-answer'); await pay(t, 600);                            // lost answer → query
    sim.setMode('lost-answer', { then: 'down' }); await pay(t, 700);          // lost + down → unknown
    await capture(t.void('leak-7'));                                          // void fails (down)
    sim.setMode('approve'); await capture(t.void('leak-7'));
    for (const kind of ['html', 'shape', 'wrong-ref', 'wrong-amount'] as const) {
      sim.setMode('garbage', { garbage: kind }); await pay(t, 800);
    }
    sim.setMode('approve');
    const restarted = rig.fresh({ logger });
    await capture(restarted.queryLastResult('leak-1'));
    await capture(restarted.commit('leak-4'));
    sim.setMode('garbage', { garbage: 'wrong-ref' }); await capture(restarted.queryLastResult('leak-6'));
    sim.setMode('approve');
    record(t.statistics()); record(await t.identify());

    const text = [...logs, ...seen].join('\n');
    for (const code of codes) for (const needle of needles(code)) expect(text).not.toContain(needle);
    // positive controls: the last four are kept, in the result and (masked) in the log
    const first = codes[0]!;
    expect(approved).toMatchObject({ outcome: 'approved', last4: first.slice(-4) });
    expect(approved?.authCode).toBeUndefined(); // the gateway echoed the code as its trade number: dropped
    expect(logs.join('')).toContain(`${'*'.repeat(first.length - 4)}${first.slice(-4)}`);
    expect(seen.some((s) => s.includes('"reason":"NOTENOUGH (auth_code *'))).toBe(true);
    expect(logs.length).toBeGreaterThan(30);
  });
});
