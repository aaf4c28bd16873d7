import { describe, expect, it } from 'vitest';
import { ManualClock } from '../hal/clock.js';
import { HttpBillerGateway, type BillerGatewayConfig, type PostPaymentRequest } from './gateway.js';
import type { ParsedBill } from './parsed-bill.js';

const CODE: ParsedBill = { billerId: 'water-city', account: '000123456789', period: '202506', format: 'numeric-fixed', raw: 'x' };
const BILL = {
  billerId: 'water-city', billerName: 'City Water Works', account: '000123456789', period: '202506',
  due: 4560, currency: 'CNY', billRef: 'WC-202506-1',
};
const POST: PostPaymentRequest = {
  txId: 'tx-1', billRef: 'WC-202506-1', billerId: 'water-city', account: '000123456789', amount: 4560, currency: 'CNY', partial: false,
};

interface Call { url: string; init: RequestInit | undefined }
type Answer = Response | Error | ((init: RequestInit | undefined) => Promise<Response>);

/** A fetch that answers from a script, one entry per call, and records what it was asked. */
function scriptedFetch(answers: Answer[]): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), init });
    const next = answers.shift();
    if (next === undefined) throw new Error('script exhausted');
    if (next instanceof Error) throw next;
    if (typeof next === 'function') return next(init);
    return next;
  }) as typeof fetch;
  return { fetch: fetchFn, calls };
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function gateway(answers: Answer[], config: Partial<BillerGatewayConfig> = {}) {
  const script = scriptedFetch(answers);
  const sleeps: number[] = [];
  const clock = new ManualClock();
  const gw = new HttpBillerGateway(
    { baseUrl: 'http://biller.test/api/', timeoutMs: 1000, retries: 2, backoffMs: 100, ...config },
    { fetch: script.fetch, sleep: async (ms) => { sleeps.push(ms); }, timers: clock },
  );
  return { gw, calls: script.calls, sleeps, clock };
}

describe('HttpBillerGateway.lookup', () => {
  it('GETs /v1/bills with the parsed fields and returns the bill', async () => {
    const { gw, calls } = gateway([json(200, { bill: { ...BILL, extra: 'ignored' } })]);
    await expect(gw.lookup(CODE)).resolves.toEqual(BILL);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('http://biller.test/api/v1/bills?biller=water-city&account=000123456789&period=202506');
    expect(calls[0]?.init?.method).toBe('GET');
  });

  it('omits the period when the slip has none', async () => {
    const { gw, calls } = gateway([json(200, { bill: BILL })]);
    const { period: _omit, ...noPeriod } = CODE;
    await gw.lookup(noPeriod);
    expect(calls[0]?.url).toBe('http://biller.test/api/v1/bills?biller=water-city&account=000123456789');
  });

  it('maps 404 to KIOSK_E_BILL_NOT_FOUND without retrying', async () => {
    const { gw, calls } = gateway([json(404, { error: 'x' })]);
    await expect(gw.lookup(CODE)).rejects.toMatchObject({ code: 'KIOSK_E_BILL_NOT_FOUND', retryable: false });
    expect(calls).toHaveLength(1);
  });

  it('retries 5xx with doubling backoff, then succeeds', async () => {
    const { gw, calls, sleeps } = gateway([json(503, {}), json(500, {}), json(200, { bill: BILL })]);
    await expect(gw.lookup(CODE)).resolves.toEqual(BILL);
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([100, 200]);
  });

  it('gives up after `retries` extra attempts with a retryable KIOSK_E_BILLER_UNAVAILABLE', async () => {
    const { gw, calls } = gateway([new TypeError('fetch failed'), json(502, {}), json(429, {})]);
    await expect(gw.lookup(CODE)).rejects.toMatchObject({
      code: 'KIOSK_E_BILLER_UNAVAILABLE', retryable: true, details: { attempts: 3, status: 429 },
    });
    expect(calls).toHaveLength(3);
  });

  it.each([
    ['non-JSON', new Response('<html>oops</html>', { status: 200 })],
    ['wrong shape', json(200, { bill: { ...BILL, due: '45.60' } })],
    ['negative amount', json(200, { bill: { ...BILL, due: -1 } })],
    ['fractional amount', json(200, { bill: { ...BILL, due: 45.6 } })],
    ['another account', json(200, { bill: { ...BILL, account: '000999999999' } })],
    ['another period', json(200, { bill: { ...BILL, period: '202507' } })],
  ])('treats a %s reply as unavailable', async (_name, res) => {
    const { gw } = gateway([res], { retries: 0 });
    await expect(gw.lookup(CODE)).rejects.toMatchObject({ code: 'KIOSK_E_BILLER_UNAVAILABLE', retryable: true });
  });

  it('does not retry a 400 on lookup', async () => {
    const { gw, calls } = gateway([json(400, {})]);
    await expect(gw.lookup(CODE)).rejects.toMatchObject({ code: 'KIOSK_E_BILLER_UNAVAILABLE', retryable: false });
    expect(calls).toHaveLength(1);
  });

  it('aborts an attempt after timeoutMs of the injected timers', async () => {
    const hang = (init: RequestInit | undefined) => new Promise<Response>((_resolve, reject) => {
      init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    });
    const { gw, clock } = gateway([hang], { retries: 0, timeoutMs: 5000 });
    const result = gw.lookup(CODE);
    await Promise.resolve();
    clock.advance(4999);
    let settled = false;
    void result.then(() => { settled = true; }, () => { settled = true; });
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(result).rejects.toMatchObject({ code: 'KIOSK_E_BILLER_UNAVAILABLE', details: { reason: 'timeout' } });
    expect(clock.pendingCount()).toBe(0);
  });
});

