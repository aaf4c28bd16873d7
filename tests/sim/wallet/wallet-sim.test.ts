import { afterEach, describe, expect, it } from 'vitest';
import { simWalletOf, startWalletSim, type WalletSim } from './index.js';

let sim: WalletSim | undefined;
afterEach(async () => { await sim?.close(); sim = undefined; });

async function call(s: WalletSim, method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers['idempotency-key'] = key;
  const res = await fetch(s.url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) as unknown };
}

describe('wallet gateway simulator (raw HTTP)', () => {
  it('issues codes of each wallet\'s shape', async () => {
    sim = await startWalletSim();
    for (const w of ['wechat', 'alipay', 'unionpay'] as const) expect(simWalletOf(sim.issueCode(w))).toBe(w);
    expect(simWalletOf('370001234567892025070004')).toBeUndefined();
  });

  it('one order per idempotency key: a repeat answers the same order, another body is 409, no key is 400', async () => {
    sim = await startWalletSim();
    const code = sim.issueCode('wechat', 'ann');
    const body = { ref: 'r1', amount: 500, currency: 'CNY', paymentCode: code };
    expect(await call(sim, 'POST', '/v1/wallet/pay', body, 'r1')).toMatchObject({ status: 200, json: { ref: 'r1', status: 'SUCCESS', amount: 500 } });
    expect(await call(sim, 'POST', '/v1/wallet/pay', body, 'r1')).toMatchObject({ status: 200, json: { status: 'SUCCESS' } });
    expect((await call(sim, 'POST', '/v1/wallet/pay', { ...body, amount: 501 }, 'r1')).status).toBe(409);
    expect((await call(sim, 'POST', '/v1/wallet/pay', body)).status).toBe(400);
    expect((await call(sim, 'POST', '/v1/wallet/pay', body, 'other')).status).toBe(400);
    expect(sim.orders()).toHaveLength(1);
    expect(sim.balances()).toEqual({ ann: 500 });
  });

  it('confirm, reverse (refund), and a reverse of an unknown ref closes it for good', async () => {
    sim = await startWalletSim();
    const code = sim.issueCode('alipay', 'ben');
    await call(sim, 'POST', '/v1/wallet/pay', { ref: 'r2', amount: 700, currency: 'CNY', paymentCode: code }, 'r2');
    expect(await call(sim, 'POST', '/v1/wallet/orders/r2/confirm', {}, 'r2')).toMatchObject({ status: 200, json: { status: 'CONFIRMED' } });
    expect(await call(sim, 'POST', '/v1/wallet/orders/r2/reverse', {}, 'r2')).toMatchObject({ status: 200, json: { status: 'REVERSED' } });
    expect(await call(sim, 'POST', '/v1/wallet/orders/r2/confirm', {}, 'r2')).toMatchObject({ status: 409, json: { status: 'REVERSED' } });
    expect(sim.balance('ben')).toBe(0);
    expect((await call(sim, 'GET', '/v1/wallet/orders/nope')).status).toBe(404);
    expect(await call(sim, 'POST', '/v1/wallet/orders/r3/reverse', {}, 'r3')).toMatchObject({ status: 200, json: { status: 'REVERSED' } });
    const late = await call(sim, 'POST', '/v1/wallet/pay', { ref: 'r3', amount: 900, currency: 'CNY', paymentCode: sim.issueCode('wechat', 'cat') }, 'r3');
    expect(late).toMatchObject({ status: 200, json: { status: 'REVERSED', amount: 900 } });
    expect(sim.balance('cat')).toBe(0);
  });

  it('the confirm window reverses paid orders and closes USERPAYING ones', async () => {
    let now = 0;
    sim = await startWalletSim({ now: () => now, confirmWindowMs: 1000, userPayingQueries: 5 });
    await call(sim, 'POST', '/v1/wallet/pay', { ref: 'p', amount: 100, currency: 'CNY', paymentCode: sim.issueCode('wechat', 'dan') }, 'p');
    sim.setMode('userpaying');
    await call(sim, 'POST', '/v1/wallet/pay', { ref: 'u', amount: 200, currency: 'CNY', paymentCode: sim.issueCode('wechat', 'dan') }, 'u');
    expect(sim.balance('dan')).toBe(100);
    now = 999;
    expect(sim.order('p')?.status).toBe('paid');
    now = 1000;
    expect(sim.orders().map((o) => [o.ref, o.status, o.autoReversed])).toEqual([['p', 'reversed', true], ['u', 'reversed', true]]);
    expect(sim.balance('dan')).toBe(0);
  });

  it('lost-answer processes the payment and drops the reply; down processes nothing', async () => {
    sim = await startWalletSim();
    sim.setMode('lost-answer', { then: 'down' });
    const body = { ref: 'l', amount: 300, currency: 'CNY', paymentCode: sim.issueCode('unionpay', 'eve') };
    await expect(call(sim, 'POST', '/v1/wallet/pay', body, 'l')).rejects.toThrow();
    expect(sim.mode).toBe('down');
    await expect(call(sim, 'GET', '/v1/wallet/orders/l')).rejects.toThrow();
    expect(sim.balance('eve')).toBe(300);
    sim.setMode('approve');
    expect(await call(sim, 'GET', '/v1/wallet/orders/l')).toMatchObject({ status: 200, json: { status: 'SUCCESS' } });
  });

  it('a payment code pays once; an unknown code shape fails', async () => {
    sim = await startWalletSim();
    const code = sim.issueCode('wechat');
    await call(sim, 'POST', '/v1/wallet/pay', { ref: 'a', amount: 1, currency: 'CNY', paymentCode: code }, 'a');
    expect(await call(sim, 'POST', '/v1/wallet/pay', { ref: 'b', amount: 1, currency: 'CNY', paymentCode: code }, 'b'))
      .toMatchObject({ json: { status: 'FAIL', reason: 'AUTHCODE_USED' } });
    expect(await call(sim, 'POST', '/v1/wallet/pay', { ref: 'c', amount: 1, currency: 'CNY', paymentCode: '99' }, 'c'))
      .toMatchObject({ json: { status: 'FAIL', reason: 'AUTHCODE_INVALID' } });
  });
});
