import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CardPaymentEvents, DeviceStatus } from '../../src/hal/index.js';
import { openRig, makeRig, type Rig } from './rig.js';

let rig: Rig | undefined;
afterEach(async () => { await rig?.dispose(); rig = undefined; });

const CNY = 'CNY';

async function setup(opts: Parameters<typeof openRig>[0] = {}): Promise<Rig> {
  rig = await openRig(opts);
  return rig;
}

function events(r: Rig): { intermediate: CardPaymentEvents['intermediate'][]; status: DeviceStatus[] } {
  const out = { intermediate: [] as CardPaymentEvents['intermediate'][], status: [] as DeviceStatus[] };
  r.t.on('intermediate', (e) => out.intermediate.push(e));
  r.t.on('status', (s) => out.status.push(s));
  return out;
}

describe('wallet tender ↔ simulated gateway: the happy paths', () => {
  it('approve → confirm: the customer paid once and the order is confirmed', async () => {
    const { t, sim } = await setup();
    const code = sim.issueCode('wechat', 'alice');
    const r = await t.authorize({ amount: 4560, currency: CNY, ref: 'tx-1', paymentCode: code });
    expect(r).toMatchObject({ outcome: 'approved', ref: 'tx-1', amount: 4560, cardType: 'wechat', last4: code.slice(-4) });
    expect(r.authCode).toMatch(/^SIM/);
    expect(sim.order('tx-1')).toMatchObject({ status: 'paid', charged: 4560, account: 'alice' });
    await t.commit('tx-1');
    await t.commit('tx-1'); // idempotent
    expect(sim.order('tx-1')?.status).toBe('confirmed');
    expect(sim.balance('alice')).toBe(4560);
    expect(t.transactionState('tx-1')).toBe('confirmed');
    expect(sim.requests.filter((q) => q.path === '/v1/wallet/pay').map((q) => q.idempotencyKey)).toEqual(['tx-1']);
  });

  it('approve → void: the customer is refunded at the gateway; commit afterwards is refused', async () => {
    const { t, sim } = await setup();
    const r = await t.authorize({ amount: 1200, currency: CNY, ref: 'tx-2', paymentCode: sim.issueCode('alipay', 'bob') });
    expect(r.outcome).toBe('approved');
    expect(sim.balance('bob')).toBe(1200);
    await t.void('tx-2');
    await t.void('tx-2'); // idempotent
    expect(sim.order('tx-2')).toMatchObject({ status: 'reversed', charged: 1200, refunded: 1200 });
    expect(sim.balance('bob')).toBe(0);
    await expect(t.commit('tx-2')).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
    expect(await t.queryLastResult('tx-2')).toMatchObject({ outcome: 'aborted', reason: 'reversed' });
  });

  it('a confirmed order can still be voided (refunded)', async () => {
    const { t, sim } = await setup();
    await t.authorize({ amount: 300, currency: CNY, ref: 'tx-3', paymentCode: sim.issueCode('unionpay', 'carol') });
    await t.commit('tx-3');
    await t.void('tx-3');
    expect(sim.order('tx-3')?.status).toBe('reversed');
    expect(sim.balance('carol')).toBe(0);
  });

  it('decline: declined with the gateway reason, nothing taken; void is harmless', async () => {
    const { t, sim } = await setup();
    sim.setMode('decline');
    const r = await t.authorize({ amount: 999, currency: CNY, ref: 'tx-4', paymentCode: sim.issueCode('wechat', 'dave') });
    expect(r).toMatchObject({ outcome: 'declined', reason: 'NOTENOUGH' });
    await t.void('tx-4');
    expect(t.transactionState('tx-4')).toBe('declined');
    expect(sim.balance('dave')).toBe(0);
    expect(sim.totalTaken()).toBe(0);
  });

  it('userpaying → polled → approved, with the "confirm on your phone" prompt', async () => {
    const { t, sim } = await setup({ tender: { maxQueryMs: 10_000 } });
    const ev = events(rig!);
    sim.setMode('userpaying');
    sim.setUserPayingQueries(3);
    const r = await t.authorize({ amount: 2500, currency: CNY, ref: 'tx-5', paymentCode: sim.issueCode('alipay', 'erin') });
    expect(r.outcome).toBe('approved');
    expect(ev.intermediate).toEqual([{ code: 1, text: '请在手机上确认支付' }]);
    expect(sim.order('tx-5')?.queries).toBe(3);
    expect(t.statistics()['userPaying']).toBe(1);
    await t.commit('tx-5');
    expect(sim.balance('erin')).toBe(2500);
  });

  it('userpaying that never ends → unknown (user-paying) → void closes the order, nothing taken', async () => {
    const { t, sim } = await setup();
    sim.setMode('userpaying');
    sim.setUserPayingQueries(10_000);
    const r = await t.authorize({ amount: 800, currency: CNY, ref: 'tx-6', paymentCode: sim.issueCode('wechat', 'finn') });
    expect(r).toMatchObject({ outcome: 'unknown', reason: 'user-paying' });
    await t.void('tx-6');
    expect(sim.order('tx-6')).toMatchObject({ status: 'reversed', charged: 0 });
    expect(sim.balance('finn')).toBe(0);
  });

  it('the customer cancels while confirming on the phone: void during authorize → aborted, order closed', async () => {
    const { t, sim } = await setup();
    sim.setMode('userpaying');
    sim.setUserPayingQueries(10_000);
    const prompted = new Promise<void>((resolve) => { t.on('intermediate', () => resolve()); });
    const running = t.authorize({ amount: 1500, currency: CNY, ref: 'tx-7', paymentCode: sim.issueCode('wechat', 'gina') });
    await prompted;
    await t.void('tx-7');
    await expect(running).resolves.toMatchObject({ outcome: 'aborted', reason: 'kiosk-abort' });
    expect(sim.order('tx-7')?.status).toBe('reversed');
    expect(sim.balance('gina')).toBe(0);
    // a late confirmation on the phone cannot pay a closed order
    sim.setMode('approve');
    await expect(t.commit('tx-7')).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
  });
});

