import { describe, expect, it } from 'vitest';
import { FakeCardPayment } from './card-payment.js';

async function ready(mode?: ConstructorParameters<typeof FakeCardPayment>[0]): Promise<FakeCardPayment> {
  const c = new FakeCardPayment(mode);
  await c.open();
  await c.enable();
  return c;
}

const req = { amount: 12_345, currency: 'CNY', ref: 'tx-1' } as const;

describe('FakeCardPayment', () => {
  it('approves, commits idempotently, and cannot void a committed payment', async () => {
    const c = await ready();
    const texts: string[] = [];
    c.on('intermediate', (i) => { texts.push(i.text); });
    const r = await c.authorize(req);
    expect(r).toMatchObject({ outcome: 'approved', ref: 'tx-1', amount: 12_345, cardType: 'UnionPay' });
    expect(r.last4).toMatch(/^\d{4}$/);
    expect(texts.length).toBeGreaterThan(0);
    await c.commit('tx-1');
    await c.commit('tx-1');
    expect(c.transactionState('tx-1')).toBe('committed');
    await expect(c.void('tx-1')).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
    expect(c.statistics()).toMatchObject({ authorizations: 1, approved: 1, commits: 1, voids: 0 });
  });

  it('voids an approval; a voided or declined ref cannot be committed', async () => {
    const c = await ready();
    await c.authorize(req);
    await c.void('tx-1');
    await c.void('tx-1');
    expect(c.transactionState('tx-1')).toBe('voided');
    await expect(c.commit('tx-1')).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
    c.setMode('decline');
    expect((await c.authorize({ ...req, ref: 'tx-2' })).outcome).toBe('declined');
    await expect(c.commit('tx-2')).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
    await c.void('tx-2');
    await c.void('never-seen');
    expect(c.statistics().voids).toBe(1);
  });

  it('reports timeout and abort outcomes', async () => {
    const c = await ready({ mode: 'timeout' });
    expect((await c.authorize(req)).outcome).toBe('timeout');
    c.setMode('abort');
    expect((await c.authorize({ ...req, ref: 'tx-2' })).outcome).toBe('aborted');
  });

  it('is idempotent per ref', async () => {
    const c = await ready();
    const first = await c.authorize(req);
    c.setMode('decline');
    expect(await c.authorize(req)).toEqual(first);
    expect(c.statistics().authorizations).toBe(1);
  });

  it('after a lost reply, queryLastResult tells the approval', async () => {
    const c = await ready({ mode: 'no-reply' });
    await expect(c.authorize(req)).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_TIMEOUT', retryable: true });
    expect(await c.queryLastResult('tx-1')).toMatchObject({ outcome: 'approved', ref: 'tx-1' });
    expect(await c.queryLastResult()).toMatchObject({ ref: 'tx-1' });
    expect(await c.queryLastResult('other')).toBeUndefined();
  });

  it('holds an authorization until released, refusing a second one meanwhile', async () => {
    const c = await ready({ mode: 'hold' });
    const pending = c.authorize(req);
    await Promise.resolve();
    expect(c.heldRequest()?.ref).toBe('tx-1');
    await expect(c.authorize({ ...req, ref: 'tx-2' })).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
    c.release('decline');
    expect((await pending).outcome).toBe('declined');
  });

  it('a held authorization fails as disconnected when the terminal goes away', async () => {
    const c = await ready({ mode: 'hold' });
    const pending = c.authorize(req);
    c.unplug();
    await expect(pending).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_OFFLINE', disconnected: true });
    expect(c.transactionState('tx-1')).toBeUndefined();
  });

  it('needs an enabled device, a sane amount and its own currency', async () => {
    const c = new FakeCardPayment();
    await c.open();
    await expect(c.authorize(req)).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
    await c.enable();
    await expect(c.authorize({ ...req, amount: 1.5 })).rejects.toMatchObject({ code: 'KIOSK_E_INTERNAL' });
    await expect(c.authorize({ ...req, currency: 'EUR' })).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_CURRENCY' });
  });
});
