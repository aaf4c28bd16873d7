import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock, Timers } from '../../hal/index.js';
import { WalletTender } from './tender.js';

const int = (min: number, max: number): z.ZodNumber =>
  z.number().int({ error: 'must be an integer' }).min(min, { error: `must be >= ${min}` }).max(max, { error: `must be <= ${max}` });

/** `wallet` tender entry: payment codes charged at a wallet gateway (see tender.ts for its HTTP API). */
export const WalletConfigSchema = z
  .strictObject({
    driver: z.literal('wallet'),
    /** Base URL of the wallet gateway; `/v1/wallet/...` is appended. */
    gatewayUrl: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
    /** Per HTTP exchange. */
    timeoutMs: int(100, 60_000).default(5000),
    /** Between order queries while the customer confirms on the phone or an answer was lost. */
    queryIntervalMs: int(100, 30_000).default(2000),
    /** How long an authorisation keeps querying before its outcome is unknown (and voided). */
    maxQueryMs: int(1000, 600_000).default(60_000),
    /** Wallets this kiosk accepts. */
    wallets: z.array(z.enum(['wechat', 'alipay', 'unionpay'])).min(1).default(['wechat', 'alipay', 'unionpay']),
    /** Extra attempts of confirm, reverse and order queries, with backoff from `backoffMs` (doubling up to 8×). */
    retries: int(0, 20).default(4),
    backoffMs: int(0, 60_000).default(500),
  })
  .superRefine((c, ctx) => {
    if (c.maxQueryMs < c.queryIntervalMs) {
      ctx.addIssue({ code: 'custom', path: ['maxQueryMs'], message: 'must be >= queryIntervalMs' });
    }
    if (new Set(c.wallets).size !== c.wallets.length) {
      ctx.addIssue({ code: 'custom', path: ['wallets'], message: 'must not repeat a wallet' });
    }
  });

export type WalletConfig = z.infer<typeof WalletConfigSchema>;

export interface WalletContext {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** The terminal currency (ISO 4217), from the kiosk's config. */
  readonly currency: string;
  /** Defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Device id. Defaults to `wallet`. */
  readonly id?: string;
}

/** Builds the wallet tender from a parsed `WalletConfig`. */
export function createWalletTender(cfg: WalletConfig, ctx: WalletContext): WalletTender {
  return new WalletTender({
    id: ctx.id ?? 'wallet',
    baseUrl: cfg.gatewayUrl,
    timeoutMs: cfg.timeoutMs,
    queryIntervalMs: cfg.queryIntervalMs,
    maxQueryMs: cfg.maxQueryMs,
    wallets: cfg.wallets,
    retries: cfg.retries,
    backoffMs: cfg.backoffMs,
    currency: ctx.currency,
    clock: ctx.clock,
    timers: ctx.timers,
    logger: ctx.logger,
    ...(ctx.fetch === undefined ? {} : { fetch: ctx.fetch }),
  });
}