describe('wallet tender ↔ simulated gateway: lost and late answers', () => {
  it('lost answer → the order query finds it paid → confirm', async () => {
    const { t, sim } = await setup({ tender: { maxQueryMs: 10_000 } });
    const ev = events(rig!);
    sim.setMode('lost-answer');
    const r = await t.authorize({ amount: 3300, currency: CNY, ref: 'tx-8', paymentCode: sim.issueCode('wechat', 'hank') });
    expect(r.outcome).toBe('approved');
    expect(ev.intermediate.map((e) => e.code)).toEqual([2]);
    // the lost answer degraded the status; the next good answer restored it
    expect(ev.status.map((s) => s.state)).toEqual(['degraded', 'online']);
    await t.commit('tx-8');
    expect(sim.order('tx-8')?.status).toBe('confirmed');
    expect(sim.balance('hank')).toBe(3300);
  });

  it('lost answer and the gateway stays down → unknown → void (once it is back) refunds', async () => {
    const { t, sim } = await setup();
    sim.setMode('lost-answer', { then: 'down' });
    const r = await t.authorize({ amount: 4100, currency: CNY, ref: 'tx-9', paymentCode: sim.issueCode('alipay', 'ivy') });
    expect(r).toMatchObject({ outcome: 'unknown', ref: 'tx-9', amount: 4100 });
    expect(sim.balance('ivy')).toBe(4100); // the gateway did take the money
    await expect(t.void('tx-9')).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_TIMEOUT', retryable: true });
    sim.setMode('approve');
    await t.void('tx-9');
    expect(sim.order('tx-9')).toMatchObject({ status: 'reversed', refunded: 4100 });
    expect(sim.balance('ivy')).toBe(0);
    expect(await t.queryLastResult('tx-9')).toMatchObject({ outcome: 'aborted' });
  });

  it('slow but within the timeout: approved', async () => {
    const { t, sim } = await setup({ tender: { timeoutMs: 5_000 } });
    sim.setMode('slow', { slowMs: 50 });
    const r = await t.authorize({ amount: 700, currency: CNY, ref: 'tx-10', paymentCode: sim.issueCode('wechat', 'jack') });
    expect(r.outcome).toBe('approved');
  });

  it('slower than the timeout, queries too: unknown → void refunds', async () => {
    const { t, sim } = await setup({ tender: { timeoutMs: 60 } });
    sim.setMode('slow', { slowMs: 5_000 });
    const r = await t.authorize({ amount: 650, currency: CNY, ref: 'tx-11', paymentCode: sim.issueCode('wechat', 'kim') });
    expect(r).toMatchObject({ outcome: 'unknown', reason: 'timeout' });
    expect(t.statistics()['timeouts']).toBeGreaterThanOrEqual(2);
    sim.setMode('approve');
    await t.void('tx-11');
    expect(sim.balance('kim')).toBe(0);
  });

  it.each(['html', 'shape', 'wrong-ref', 'wrong-amount'] as const)('garbage (%s) → unknown, never approved → void refunds', async (kind) => {
    const { t, sim } = await setup();
    sim.setMode('garbage', { garbage: kind });
    const r = await t.authorize({ amount: 1999, currency: CNY, ref: `tx-g-${kind}`, paymentCode: sim.issueCode('wechat', 'lea') });
    expect(r).toMatchObject({ outcome: 'unknown', reason: 'protocol-error' });
    expect(t.statistics()['protocolErrors']).toBeGreaterThanOrEqual(1);
    expect(sim.balance('lea')).toBe(1999);
    sim.setMode('approve');
    await t.void(`tx-g-${kind}`);
    expect(sim.balance('lea')).toBe(0);
  });

  it('garbage to a query after a restart: KIOSK_E_DEVICE_PROTOCOL', async () => {
    const { t, sim } = await setup();
    await t.authorize({ amount: 100, currency: CNY, ref: 'tx-12', paymentCode: sim.issueCode('wechat') });
    sim.setMode('garbage', { garbage: 'wrong-ref' });
    await expect(rig!.fresh().queryLastResult('tx-12')).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_PROTOCOL' });
  });

  it('the gateway auto-reverses an order not confirmed within its window: commit is refused, money back', async () => {
    let now = 1_000_000;
    const { t, sim } = await setup({ sim: { now: () => now, confirmWindowMs: 60_000 } });
    expect(t.confirmationWindowMs()).toBe(60_000);
    await t.authorize({ amount: 5000, currency: CNY, ref: 'tx-13', paymentCode: sim.issueCode('wechat', 'max') });
    now += 60_001;
    await expect(t.commit('tx-13')).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE', details: { status: 409, order: 'REVERSED' } });
    expect(sim.order('tx-13')).toMatchObject({ status: 'reversed', autoReversed: true });
    expect(sim.balance('max')).toBe(0);
    expect(t.transactionState('tx-13')).toBe('reversed');
  });
});