describe('HttpBillerGateway.post', () => {
  it('POSTs the payment with the txId as Idempotency-Key', async () => {
    const { gw, calls } = gateway([json(200, { billerRef: 'R1' })]);
    await expect(gw.post(POST)).resolves.toEqual({ billerRef: 'R1' });
    const init = calls[0]?.init;
    expect(calls[0]?.url).toBe('http://biller.test/api/v1/payments');
    expect(init?.method).toBe('POST');
    expect((init?.headers as Record<string, string>)['idempotency-key']).toBe('tx-1');
    expect(JSON.parse(String(init?.body))).toEqual(POST);
  });

  it('takes a 409 as "already posted" and returns the original billerRef', async () => {
    const { gw } = gateway([json(409, { billerRef: 'ORIGINAL' })]);
    await expect(gw.post(POST)).resolves.toEqual({ billerRef: 'ORIGINAL' });
  });

  it('retries a lost reply with the same key', async () => {
    const { gw, calls } = gateway([new TypeError('socket hang up'), json(200, { billerRef: 'R1' })]);
    await expect(gw.post(POST)).resolves.toEqual({ billerRef: 'R1' });
    const keys = calls.map((c) => (c.init?.headers as Record<string, string>)['idempotency-key']);
    expect(keys).toEqual(['tx-1', 'tx-1']);
  });

  it('maps other 4xx to a final KIOSK_E_BILLER_REFUSED', async () => {
    const { gw, calls } = gateway([json(422, { error: 'refused' })]);
    await expect(gw.post(POST)).rejects.toMatchObject({ code: 'KIOSK_E_BILLER_REFUSED', retryable: false, details: { status: 422 } });
    expect(calls).toHaveLength(1);
  });

  it('maps 404 to KIOSK_E_BILL_NOT_FOUND and a 409 without billerRef to unavailable', async () => {
    await expect(gateway([json(404, {})]).gw.post(POST)).rejects.toMatchObject({ code: 'KIOSK_E_BILL_NOT_FOUND' });
    await expect(gateway([json(409, { error: 'dup' })], { retries: 0 }).gw.post(POST))
      .rejects.toMatchObject({ code: 'KIOSK_E_BILLER_UNAVAILABLE' });
  });

  it('refuses to send a zero, fractional or currency-less amount', async () => {
    for (const bad of [{ ...POST, amount: 0 }, { ...POST, amount: 12.5 }, { ...POST, currency: 'cny' }, { ...POST, txId: '' }]) {
      const { gw, calls } = gateway([]);
      await expect(gw.post(bad)).rejects.toMatchObject({ code: 'KIOSK_E_INTERNAL' });
      expect(calls).toHaveLength(0);
    }
  });
});

describe('HttpBillerGateway.cancel', () => {
  it('POSTs to /v1/payments/<txId>/cancel and reports whether anything was undone', async () => {
    const { gw, calls } = gateway([json(200, { cancelled: true }), json(404, {})]);
    await expect(gw.cancel('tx/1')).resolves.toEqual({ cancelled: true });
    expect(calls[0]?.url).toBe('http://biller.test/api/v1/payments/tx%2F1/cancel');
    await expect(gw.cancel('tx/1')).resolves.toEqual({ cancelled: false });
  });

  it('maps 409 to KIOSK_E_BILLER_REFUSED', async () => {
    await expect(gateway([json(409, {})]).gw.cancel('tx-1')).rejects.toMatchObject({ code: 'KIOSK_E_BILLER_REFUSED' });
  });
});

describe('HttpBillerGateway config', () => {
  it.each([
    { baseUrl: 'ftp://x', timeoutMs: 1, retries: 0 },
    { baseUrl: 'http://x', timeoutMs: 0, retries: 0 },
    { baseUrl: 'http://x', timeoutMs: 1, retries: -1 },
    { baseUrl: 'http://x', timeoutMs: 1, retries: 1.5 },
  ])('rejects %j', (config) => {
    expect(() => new HttpBillerGateway(config)).toThrow(expect.objectContaining({ code: 'KIOSK_E_CONFIG_INVALID' }));
  });
});
