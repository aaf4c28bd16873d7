/**
 * HTTP client of the biller gateway.
 *
 * The gateway API (JSON over HTTP/1.1; every reply body is JSON):
 *
 *   GET  /v1/bills?biller=<billerId>&account=<account>[&period=<YYYYMM>]
 *        200 {"bill":{"billerId","billerName","account","period","due","currency","billRef"}}
 *            (`due` in minor units; without `period` the newest open bill of the account)
 *        404 no such bill.  The bill echoes the biller and account asked for (and the period, if asked).
 *   POST /v1/payments            header Idempotency-Key: <txId>
 *        body {"txId","billRef","billerId","account","amount","currency","partial"}
 *        200 {"billerRef"}       posted — or already posted under this key: the original billerRef
 *        409 {"billerRef"}       this key already posted (with another body): the original billerRef
 *        404 unknown billRef;  other 4xx: refused for good
 *   POST /v1/payments/<txId>/cancel   header Idempotency-Key: <txId>
 *        200 {"cancelled":true}  undone (again 200 when repeated)
 *        404 nothing posted under this key;  409 / other 4xx: can no longer be undone
 *
 *   408, 429, 5xx, timeouts, refused connections, non-JSON or misshapen replies: unavailable, retried.
 *
 * Every call is safe to repeat — lookups are reads and postings carry the transaction id as their
 * idempotency key — so each one is retried `retries` times with exponential backoff.
 */
import type { Logger } from 'pino';
import type { ZodType } from 'zod';
import { KioskError, toKioskError, type ErrorCode } from '../errors/index.js';
import type { BillInfo } from '../fsm/types.js';
import { systemTimers, type Timers } from '../hal/clock.js';
import { isCurrency, isMinor, type Minor } from '../money/index.js';
import { BillReply, CancelReply, PostReply, SettlementReply } from './gateway-replies.js';
import type { ParsedBill } from './parsed-bill.js';

export interface BillerGatewayConfig {
  /** e.g. `https://biller.example/api`; the `/v1/...` paths are appended. */
  readonly baseUrl: string;
  /** Per attempt, covering connect, headers and body. */
  readonly timeoutMs: number;
  /** Extra attempts after the first for retryable failures. */
  readonly retries: number;
  /** First backoff; doubles per retry up to 8× this. Defaults to 250. */
  readonly backoffMs?: number;
}

export interface BillerGatewayDeps {
  /** Defaults to the global fetch of Node 20. */
  readonly fetch?: typeof fetch;
  /** Waits between attempts; defaults to a timer of `timers`. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Arms the per-attempt timeout; defaults to the system timers. */
  readonly timers?: Timers;
  /** Failed attempts are logged at warn without account data. */
  readonly logger?: Logger;
}

export interface PostPaymentRequest {
  /** The transaction id, sent as the idempotency key. */
  readonly txId: string;
  readonly billRef: string;
  readonly billerId: string;
  readonly account: string;
  readonly amount: Minor;
  readonly currency: string;
  readonly partial: boolean;
}

export interface PostPaymentResult {
  readonly billerRef: string;
}

export interface CancelPaymentResult {
  /** False when the biller had nothing posted under this transaction id. */
  readonly cancelled: boolean;
}

/**
 * What the runtime needs from a biller. Errors: KIOSK_E_BILL_NOT_FOUND; KIOSK_E_BILLER_UNAVAILABLE
 * (`retryable: true` — try again later with the same txId); KIOSK_E_BILLER_REFUSED (`retryable: false`).
 */
export interface BillerGateway {
  lookup(code: ParsedBill): Promise<BillInfo>;
  post(request: PostPaymentRequest): Promise<PostPaymentResult>;
  cancel(txId: string): Promise<CancelPaymentResult>;
  /** What the biller booked from this kiosk in [fromWallMs, toWallMs): for the daily settlement. */
  settlement(fromWallMs: number, toWallMs: number): Promise<{ readonly count: number; readonly total: Minor }>;
}

type Op = 'lookup' | 'post' | 'cancel' | 'settlement';

interface Reply {
  readonly status: number;
  /** Undefined when the body is not JSON. */
  readonly json: unknown;
}

const MAX_BACKOFF_FACTOR = 8;

export class HttpBillerGateway implements BillerGateway {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly timers: Timers;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly backoffMs: number;

  constructor(private readonly config: BillerGatewayConfig, private readonly deps: BillerGatewayDeps = {}) {
    const backoff = config.backoffMs ?? 250;
    if (!/^https?:\/\//.test(config.baseUrl) || !(config.timeoutMs > 0)
      || !Number.isSafeInteger(config.retries) || config.retries < 0 || !(backoff >= 0)) {
      throw new KioskError('KIOSK_E_CONFIG_INVALID', 'biller gateway: baseUrl, timeoutMs, retries or backoffMs invalid');
    }
    this.base = config.baseUrl.replace(/\/+$/, '');
    this.backoffMs = backoff;
    this.fetchFn = deps.fetch ?? ((input, init) => fetch(input, init));
    this.timers = deps.timers ?? systemTimers;
    this.sleep = deps.sleep ?? ((ms) => new Promise<void>((resolve) => { this.timers.setTimeout(resolve, ms); }));
  }