describe('idempotency: a retry never charges twice', () => {
  it('the same ref again (same tender, a restarted tender, a raw repeat) is one order and one charge', async () => {
    const { t, sim } = await setup();
    const code = sim.issueCode('wechat', 'nina');
    const req = { amount: 2100, currency: CNY, ref: 'tx-20', paymentCode: code };
    sim.setMode('lost-answer');
    expect((await t.authorize(req)).outcome).toBe('approved');
    sim.setMode('approve');
    expect((await t.authorize(req)).outcome).toBe('approved');
    const restarted = rig!.fresh();
    await restarted.open();
    await restarted.enable();
    expect((await restarted.authorize(req)).outcome).toBe('approved');
    const raw = await fetch(`${sim.url}/v1/wallet/pay`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'tx-20' },
      body: JSON.stringify({ ref: 'tx-20', amount: 2100, currency: CNY, paymentCode: code }),
    });
    expect(raw.status).toBe(200);
    expect(sim.orders().filter((o) => o.ref === 'tx-20')).toHaveLength(1);
    expect(sim.balance('nina')).toBe(2100);
    await restarted.commit('tx-20');
    expect(sim.balance('nina')).toBe(2100);
  });

  it('the same ref with another code is refused (ref-conflict) and leaves the first payment alone', async () => {
    const { t, sim } = await setup();
    await t.authorize({ amount: 900, currency: CNY, ref: 'tx-21', paymentCode: sim.issueCode('wechat', 'omar') });
    const other = rig!.fresh();
    await other.open();
    await other.enable();
    const r = await other.authorize({ amount: 900, currency: CNY, ref: 'tx-21', paymentCode: sim.issueCode('wechat', 'pia') });
    expect(r).toMatchObject({ outcome: 'declined', reason: 'ref-conflict' });
    expect(sim.balances()).toEqual({ omar: 900 });
  });

  it('a ref voided before its payment arrived stays closed: the late payment takes nothing', async () => {
    const { t, sim } = await setup();
    await t.void('tx-22');
    const r = await t.authorize({ amount: 400, currency: CNY, ref: 'tx-22', paymentCode: sim.issueCode('alipay', 'quin') });
    expect(r.outcome).toBe('aborted');
    expect(sim.balance('quin')).toBe(0);
  });

  it('a payment code pays once: the same code under a new ref is declined', async () => {
    const { t, sim } = await setup();
    const code = sim.issueCode('wechat', 'rita');
    expect((await t.authorize({ amount: 100, currency: CNY, ref: 'tx-23', paymentCode: code })).outcome).toBe('approved');
    expect(await t.authorize({ amount: 100, currency: CNY, ref: 'tx-24', paymentCode: code })).toMatchObject({ outcome: 'declined', reason: 'AUTHCODE_USED' });
    expect(sim.balance('rita')).toBe(100);
  });
});

