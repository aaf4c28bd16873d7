import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../hal/index.js';
import { WalletConfigSchema, createWalletTender } from './config.js';

describe('WalletConfigSchema', () => {
  it('fills the defaults', () => {
    expect(WalletConfigSchema.parse({ driver: 'wallet', gatewayUrl: 'https://wallet.example/api' })).toEqual({
      driver: 'wallet', gatewayUrl: 'https://wallet.example/api', timeoutMs: 5000, queryIntervalMs: 2000, maxQueryMs: 60_000,
      wallets: ['wechat', 'alipay', 'unionpay'], retries: 4, backoffMs: 500,
    });
  });

  it('rejects unknown keys, other URL schemes, unknown wallets and a query window shorter than its interval', () => {
    const ok = { driver: 'wallet', gatewayUrl: 'http://127.0.0.1:8080' };
    expect(WalletConfigSchema.safeParse(ok).success).toBe(true);
    const issues = (v: unknown) => WalletConfigSchema.safeParse(v).error?.issues.map((i) => i.path.join('.'));
    expect(issues({ ...ok, apiKey: 'x' })).toEqual(['']);
    expect(issues({ ...ok, gatewayUrl: 'ftp://wallet.example' })).toEqual(['gatewayUrl']);
    expect(issues({ ...ok, wallets: ['paypal'] })).toEqual(['wallets.0']);
    expect(issues({ ...ok, wallets: [] })).toEqual(['wallets']);
    expect(issues({ ...ok, wallets: ['wechat', 'wechat'] })).toEqual(['wallets']);
    expect(issues({ ...ok, queryIntervalMs: 5000, maxQueryMs: 2000 })).toEqual(['maxQueryMs']);
    expect(issues({ ...ok, timeoutMs: 1.5 })).toEqual(['timeoutMs']);
  });
});

describe('createWalletTender', () => {
  it('builds the tender (kind cardPayment, id wallet) that talks through the injected fetch', async () => {
    const urls: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      urls.push(String(input));
      return new Response(JSON.stringify({ status: 'ok', gateway: 'gw-7', version: '3' }), { status: 200 });
    };
    const clock = new ManualClock();
    const cfg = WalletConfigSchema.parse({ driver: 'wallet', gatewayUrl: 'https://wallet.example/api/', wallets: ['wechat'] });
    const t = createWalletTender(cfg, { clock, timers: clock, logger: pino({ level: 'silent' }), currency: 'CNY', fetch: fakeFetch });
    expect(t.kind).toBe('cardPayment');
    expect(t.id).toBe('wallet');
    await t.open();
    expect(urls).toEqual(['https://wallet.example/api/v1/wallet/health']);
    expect(t.status().state).toBe('online');
    expect(await t.identify()).toMatchObject({ serial: 'gw-7', firmware: '3', extra: { wallets: 'wechat' } });
  });
});
