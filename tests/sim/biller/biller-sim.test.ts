import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HttpBillerGateway, parseBillBarcode, SAMPLE_BILLERS, type BillerGatewayConfig } from '../../../src/billing/index.js';
import { SIM_POWER, SIM_WATER } from './book.js';
import { startBillerSim, type BillerSim } from './index.js';

let sim: BillerSim;

beforeEach(async () => { sim = await startBillerSim(); });
afterEach(async () => { await sim.close(); });

function client(config: Partial<BillerGatewayConfig> = {}): HttpBillerGateway {
  return new HttpBillerGateway({ baseUrl: sim.url, timeoutMs: 2000, retries: 0, ...config }, { sleep: async () => {} });
}

function sample(kind: 'bill' | 'unknown-bill' | 'damaged', billerId?: string) {
  const s = sim.sampleBarcodes().find((b) => b.kind === kind && (billerId === undefined || b.billerId === billerId));
  if (s === undefined) throw new Error(`no ${kind} sample`);
  return s;
}

const POST = { txId: 'tx-0001', billRef: 'WC-202506-1', billerId: 'water-city', account: '000123456789', amount: 4560, currency: 'CNY', partial: false };

describe('biller simulator vs. the kiosk side', () => {
  it('serves the same billers as SAMPLE_BILLERS', () => {
    expect(SAMPLE_BILLERS).toContainEqual({ billerId: SIM_POWER.billerId, name: SIM_POWER.name, gln: SIM_POWER.gln });
    expect(SAMPLE_BILLERS).toContainEqual({ billerId: SIM_WATER.billerId, name: SIM_WATER.name, numericPrefix: SIM_WATER.prefix });
  });

  it('every seeded bill barcode (the sim\'s own encoder) parses and looks up over HTTP', async () => {
    const bills = sim.sampleBarcodes().filter((s) => s.kind === 'bill');
    expect(new Set(bills.map((b) => b.billerId))).toEqual(new Set(['power-east', 'water-city']));
    const gw = client();
    for (const s of bills) {
      const parsed = parseBillBarcode(s.code, SAMPLE_BILLERS);
      expect(parsed).toMatchObject({ billerId: s.billerId, account: s.account, period: s.period });
      const bill = await gw.lookup(parsed);
      expect(bill).toMatchObject({ billerId: s.billerId, account: s.account, period: s.period, currency: 'CNY' });
      if (parsed.amountHint !== undefined) expect(bill.due).toBe(parsed.amountHint);
    }
  });

  it('the damaged sample fails the check digit; the unknown one is not found', async () => {
    expect(() => parseBillBarcode(sample('damaged').code, SAMPLE_BILLERS)).toThrow(expect.objectContaining({ code: 'KIOSK_E_BARCODE_CHECK' }));
    const parsed = parseBillBarcode(sample('unknown-bill').code, SAMPLE_BILLERS);
    await expect(client().lookup(parsed)).rejects.toMatchObject({ code: 'KIOSK_E_BILL_NOT_FOUND' });
  });

  it('without a period, returns the newest bill of the account', async () => {
    const bill = await client().lookup({ billerId: 'power-east', account: 'E0012345678', format: 'gs1-128', raw: '' });
    expect(bill.period).toBe('202507');
  });

  it('down: connections dropped → retryable KIOSK_E_BILLER_UNAVAILABLE, retried', async () => {
    sim.setMode('down');
    const parsed = parseBillBarcode(sample('bill', 'water-city').code, SAMPLE_BILLERS);
    await expect(client({ retries: 2 }).lookup(parsed)).rejects.toMatchObject({ code: 'KIOSK_E_BILLER_UNAVAILABLE', retryable: true });
    expect(sim.requests).toHaveLength(3);
  });

  it('connection refused → KIOSK_E_BILLER_UNAVAILABLE', async () => {
    const url = sim.url;
    await sim.close();
    const gw = new HttpBillerGateway({ baseUrl: url, timeoutMs: 2000, retries: 1 }, { sleep: async () => {} });
    await expect(gw.lookup(parseBillBarcode(sample('bill').code, SAMPLE_BILLERS)))
      .rejects.toMatchObject({ code: 'KIOSK_E_BILLER_UNAVAILABLE', details: { reason: 'network', attempts: 2 } });
    sim = await startBillerSim(); // for afterEach
  });

  it('slow: the client times out → KIOSK_E_BILLER_UNAVAILABLE', async () => {
    sim.setMode('slow', 30_000);
    const parsed = parseBillBarcode(sample('bill').code, SAMPLE_BILLERS);
    await expect(client({ timeoutMs: 200 }).lookup(parsed))
      .rejects.toMatchObject({ code: 'KIOSK_E_BILLER_UNAVAILABLE', details: { reason: 'timeout' } });
  });

  it('garbage: an HTML reply → KIOSK_E_BILLER_UNAVAILABLE', async () => {
    sim.setMode('garbage');
    const parsed = parseBillBarcode(sample('bill').code, SAMPLE_BILLERS);
    await expect(client().lookup(parsed)).rejects.toMatchObject({ code: 'KIOSK_E_BILLER_UNAVAILABLE', details: { reason: 'not-json' } });
    await expect(client().post(POST)).rejects.toMatchObject({ code: 'KIOSK_E_BILLER_UNAVAILABLE' });
  });

  it('refuse: postings → KIOSK_E_BILLER_REFUSED, nothing posted, lookups still work', async () => {
    sim.setMode('refuse');
    await expect(client({ retries: 3 }).post(POST)).rejects.toMatchObject({ code: 'KIOSK_E_BILLER_REFUSED', retryable: false });
    expect(sim.postings).toHaveLength(0);
    expect(sim.requests).toHaveLength(1);
    await expect(client().lookup(parseBillBarcode(sample('bill').code, SAMPLE_BILLERS))).resolves.toBeDefined();
  });
});