describe('requests the tender refuses, and unreachable gateways', () => {
  it('a bill barcode or text is no payment code: declined without asking the gateway, the ref stays usable', async () => {
    const { t, sim } = await setup();
    for (const paymentCode of ['370001234567892025070004', ']C14156901234000016802012345678202507', 'hello', undefined]) {
      const r = await t.authorize({ amount: 100, currency: CNY, ref: 'tx-30', ...(paymentCode === undefined ? {} : { paymentCode }) });
      expect(r).toMatchObject({ outcome: 'declined', reason: 'not-a-payment-code' });
    }
    expect(sim.requests.some((q) => q.path === '/v1/wallet/pay')).toBe(false);
    expect((await t.authorize({ amount: 100, currency: CNY, ref: 'tx-30', paymentCode: sim.issueCode('wechat') })).outcome).toBe('approved');
  });

  it('a wallet this kiosk does not accept is declined without asking the gateway', async () => {
    const { t, sim } = await setup({ tender: { wallets: ['wechat'] } });
    const r = await t.authorize({ amount: 100, currency: CNY, ref: 'tx-31', paymentCode: sim.issueCode('alipay') });
    expect(r).toMatchObject({ outcome: 'declined', reason: 'wallet-not-accepted', cardType: 'alipay' });
    expect(sim.requests.some((q) => q.path === '/v1/wallet/pay')).toBe(false);
  });

  it('wrong currency, a malformed request, a disabled tender', async () => {
    const { t, sim } = await setup();
    const paymentCode = sim.issueCode('wechat');
    await expect(t.authorize({ amount: 100, currency: 'EUR', ref: 'a', paymentCode })).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_CURRENCY' });
    await expect(t.authorize({ amount: 0, currency: CNY, ref: 'a', paymentCode })).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
    await expect(t.authorize({ amount: 1.5, currency: CNY, ref: 'a', paymentCode })).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
    await t.disable();
    await expect(t.authorize({ amount: 100, currency: CNY, ref: 'a', paymentCode })).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
  });

  it('a reversal that cannot be confirmed is retried with backoff, then KIOSK_E_DEVICE_TIMEOUT (retryable)', async () => {
    const { t, sim } = await setup();
    sim.setMode('down');
    await expect(t.void('tx-40')).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_TIMEOUT', retryable: true, details: { attempts: 3, last: 'KIOSK_E_DEVICE_OFFLINE' } });
    expect(sim.requests.filter((q) => q.path === '/v1/wallet/orders/tx-40/reverse')).toHaveLength(3);
    sim.setMode('garbage');
    await expect(t.void('tx-40')).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_TIMEOUT', details: { last: 'KIOSK_E_DEVICE_PROTOCOL' } });
  });

  it('a confirm that cannot reach the gateway fails retryable and succeeds later', async () => {
    const { t, sim } = await setup();
    await t.authorize({ amount: 100, currency: CNY, ref: 'tx-41', paymentCode: sim.issueCode('wechat', 'sam') });
    sim.setMode('down');
    await expect(t.commit('tx-41')).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_OFFLINE', retryable: true });
    sim.setMode('approve');
    await t.commit('tx-41');
    expect(sim.order('tx-41')?.status).toBe('confirmed');
  });

  it('after a restart, queryLastResult asks the gateway', async () => {
    const { t, sim } = await setup();
    await t.authorize({ amount: 1234, currency: CNY, ref: 'tx-42', paymentCode: sim.issueCode('unionpay') });
    const restarted = rig!.fresh();
    expect(await restarted.queryLastResult()).toBeUndefined();
    expect(await restarted.queryLastResult('tx-42')).toMatchObject({ outcome: 'approved', amount: 1234, ref: 'tx-42' });
    expect(await restarted.queryLastResult('tx-none')).toBeUndefined();
    await restarted.void('tx-42');
    expect(sim.totalTaken()).toBe(0);
  });
});