  lookup(code: ParsedBill): Promise<BillInfo> {
    const query = new URLSearchParams({ biller: code.billerId, account: code.account });
    if (code.period !== undefined) query.set('period', code.period);
    return this.withRetries('lookup', async () => {
      const reply = await this.send('lookup', 'GET', `/v1/bills?${query.toString()}`);
      if (reply.status === 200) {
        const bill = this.shape('lookup', reply, BillReply).bill;
        const mismatch = bill.billerId !== code.billerId || bill.account !== code.account
          || (code.period !== undefined && bill.period !== code.period);
        if (mismatch) throw unavailable('lookup', 'mismatch', reply.status);
        return bill;
      }
      if (reply.status === 404) throw notFound('lookup');
      throw this.failure('lookup', reply.status, 'KIOSK_E_BILLER_UNAVAILABLE');
    });
  }

  post(request: PostPaymentRequest): Promise<PostPaymentResult> {
    if (request.txId.length === 0 || !isMinor(request.amount) || request.amount === 0 || !isCurrency(request.currency)) {
      return Promise.reject(new KioskError('KIOSK_E_INTERNAL', 'biller post: txId, amount or currency invalid'));
    }
    const body = {
      txId: request.txId, billRef: request.billRef, billerId: request.billerId, account: request.account,
      amount: request.amount, currency: request.currency, partial: request.partial,
    };
    return this.withRetries('post', async () => {
      const reply = await this.send('post', 'POST', '/v1/payments', body, request.txId);
      // 409: the key already posted; the original posting stands and its ref is what we journal.
      if (reply.status === 200 || reply.status === 201 || reply.status === 409) {
        return { billerRef: this.shape('post', reply, PostReply).billerRef };
      }
      if (reply.status === 404) throw notFound('post');
      throw this.failure('post', reply.status, 'KIOSK_E_BILLER_REFUSED');
    });
  }

  cancel(txId: string): Promise<CancelPaymentResult> {
    if (txId.length === 0) return Promise.reject(new KioskError('KIOSK_E_INTERNAL', 'biller cancel: empty txId'));
    return this.withRetries('cancel', async () => {
      const reply = await this.send('cancel', 'POST', `/v1/payments/${encodeURIComponent(txId)}/cancel`, {}, txId);
      if (reply.status === 200) return { cancelled: this.shape('cancel', reply, CancelReply).cancelled };
      if (reply.status === 404) return { cancelled: false };
      throw this.failure('cancel', reply.status, 'KIOSK_E_BILLER_REFUSED');
    });
  }

  settlement(fromWallMs: number, toWallMs: number): Promise<{ count: number; total: Minor }> {
    return this.withRetries('settlement', async () => {
      const reply = await this.send('settlement', 'GET', `/v1/settlement?from=${Math.floor(fromWallMs)}&to=${Math.floor(toWallMs)}`);
      if (reply.status === 200) return this.shape('settlement', reply, SettlementReply);
      throw this.failure('settlement', reply.status, 'KIOSK_E_BILLER_UNAVAILABLE');
    });
  }

  private async withRetries<T>(op: Op, once: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once();
      } catch (e) {
        const err = toKioskError(e);
        this.deps.logger?.warn({ op, attempt, code: err.code, status: err.details['status'] }, 'biller gateway call failed');
        if (!err.retryable || attempt > this.config.retries) {
          throw new KioskError(err.code, err.message, {
            retryable: err.retryable, details: { ...err.details, attempts: attempt }, cause: err.cause,
          });
        }
        await this.sleep(this.backoffMs * Math.min(2 ** (attempt - 1), MAX_BACKOFF_FACTOR));
      }
    }
  }

  /** One HTTP exchange under one timeout; any transport failure becomes a retryable unavailable. */
  private async send(op: Op, method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string): Promise<Reply> {
    const abort = new AbortController();
    const timer = this.timers.setTimeout(() => abort.abort(), this.config.timeoutMs);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    try {
      const res = await this.fetchFn(this.base + path, {
        method, headers, signal: abort.signal, redirect: 'error',
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, json: parseJson(text) };
    } catch (e) {
      throw unavailable(op, abort.signal.aborted ? 'timeout' : 'network', undefined, e);
    } finally {
      this.timers.clearTimeout(timer);
    }
  }

  private shape<T>(op: Op, reply: Reply, schema: ZodType<T>): T {
    const parsed = schema.safeParse(reply.json);
    if (!parsed.success) throw unavailable(op, reply.json === undefined ? 'not-json' : 'shape', reply.status);
    return parsed.data;
  }

  /** Statuses that are not the call's own answers: transient ones retry, the rest end the call. */
  private failure(op: Op, status: number, clientErrorCode: ErrorCode): KioskError {
    if (status === 408 || status === 429 || status >= 500) return unavailable(op, 'status', status);
    if (status >= 400 && status < 500) {
      return new KioskError(clientErrorCode, undefined, { retryable: false, details: { op, reason: 'status', status } });
    }
    return new KioskError('KIOSK_E_BILLER_UNAVAILABLE', undefined, { retryable: false, details: { op, reason: 'status', status } });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function unavailable(op: Op, reason: string, status?: number, cause?: unknown): KioskError {
  return new KioskError('KIOSK_E_BILLER_UNAVAILABLE', undefined, {
    retryable: true, details: status === undefined ? { op, reason } : { op, reason, status }, cause,
  });
}

function notFound(op: Op): KioskError {
  return new KioskError('KIOSK_E_BILL_NOT_FOUND', undefined, { retryable: false, details: { op } });
}