describe('posting through the simulator', () => {
  it('two posts with the same txId make one posting and return the same billerRef', async () => {
    const gw = client();
    const first = await gw.post(POST);
    const second = await gw.post(POST);
    expect(second).toEqual(first);
    expect(sim.postings).toHaveLength(1);
    expect(sim.postings[0]).toMatchObject({ txId: 'tx-0001', billerId: 'water-city', account: '000123456789', amount: 4560, partial: false });
    expect(sim.requests.map((r) => r.idempotencyKey)).toEqual(['tx-0001', 'tx-0001']);
  });

  it('a reused key with another body gets 409 and still the original billerRef', async () => {
    const gw = client();
    const first = await gw.post(POST);
    await expect(gw.post({ ...POST, amount: 100, partial: true })).resolves.toEqual(first);
    expect(sim.postings).toHaveLength(1);
  });

  it('a posting whose reply was lost is not repeated by the retry', async () => {
    sim.setMode('slow', 30_000);
    await expect(client({ timeoutMs: 200 }).post(POST)).rejects.toMatchObject({ code: 'KIOSK_E_BILLER_UNAVAILABLE' });
    await vi.waitFor(() => expect(sim.postings).toHaveLength(1));
    sim.setMode('ok');
    const retried = await client().post(POST);
    expect(retried.billerRef).toBe(sim.postings[0]?.billerRef);
    expect(sim.postings).toHaveLength(1);
  });

  it('different txIds post separately; the bill shows what is still due', async () => {
    const gw = client();
    await gw.post({ ...POST, txId: 'a', amount: 1000, partial: true });
    await gw.post({ ...POST, txId: 'b', amount: 500, partial: true });
    expect(sim.postings.map((p) => p.txId)).toEqual(['a', 'b']);
    const bill = await gw.lookup(parseBillBarcode(sample('bill', 'water-city').code, SAMPLE_BILLERS));
    expect(bill.due).toBe(4560 - 1500);
  });

  it('an unknown billRef → KIOSK_E_BILL_NOT_FOUND; a mismatched account → refused', async () => {
    const gw = client();
    await expect(gw.post({ ...POST, billRef: 'nope' })).rejects.toMatchObject({ code: 'KIOSK_E_BILL_NOT_FOUND' });
    await expect(gw.post({ ...POST, account: '000000000000' })).rejects.toMatchObject({ code: 'KIOSK_E_BILLER_REFUSED' });
    expect(sim.postings).toHaveLength(0);
  });

  it('cancel undoes a posting once and reports nothing for unknown keys', async () => {
    const gw = client();
    await gw.post(POST);
    await expect(gw.cancel('tx-0001')).resolves.toEqual({ cancelled: true });
    await expect(gw.cancel('tx-0001')).resolves.toEqual({ cancelled: true });
    await expect(gw.cancel('tx-none')).resolves.toEqual({ cancelled: false });
    expect(sim.postings[0]?.cancelled).toBe(true);
  });
});
