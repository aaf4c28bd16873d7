/**
 * Reply decoders of the wallet gateway API (see tender.ts). Pure: JSON text in, a checked value out, or
 * KioskError KIOSK_E_DEVICE_PROTOCOL for anything else — the caller never trusts a reply it could not
 * fully check, so an order that echoes another ref, amount or currency is garbage, not an answer.
 */
import { z } from 'zod';
import { KioskError } from '../../errors/index.js';
import type { Minor } from '../../money/index.js';

export const WALLET_ORDER_STATUSES = ['USERPAYING', 'SUCCESS', 'CONFIRMED', 'FAIL', 'REVERSED'] as const;
/**
 * USERPAYING: waiting for the customer to confirm on the phone; SUCCESS: paid (the money is taken) and
 * waiting for the kiosk's confirm; CONFIRMED: paid and confirmed (the gateway settles it); FAIL: declined;
 * REVERSED: closed before payment or paid and refunded.
 */
export type WalletOrderStatus = (typeof WALLET_ORDER_STATUSES)[number];

export interface WalletOrder {
  readonly ref: string;
  readonly amount: Minor;
  readonly currency: string;
  readonly status: WalletOrderStatus;
  /** The gateway's own transaction number, for reconciliation. */
  readonly tradeNo?: string;
  /** Why it failed or was reversed, already scrubbed (see `safeReason`). */
  readonly reason?: string;
}

export interface WalletHealth {
  readonly status: 'ok' | 'degraded' | 'down';
  readonly gateway?: string;
  readonly version?: string;
  /** How long the gateway keeps a paid order open for the kiosk's confirm before it reverses it. */
  readonly confirmWindowMs?: number;
}

/** What an order reply must echo: always the ref; the amount and currency when the caller knows them. */
export interface OrderExpectation {
  readonly ref: string;
  readonly amount?: Minor;
  readonly currency?: string;
}

const OrderReply = z.object({
  ref: z.string().min(1).max(128),
  amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[A-Z]{3}$/),
  status: z.enum(WALLET_ORDER_STATUSES),
  tradeNo: z.string().min(1).max(64).optional(),
  reason: z.string().max(512).optional(),
});

const HealthReply = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  gateway: z.string().max(128).optional(),
  version: z.string().max(64).optional(),
  confirmWindowMs: z.number().int().min(0).max(86_400_000).optional(),
});

/** The body as JSON, or undefined when it is not JSON. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function protocol(reason: string, details: Record<string, unknown> = {}): KioskError {
  return new KioskError('KIOSK_E_DEVICE_PROTOCOL', 'wallet gateway answered garbage', { retryable: true, details: { reason, ...details } });
}

/** Decodes an order reply and checks its echo; throws KIOSK_E_DEVICE_PROTOCOL. */
export function decodeOrderReply(json: unknown, expect: OrderExpectation): WalletOrder {
  if (json === undefined) throw protocol('not-json');
  const parsed = OrderReply.safeParse(json);
  if (!parsed.success) throw protocol('shape');
  const o = parsed.data;
  if (o.ref !== expect.ref) throw protocol('wrong-ref');
  if (expect.amount !== undefined && o.amount !== expect.amount) throw protocol('wrong-amount');
  if (expect.currency !== undefined && o.currency !== expect.currency) throw protocol('wrong-currency');
  const reason = o.reason === undefined ? undefined : safeReason(o.reason);
  return {
    ref: o.ref, amount: o.amount, currency: o.currency, status: o.status,
    ...(o.tradeNo === undefined ? {} : { tradeNo: o.tradeNo }),
    ...(reason === undefined || reason === '' ? {} : { reason }),
  };
}

/** Decodes a health reply; throws KIOSK_E_DEVICE_PROTOCOL. */
export function decodeHealthReply(json: unknown): WalletHealth {
  if (json === undefined) throw protocol('not-json');
  const parsed = HealthReply.safeParse(json);
  if (!parsed.success) throw protocol('shape');
  const h = parsed.data;
  return {
    status: h.status,
    ...(h.gateway === undefined ? {} : { gateway: h.gateway }),
    ...(h.version === undefined ? {} : { version: h.version }),
    ...(h.confirmWindowMs === undefined ? {} : { confirmWindowMs: h.confirmWindowMs }),
  };
}

const LONG_DIGITS = /[0-9]{8,}/g;
const CONTROL = /[\u0000-\u001f\u007f]/g;

/**
 * A gateway's free-text reason made safe to journal: control characters dropped, every run of 8 or more
 * digits (a payment code the gateway may have echoed, a card or phone number) cut to its last four, at
 * most 64 characters.
 */
export function safeReason(text: string): string {
  const cleaned = text.replace(CONTROL, ' ').replace(LONG_DIGITS, (d) => `*${d.slice(-4)}`).trim();
  return cleaned.length > 64 ? cleaned.slice(0, 64) : cleaned;
}
