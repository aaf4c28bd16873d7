import { describe, expect, it } from 'vitest';
import { systemClock, systemTimers } from '../../hal/index.js';
import { WalletTender } from './tender.js';

const CODE = '134567890123456789';
type Handler = (method: string, path: string) => Response | Promise<Response>;

/** A tender over a scripted fetch: each request is answered by `handler`. */
async function tender(handler: Handler): Promise<{ t: WalletTender; calls: string[] }> {
  const calls: string[] = [];
  const fakeFetch: typeof fetch = async (input, init) => {
    const path = new URL(String(input)).pathname;
    calls.push(`${init?.method ?? 'GET'} ${path}`);
    if (path === '/v1/wallet/health') return json(200, { status: 'ok' });
    return handler(init?.method ?? 'GET', path);
  };
  const t = new WalletTender({
    baseUrl: 'http://gw.test', currency: 'CNY', clock: systemClock, timers: systemTimers, fetch: fakeFetch,
    timeoutMs: 200, queryIntervalMs: 2, maxQueryMs: 40, retries: 1, backoffMs: 1,
  });
  await t.open();
  await t.enable();
  return { t, calls };
}

const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status });
const order = (status: string, extra: Record<string, unknown> = {}) => ({ ref: 'r', amount: 100, currency: 'CNY', status, ...extra });
const pay = (t: WalletTender) => t.authorize({ amount: 100, currency: 'CNY', ref: 'r', paymentCode: CODE });

describe('WalletTender against scripted replies', () => {
  it('USERPAYING, then a SUCCESS for another amount: unknown (protocol-error), never approved', async () => {
    const { t } = await tender((m) => (m === 'POST' ? json(200, order('USERPAYING')) : json(200, order('SUCCESS', { amount: 101 }))));
    expect(await pay(t)).toMatchObject({ outcome: 'unknown', reason: 'protocol-error' });
    expect(t.statistics()['protocolErrors']).toBe(1);
  });

  it('5xx to the payment, then no order: unknown (not-found)', async () => {
    const { t, calls } = await tender((m) => (m === 'POST' ? json(502, {}) : json(404, { error: 'no-order' })));
    expect(await pay(t)).toMatchObject({ outcome: 'unknown', reason: 'not-found' });
    expect(calls.filter((c) => c === 'GET /v1/wallet/orders/r').length).toBeGreaterThanOrEqual(2);
  });

  it('5xx to the payment, then the query finds it failed: declined', async () => {
    const { t } = await tender((m) => (m === 'POST' ? json(503, {}) : json(200, order('FAIL', { reason: 'NOTENOUGH' }))));
    expect(await pay(t)).toMatchObject({ outcome: 'declined', reason: 'NOTENOUGH' });
  });

  it('a 4xx refusal is declined at once; a bodiless 204 is garbage', async () => {
    expect(await pay((await tender(() => json(400, { error: 'bad' }))).t)).toMatchObject({ outcome: 'declined', reason: 'refused-400' });
    expect(await pay((await tender(() => new Response(null, { status: 204 }))).t)).toMatchObject({ outcome: 'unknown', reason: 'protocol-error' });
  });

  it('a trade number that echoes the payment code is dropped; a normal one is kept as authCode', async () => {
    expect((await pay((await tender(() => json(200, order('SUCCESS', { tradeNo: `WX${CODE}` })))).t)).authCode).toBeUndefined();
    expect((await pay((await tender(() => json(200, order('SUCCESS', { tradeNo: '4200001234' })))).t)).authCode).toBe('4200001234');
  });

  it('a running authorisation refuses a second one; the same ref afterwards returns the stored result', async () => {
    let release: (() => void) | undefined;
    const { t, calls } = await tender(() => new Promise<Response>((resolve) => { release = () => resolve(json(200, order('SUCCESS'))); }));
    const first = pay(t);
    await expect(pay(t)).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE', retryable: true });
    await expect(t.authorize({ amount: 100, currency: 'CNY', ref: 'other', paymentCode: CODE })).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE', retryable: true });
    release!();
    expect((await first).outcome).toBe('approved');
    expect((await pay(t)).outcome).toBe('approved');
    expect(calls.filter((c) => c === 'POST /v1/wallet/pay')).toHaveLength(1);
  });

  it('a reversal the gateway refuses for good is KIOSK_E_DEVICE_STATE, not retried', async () => {
    const { t, calls } = await tender((_m, path) => (path.endsWith('/reverse') ? json(409, order('CONFIRMED')) : json(200, order('SUCCESS'))));
    await pay(t);
    await expect(t.void('r')).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE', details: { status: 409, order: 'CONFIRMED' } });
    expect(calls.filter((c) => c.endsWith('/reverse'))).toHaveLength(1);
  });

  it('rejects an invalid configuration', () => {
    const base = { baseUrl: 'http://gw.test', currency: 'CNY', clock: systemClock, timers: systemTimers, timeoutMs: 100, queryIntervalMs: 10, maxQueryMs: 100 };
    expect(() => new WalletTender({ ...base, baseUrl: 'gw.test' })).toThrow(expect.objectContaining({ code: 'KIOSK_E_CONFIG_INVALID' }));
    expect(() => new WalletTender({ ...base, currency: 'yuan' })).toThrow(expect.objectContaining({ code: 'KIOSK_E_CONFIG_INVALID' }));
    expect(() => new WalletTender({ ...base, retries: -1 })).toThrow(expect.objectContaining({ code: 'KIOSK_E_CONFIG_INVALID' }));
  });
});