describe('lifecycle', () => {
  it('open checks health; checkHealth follows the gateway (degraded, down, unreachable)', async () => {
    rig = await makeRig();
    const { t, sim } = rig;
    const ev = events(rig);
    expect(t.status().state).toBe('offline');
    await t.open();
    expect(t.status()).toMatchObject({ state: 'online' });
    expect(await t.identify()).toMatchObject({ serial: 'wallet-sim', firmware: '1.0', protocol: 'kioskd-wallet/1' });
    sim.setHealth('degraded');
    expect(await t.checkHealth()).toMatchObject({ ok: true, status: { state: 'degraded' } });
    sim.setHealth('down');
    expect(await t.checkHealth()).toMatchObject({ ok: false, status: { state: 'offline', reason: 'gateway-down' } });
    sim.setHealth('ok');
    sim.setMode('down');
    expect(await t.checkHealth()).toMatchObject({ ok: false, status: { state: 'offline', reason: 'no-reply' } });
    sim.setMode('approve');
    expect((await t.checkHealth()).ok).toBe(true);
    await t.close();
    expect(ev.status.map((s) => `${s.state}/${s.reason}`)).toEqual([
      'online/ok', 'degraded/gateway-degraded', 'offline/gateway-down', 'offline/no-reply', 'online/ok', 'offline/closed',
    ]);
    expect(t.statistics()['healthFailures']).toBe(2);
  });

  it('open fails with KIOSK_E_DEVICE_OFFLINE when nothing listens, _PROTOCOL on garbage', async () => {
    rig = await makeRig();
    rig.sim.setMode('garbage');
    await expect(rig.t.open()).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_PROTOCOL' });
    await rig.sim.close();
    await expect(rig.t.open()).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_OFFLINE', retryable: true });
    expect(rig.t.status()).toMatchObject({ state: 'offline', reason: 'no-reply' });
    await expect(rig.t.enable()).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
    rig = undefined;
  });
});

describe('abort()', () => {
  it('voids the running authorisation', async () => {
    const { t, sim } = await setup();
    sim.setMode('userpaying');
    sim.setUserPayingQueries(10_000);
    const running = t.authorize({ amount: 100, currency: CNY, ref: 'tx-50', paymentCode: sim.issueCode('wechat', 'tom') });
    await vi.waitFor(() => expect(sim.order('tx-50')?.status).toBe('userpaying'));
    await t.abort();
    expect((await running).outcome).toBe('aborted');
    expect(sim.balance('tom')).toBe(0);
  });
});
