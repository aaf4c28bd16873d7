/**
 * The wallet tender: payment codes charged at a wallet gateway over HTTP, behind the CardPayment contract.
 *
 * The wallet gateway API (JSON over HTTP/1.1; amounts in minor units; `{ref}` is the kiosk's reference,
 * one payment attempt per ref):
 *
 *   GET  /v1/wallet/health
 *        200 {"status":"ok"|"degraded"|"down","gateway"?,"version"?,"confirmWindowMs"?}
 *   POST /v1/wallet/pay                      header Idempotency-Key: <ref>
 *        body {"ref","amount","currency","paymentCode","wallet"}
 *        200 <order>   a repeat with the same key and body answers the same order (never a second charge)
 *        409           the key was used with another amount or code: nothing was done for this request
 *        other 4xx     refused: nothing was charged
 *   GET  /v1/wallet/orders/{ref}
 *        200 <order>;  404 the gateway holds no order under this ref
 *   POST /v1/wallet/orders/{ref}/confirm     header Idempotency-Key: <ref>
 *        200 <order> with status CONFIRMED (again 200 when repeated)
 *        409 <order> in a state that cannot be confirmed (FAIL, REVERSED, USERPAYING); 404 no such order
 *   POST /v1/wallet/orders/{ref}/reverse     header Idempotency-Key: <ref>
 *        200 <order> with status REVERSED: closed if unpaid, refunded if paid; also for a ref the gateway
 *            never saw (it closes the ref, so a late payment request under it is refused) and when repeated
 *        409 can no longer be reversed (e.g. settled long ago: a refund is a back-office matter)
 *
 *   <order> = {"ref","amount","currency","status","tradeNo"?,"reason"?}, status one of
 *   USERPAYING | SUCCESS | CONFIRMED | FAIL | REVERSED (see replies.ts). A gateway closes — reverses — a
 *   SUCCESS order that was not confirmed within its confirm window (health's `confirmWindowMs`).
 *   408, 429, 5xx, timeouts, refused connections: no answer. Non-JSON or misshapen bodies, and orders
 *   echoing another ref, amount or currency: garbage (KIOSK_E_DEVICE_PROTOCOL).
 *
 * Two phases as with a card: in a wallet the money is taken at once (SUCCESS), so authorize() `approved`
 * means "paid, not yet kept"; commit() confirms (the gateway settles it), void() reverses (the customer is
 * refunded). An authorisation whose outcome cannot be learnt within maxQueryMs ends `unknown`, never
 * `approved`, and the runtime must void() it. The payment code is sent to the gateway and nowhere else:
 * logs, results, events and errors carry its last four digits at most.
 */
import type { Logger } from 'pino';
import { KioskError, toKioskError, type ErrorCode } from '../../errors/index.js';
import {
  STATUS_CLOSED, TypedEmitter, isUsable,
  type AuthorizeOutcome, type AuthorizeRequest, type AuthorizeResult, type CardPayment, type CardPaymentEvents,
  type Clock, type DeviceHealth, type DeviceIdentity, type DeviceState, type DeviceStatistics, type DeviceStatus,
  type Timers,
} from '../../hal/index.js';
import { isCurrency, isMinor, type Minor } from '../../money/index.js';
import {
  DEFAULT_PAYMENT_CODE_RULES, WALLET_NAMES, classifyPaymentCode, maskPaymentCode, paymentCodeLast4,
  type PaymentCodeRules, type WalletKind, type WalletName,
} from './payment-code.js';
import { decodeHealthReply, decodeOrderReply, parseJsonText, type OrderExpectation, type WalletHealth, type WalletOrder } from './replies.js';

export interface WalletTenderOptions {
  /** Device id. Defaults to `wallet`. */
  readonly id?: string;
  /** e.g. `https://wallet-gw.example/api`; the `/v1/wallet/...` paths are appended. */
  readonly baseUrl: string;
  /** Per HTTP exchange, covering connect, headers and body. */
  readonly timeoutMs: number;
  /** Between order queries while the customer confirms on the phone or an answer was lost. */
  readonly queryIntervalMs: number;
  /** How long an authorisation keeps querying before its outcome is `unknown` (plus one timeoutMs). */
  readonly maxQueryMs: number;
  /** The terminal currency (ISO 4217). */
  readonly currency: string;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger?: Logger;
  /** Defaults to the global fetch of Node 20. */
  readonly fetch?: typeof fetch;
  /** Wallets this kiosk accepts; codes of others are declined without asking the gateway. Defaults to all. */
  readonly wallets?: readonly WalletName[];
  /** Extra attempts of confirm, reverse and order queries. Defaults to 4. */
  readonly retries?: number;
  /** First backoff between those attempts; doubles per retry up to 8×. Defaults to 500 ms. */
  readonly backoffMs?: number;
  /** Payment-code shapes. Defaults to DEFAULT_PAYMENT_CODE_RULES. */
  readonly codeRules?: PaymentCodeRules;
}

/**
 * authorizing → approved (paid, waiting for commit/void) → confirmed | reversed;
 * or declined; `unknown` when the outcome could not be learnt (void() settles it).
 */
export type WalletTxState = 'authorizing' | 'approved' | 'confirmed' | 'declined' | 'reversed' | 'unknown';

/** `intermediate` event codes; the display may show its own text per code. */
export const WALLET_PROMPTS = {
  /** The gateway waits for the customer to confirm (or enter a PIN) on the phone. */
  confirmOnPhone: { code: 1, text: '请在手机上确认支付' },
  /** An answer was lost; the tender is asking the gateway what happened. */
  checking: { code: 2, text: '正在查询支付结果' },
} as const;

interface Tx {
  readonly ref: string;
  amount: Minor;
  readonly wallet: WalletKind | undefined;
  readonly last4: string;
  state: WalletTxState;
  reason: string | undefined;
  tradeNo: string | undefined;
  abortRequested: boolean;
  wake: (() => void) | undefined;
  voiding: Promise<void> | undefined;
}

interface Reply {
  readonly status: number;
  /** Undefined when the body is not JSON. */
  readonly json: unknown;
}

type Op = 'health' | 'pay' | 'query' | 'confirm' | 'reverse';

const MAX_BACKOFF_FACTOR = 8;
const MAX_REF = 64;
const OUTCOME: Readonly<Record<WalletTxState, AuthorizeOutcome>> = {
  authorizing: 'unknown', approved: 'approved', confirmed: 'approved', declined: 'declined', reversed: 'aborted', unknown: 'unknown',
};
const st = (state: DeviceState, reason: string, text: string): DeviceStatus => ({ state, reason, text });
const isTransient = (status: number): boolean => status === 408 || status === 429 || status >= 500;

export class WalletTender implements CardPayment {
  readonly kind = 'cardPayment' as const;
  readonly id: string;
  private readonly emitter: TypedEmitter<CardPaymentEvents>;
  private readonly log: Logger | undefined;
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly wallets: ReadonlySet<WalletName>;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly rules: PaymentCodeRules;

  private opened = false;
  private enabled = false;
  private current: DeviceStatus = STATUS_CLOSED;
  /** The gateway's own word in its last health reply: what the status returns to once it answers again. */
  private healthStatus: DeviceStatus = st('online', 'ok', 'ready');
  private health: WalletHealth | undefined;
  private readonly txs = new Map<string, Tx>();
  private lastRef: string | undefined;
  private active: Tx | undefined;
  private readonly stats: Record<string, number> = {};

  constructor(private readonly opts: WalletTenderOptions) {
    const retries = opts.retries ?? 4;
    const backoff = opts.backoffMs ?? 500;
    if (!/^https?:\/\//.test(opts.baseUrl) || !(opts.timeoutMs > 0) || !(opts.queryIntervalMs > 0) || !(opts.maxQueryMs >= 0)
      || !Number.isSafeInteger(retries) || retries < 0 || !(backoff >= 0)) {
      throw new KioskError('KIOSK_E_CONFIG_INVALID', 'wallet: baseUrl, timeouts, retries or backoffMs invalid');
    }
    if (!isCurrency(opts.currency)) throw new KioskError('KIOSK_E_CONFIG_INVALID', 'wallet: currency must be an ISO 4217 code');
    this.id = opts.id ?? 'wallet';
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
    this.wallets = new Set(opts.wallets ?? WALLET_NAMES);
    this.retries = retries;
    this.backoffMs = backoff;
    this.rules = opts.codeRules ?? DEFAULT_PAYMENT_CODE_RULES;
    this.log = opts.logger?.child({ device: this.id, driver: 'wallet' });
    this.emitter = new TypedEmitter((err, event) => this.log?.error({ code: toKioskError(err).code, event }, 'wallet listener threw'));
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  on<K extends keyof CardPaymentEvents & string>(event: K, listener: (payload: CardPaymentEvents[K]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  /** Asks the gateway's health; rejects with KIOSK_E_DEVICE_OFFLINE (or _PROTOCOL) when it does not answer well. */
  async open(): Promise<void> {
    if (this.opened) return;
    await this.probe();
    this.opened = true;
  }

  async close(): Promise<void> {
    this.opened = false;
    this.enabled = false;
    this.setStatus(STATUS_CLOSED);
  }

  async enable(): Promise<void> {
    if (!this.opened) throw new KioskError('KIOSK_E_DEVICE_STATE', 'enable: wallet tender not open');
    this.enabled = true;
  }

  async disable(): Promise<void> {
    this.enabled = false;
  }

  status(): DeviceStatus { return this.current; }

  async checkHealth(): Promise<DeviceHealth> {
    if (!this.opened) return { ok: false, status: this.current };
    try {
      await this.probe();
    } catch {
      this.count('healthFailures');
    }
    return { ok: isUsable(this.current), status: this.current };
  }

  async identify(): Promise<DeviceIdentity> {
    const h = this.health;
    if (!h) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'wallet gateway not reached yet', { retryable: true });
    return {
      model: 'wallet gateway', serial: h.gateway ?? 'unknown', firmware: h.version ?? 'unknown', protocol: 'kioskd-wallet/1',
      extra: { wallets: [...this.wallets].join(',') },
    };
  }

  statistics(): DeviceStatistics { return { ...this.stats }; }

  /** How long the gateway keeps a paid order for commit() before it reverses it (from its health reply). */
  confirmationWindowMs(): number | undefined { return this.health?.confirmWindowMs; }

  /** Where a payment stands as far as this process knows. */
  transactionState(ref: string): WalletTxState | undefined { return this.txs.get(ref)?.state; }

  // ---- payments ---------------------------------------------------------------------------------

  /**
   * Charges `req.paymentCode`. Declined without a request when the code is no payment code or of a wallet
   * not accepted (reason `not-a-payment-code` / `wallet-not-accepted`; such attempts are not remembered, so
   * the ref may be used again). A ref that reached the gateway stands for that one attempt: calling again
   * returns its result.
   */
  async authorize(req: AuthorizeRequest): Promise<AuthorizeResult> {
    if (!isMinor(req.amount) || req.amount === 0 || typeof req.ref !== 'string' || req.ref.length === 0 || req.ref.length > MAX_REF) {
      throw new KioskError('KIOSK_E_DEVICE_STATE', 'malformed authorize request');
    }
    if (req.currency !== this.opts.currency) {
      throw new KioskError('KIOSK_E_DEVICE_CURRENCY', `wallet currency is ${this.opts.currency}`, { details: { ref: req.ref } });
    }
    const known = this.txs.get(req.ref);
    if (known?.state === 'authorizing') {
      throw new KioskError('KIOSK_E_DEVICE_STATE', 'authorisation for this ref is running', { retryable: true, details: { ref: req.ref } });
    }
    if (known) return this.view(known);
    if (!this.opened || !this.enabled) throw new KioskError('KIOSK_E_DEVICE_STATE', 'wallet tender not enabled', { details: { ref: req.ref } });
    if (this.active) throw new KioskError('KIOSK_E_DEVICE_STATE', 'wallet tender is busy', { retryable: true, details: { ref: req.ref } });

    const match = typeof req.paymentCode === 'string' ? classifyPaymentCode(req.paymentCode, this.rules) : undefined;
    const tx: Tx = {
      ref: req.ref, amount: req.amount, wallet: match?.wallet, last4: match ? paymentCodeLast4(match.code) : '',
      state: 'authorizing', reason: undefined, tradeNo: undefined, abortRequested: false, wake: undefined, voiding: undefined,
    };
    this.count('authorizations');
    if (!match || match.wallet === 'unknown' || !this.wallets.has(match.wallet)) {
      tx.state = 'declined';
      tx.reason = match ? 'wallet-not-accepted' : 'not-a-payment-code';
      this.count('refusedCodes');
      this.log?.info({ ref: tx.ref, reason: tx.reason }, 'wallet payment refused before the gateway');
      return this.view(tx);
    }
    this.txs.set(tx.ref, tx);
    this.lastRef = tx.ref;
    this.active = tx;
    this.log?.info({ ref: tx.ref, amount: tx.amount, wallet: match.wallet, payCode: maskPaymentCode(match.code) }, 'wallet payment');
    try {
      await this.runAuthorization(tx, match.code, match.wallet);
    } catch (err) {
      // A bug must not leave money in doubt unmentioned: `unknown` makes the runtime void it.
      const e = toKioskError(err);
      this.log?.error({ ref: tx.ref, code: e.code }, 'wallet authorisation failed unexpectedly');
      if (tx.state === 'authorizing') this.finish(tx, 'unknown', 'internal');
    } finally {
      this.active = undefined;
      tx.wake = undefined;
    }
    return this.view(tx);
  }

  /** Confirms a paid order so the gateway settles it. Idempotent. KIOSK_E_DEVICE_STATE when it cannot be booked. */
  async commit(ref: string): Promise<void> {
    const tx = this.txs.get(ref);
    if (tx?.state === 'confirmed') return;
    if (tx && (tx.state === 'authorizing' || tx.voiding)) {
      throw new KioskError('KIOSK_E_DEVICE_STATE', 'wallet payment still in progress', { retryable: true, details: { ref } });
    }
    if (tx && (tx.state === 'declined' || tx.state === 'reversed')) {
      throw new KioskError('KIOSK_E_DEVICE_STATE', 'wallet payment cannot be booked', { details: { ref, state: tx.state } });
    }
    this.count('commits');
    await this.withRetries('confirm', ref, async () => {
      const reply = await this.send('confirm', 'POST', `/v1/wallet/orders/${encodeURIComponent(ref)}/confirm`, {}, ref);
      if (reply.status === 200) {
        const order = this.decodeOrder('confirm', reply, this.expectation(ref, tx));
        if (order.status !== 'CONFIRMED') throw garbage('confirm', 'not-confirmed');
        this.learn(ref, order);
        return;
      }
      if (reply.status === 409 || reply.status === 404) {
        const order = reply.status === 409 ? this.tryDecodeOrder(reply, ref) : undefined;
        if (order) this.learn(ref, order);
        throw new KioskError('KIOSK_E_DEVICE_STATE', 'wallet payment cannot be booked', {
          details: { ref, status: reply.status, ...(order ? { order: order.status } : {}) },
        });
      }
      throw this.statusError('confirm', reply.status);
    });
    this.count('confirmed');
    this.log?.info({ ref }, 'wallet payment confirmed');
  }

  /**
   * Reverses `ref` at the gateway: stops a running authorisation, closes an unpaid order, refunds a paid
   * or confirmed one. Idempotent; succeeds for a ref the gateway never saw. Retried with backoff; finally
   * KIOSK_E_DEVICE_TIMEOUT (retryable) when no reversal could be confirmed, KIOSK_E_DEVICE_STATE when
   * the gateway refuses it for good.
   */
  void(ref: string): Promise<void> {
    const tx = this.txs.get(ref);
    if (tx?.voiding) return tx.voiding;
    if (tx?.state === 'reversed') return Promise.resolve();
    if (tx?.state === 'authorizing') {
      tx.abortRequested = true;
      tx.wake?.();
    }
    const p = this.reverse(ref, tx);
    if (tx) {
      tx.voiding = p;
      p.then(() => { tx.voiding = undefined; }, () => { tx.voiding = undefined; });
    }
    return p;
  }

  /** The customer pressed cancel: voids the running authorisation, if any. */
  async abort(): Promise<void> {
    const tx = this.active;
    if (tx) await this.void(tx.ref);
  }

  /**
   * The gateway's word on `ref` (default: the last authorisation): SUCCESS/CONFIRMED → approved, FAIL →
   * declined, REVERSED → aborted, USERPAYING → unknown. Undefined when the gateway holds no such order.
   * Settled outcomes come from memory. Throws KIOSK_E_DEVICE_TIMEOUT / _OFFLINE / _PROTOCOL (retryable)
   * after its retries.
   */
  async queryLastResult(ref?: string): Promise<AuthorizeResult | undefined> {
    const r = ref ?? this.lastRef;
    if (r === undefined) return undefined;
    const tx = this.txs.get(r);
    if (tx && (tx.state === 'authorizing' || tx.state === 'confirmed' || tx.state === 'declined' || tx.state === 'reversed')) {
      return this.view(tx);
    }
    this.count('queries');
    const order = await this.withRetries('query', r, async () => {
      const reply = await this.send('query', 'GET', `/v1/wallet/orders/${encodeURIComponent(r)}`);
      if (reply.status === 200) return this.decodeOrder('query', reply, this.expectation(r, tx));
      if (reply.status === 404) return undefined;
      throw this.statusError('query', reply.status);
    });
    if (order === undefined) return undefined;
    return this.view(this.learn(r, order));
  }

  // ---- authorisation ----------------------------------------------------------------------------

  private async runAuthorization(tx: Tx, code: string, wallet: WalletName): Promise<void> {
    const body = { ref: tx.ref, amount: tx.amount, currency: this.opts.currency, paymentCode: code, wallet };
    let problem = 'no-answer';
    let userPaying = false;
    try {
      const reply = await this.send('pay', 'POST', '/v1/wallet/pay', body, tx.ref);
      if (tx.abortRequested) return this.endAborted(tx);
      if (reply.status === 200 || reply.status === 201) {
        const order = this.decodeOrder('pay', reply, this.expectation(tx.ref, tx));
        if (order.status !== 'USERPAYING') { this.settle(tx, order, code); return; }
        userPaying = true;
      } else if (reply.status === 409) {
        // Nothing was done for this request; the ref belongs to another attempt that this one must not touch.
        this.txs.delete(tx.ref);
        this.finish(tx, 'declined', 'ref-conflict');
        return;
      } else if (isTransient(reply.status)) {
        problem = `status-${reply.status}`;
      } else if (reply.status >= 400 && reply.status < 500) {
        this.finish(tx, 'declined', `refused-${reply.status}`);
        return;
      } else {
        throw garbage('pay', 'status', reply.status);
      }
    } catch (err) {
      if (tx.abortRequested) return this.endAborted(tx);
      const e = toKioskError(err);
      if (e.code === 'KIOSK_E_DEVICE_PROTOCOL') { this.finish(tx, 'unknown', 'protocol-error'); return; }
      if (e.code !== 'KIOSK_E_DEVICE_TIMEOUT' && e.code !== 'KIOSK_E_DEVICE_OFFLINE') throw e;
      problem = String(e.details['reason'] ?? 'no-answer');
    }
    this.prompt(userPaying ? 'confirmOnPhone' : 'checking');
    if (userPaying) this.count('userPaying');
    else this.log?.warn({ ref: tx.ref, reason: problem }, 'no answer to the wallet payment; querying the order');

    const deadline = this.opts.clock.monoMs() + this.opts.maxQueryMs;
    for (;;) {
      const left = deadline - this.opts.clock.monoMs();
      if (left <= 0 || tx.abortRequested) break;
      await this.pause(tx, Math.min(this.opts.queryIntervalMs, left));
      if (tx.abortRequested) break;
      this.count('queries');
      let reply: Reply;
      try {
        reply = await this.send('query', 'GET', `/v1/wallet/orders/${encodeURIComponent(tx.ref)}`);
      } catch (err) {
        problem = String(toKioskError(err).details['reason'] ?? 'no-answer');
        continue;
      }
      if (tx.abortRequested) break;
      if (reply.status === 200) {
        let order: WalletOrder;
        try {
          order = this.decodeOrder('query', reply, this.expectation(tx.ref, tx));
        } catch {
          this.finish(tx, 'unknown', 'protocol-error');
          return;
        }
        if (order.status !== 'USERPAYING') { this.settle(tx, order, code); return; }
        if (!userPaying) { userPaying = true; this.count('userPaying'); this.prompt('confirmOnPhone'); }
        continue;
      }
      problem = reply.status === 404 ? 'not-found' : `status-${reply.status}`;
    }
    if (tx.abortRequested) return this.endAborted(tx);
    this.finish(tx, 'unknown', userPaying ? 'user-paying' : problem);
  }

  /** A final (not USERPAYING) order status decides the authorisation. */
  private settle(tx: Tx, order: WalletOrder, code?: string): void {
    tx.tradeNo = safeTradeNo(order.tradeNo, code);
    switch (order.status) {
      case 'SUCCESS': this.finish(tx, 'approved', undefined); return;
      case 'CONFIRMED': this.finish(tx, 'confirmed', undefined); return;
      case 'FAIL': this.finish(tx, 'declined', order.reason ?? 'declined'); return;
      case 'REVERSED': this.finish(tx, 'reversed', order.reason ?? 'closed'); return;
      case 'USERPAYING': this.finish(tx, 'unknown', 'user-paying'); return;
    }
  }

  /** void() was called during the authorisation: its reversal decides. */
  private async endAborted(tx: Tx): Promise<void> {
    try { await tx.voiding; } catch { /* reported to void()'s caller */ }
    if (tx.state === 'authorizing') this.finish(tx, 'unknown', 'abort-unconfirmed');
  }

  private finish(tx: Tx, state: WalletTxState, reason: string | undefined): void {
    tx.state = state;
    tx.reason = reason;
    this.count(`tx.${state}`);
    const level = state === 'unknown' ? 'warn' : 'info';
    this.log?.[level]({ ref: tx.ref, state, reason }, 'wallet payment result');
  }

  /** Updates (or, after a restart, creates) the record of `ref` from the gateway's order. */
  private learn(ref: string, order: WalletOrder): Tx {
    let tx = this.txs.get(ref);
    if (!tx) {
      tx = {
        ref, amount: order.amount, wallet: undefined, last4: '', state: 'unknown', reason: undefined, tradeNo: undefined,
        abortRequested: false, wake: undefined, voiding: undefined,
      };
      this.txs.set(ref, tx);
    }
    if (order.status === 'USERPAYING') {
      tx.state = 'unknown';
      tx.reason = 'user-paying';
    } else {
      this.settle(tx, order);
    }
    return tx;
  }

  private prompt(which: keyof typeof WALLET_PROMPTS): void {
    const p = WALLET_PROMPTS[which];
    this.emitter.emit('intermediate', { text: p.text, code: p.code });
  }

  private async reverse(ref: string, tx: Tx | undefined): Promise<void> {
    this.count('voids');
    await this.withRetries('reverse', ref, async () => {
      const reply = await this.send('reverse', 'POST', `/v1/wallet/orders/${encodeURIComponent(ref)}/reverse`, {}, ref);
      if (reply.status === 200) {
        const order = this.decodeOrder('reverse', reply, { ref });
        if (order.status !== 'REVERSED') throw garbage('reverse', 'not-reversed');
        return;
      }
      if (reply.status === 404) return; // nothing was ever paid under this ref
      if (!isTransient(reply.status) && reply.status >= 400 && reply.status < 500) {
        const order = this.tryDecodeOrder(reply, ref);
        throw new KioskError('KIOSK_E_DEVICE_STATE', 'wallet payment cannot be reversed', {
          details: { ref, status: reply.status, ...(order ? { order: order.status } : {}) },
        });
      }
      throw this.statusError('reverse', reply.status);
    }, 'KIOSK_E_DEVICE_TIMEOUT');
    this.count('reversals');
    // A declined order stays declined: closing it changed nothing for the customer.
    if (tx && tx.state !== 'declined') this.finish(tx, 'reversed', tx.state === 'authorizing' ? 'kiosk-abort' : 'reversed');
  }

  // ---- HTTP -------------------------------------------------------------------------------------

  private async probe(): Promise<WalletHealth> {
    try {
      const reply = await this.send('health', 'GET', '/v1/wallet/health');
      if (reply.status !== 200) {
        throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'wallet gateway health failed', { retryable: true, details: { op: 'health', reason: 'status', status: reply.status } });
      }
      const h = this.decode('health', () => decodeHealthReply(reply.json));
      this.health = h;
      if (h.status === 'down') {
        throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'wallet gateway reports down', { retryable: true, details: { op: 'health', reason: 'down' } });
      }
      this.healthStatus = h.status === 'ok' ? st('online', 'ok', 'ready') : st('degraded', 'gateway-degraded', 'wallet gateway reports degraded service');
      this.setStatus(this.healthStatus);
      return h;
    } catch (err) {
      const e = toKioskError(err, 'KIOSK_E_DEVICE_OFFLINE');
      this.setStatus(e.details['reason'] === 'down'
        ? st('offline', 'gateway-down', 'wallet gateway reports down')
        : st('offline', 'no-reply', 'wallet gateway did not answer'));
      this.log?.warn({ code: e.code, reason: e.details['reason'] }, 'wallet gateway health check failed');
      throw e;
    }
  }

  /** One HTTP exchange under one timeout. Transport failures: DEVICE_TIMEOUT / DEVICE_OFFLINE, retryable. */
  private async send(op: Op, method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string): Promise<Reply> {
    const abort = new AbortController();
    const timer = this.opts.timers.setTimeout(() => abort.abort(), this.opts.timeoutMs);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    try {
      const res = await this.fetchFn(this.base + path, {
        method, headers, signal: abort.signal, redirect: 'error',
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      this.log?.trace({ op, method, path, status: res.status }, 'wallet gateway reply');
      this.reachable(true);
      return { status: res.status, json: parseJsonText(text) };
    } catch (e) {
      const timedOut = abort.signal.aborted;
      this.count(timedOut ? 'timeouts' : 'commErrors');
      this.reachable(false);
      this.log?.debug({ op, method, path, reason: timedOut ? 'timeout' : 'network' }, 'wallet gateway did not answer');
      throw new KioskError(timedOut ? 'KIOSK_E_DEVICE_TIMEOUT' : 'KIOSK_E_DEVICE_OFFLINE', undefined, {
        retryable: true, details: { op, reason: timedOut ? 'timeout' : 'network' }, cause: e,
      });
    } finally {
      this.opts.timers.clearTimeout(timer);
    }
  }

  private async withRetries<T>(op: Op, ref: string, once: () => Promise<T>, finalCode?: ErrorCode): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once();
      } catch (err) {
        const e = toKioskError(err);
        if (!e.retryable) throw e;
        this.log?.warn({ op, ref, attempt, code: e.code, reason: e.details['reason'] }, 'wallet gateway call failed');
        if (attempt > this.retries) {
          throw new KioskError(finalCode ?? e.code, undefined, {
            retryable: true, details: { ...e.details, op, ref, attempts: attempt, last: e.code }, cause: e,
          });
        }
        this.count('retries');
        await this.sleep(this.backoffMs * Math.min(2 ** (attempt - 1), MAX_BACKOFF_FACTOR));
      }
    }
  }

  private decode<T>(op: Op, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      const e = toKioskError(err);
      this.count('protocolErrors');
      this.log?.warn({ op, code: e.code, reason: e.details['reason'] }, 'wallet gateway answered garbage');
      throw e;
    }
  }

  private decodeOrder(op: Op, reply: Reply, expect: OrderExpectation): WalletOrder {
    return this.decode(op, () => decodeOrderReply(reply.json, expect));
  }

  private tryDecodeOrder(reply: Reply, ref: string): WalletOrder | undefined {
    try { return decodeOrderReply(reply.json, { ref }); } catch { return undefined; }
  }

  private expectation(ref: string, tx: Tx | undefined): OrderExpectation {
    return tx ? { ref, amount: tx.amount, currency: this.opts.currency } : { ref, currency: this.opts.currency };
  }

  private statusError(op: Op, status: number): KioskError {
    if (isTransient(status)) {
      return new KioskError('KIOSK_E_DEVICE_TIMEOUT', 'wallet gateway unavailable', { retryable: true, details: { op, reason: 'status', status } });
    }
    return garbage(op, 'status', status);
  }

  /** A payment exchange that got no answer degrades the status; the next answer restores it. Offline is the health check's to lift. */
  private reachable(ok: boolean): void {
    if (!this.opened) return;
    if (ok && this.current.reason === 'no-answer') this.setStatus(this.healthStatus);
    if (!ok && isUsable(this.current)) this.setStatus(st('degraded', 'no-answer', 'wallet gateway did not answer a request'));
  }

  private pause(tx: Tx, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const h = this.opts.timers.setTimeout(() => { tx.wake = undefined; resolve(); }, ms);
      tx.wake = () => { this.opts.timers.clearTimeout(h); tx.wake = undefined; resolve(); };
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => { this.opts.timers.setTimeout(resolve, ms); });
  }

  private view(tx: Tx): AuthorizeResult {
    return {
      outcome: OUTCOME[tx.state], ref: tx.ref, amount: tx.amount,
      ...(tx.wallet !== undefined && tx.wallet !== 'unknown' ? { cardType: tx.wallet } : {}),
      ...(tx.last4 !== '' ? { last4: tx.last4 } : {}),
      ...(tx.tradeNo !== undefined ? { authCode: tx.tradeNo } : {}),
      ...(tx.reason !== undefined ? { reason: tx.reason } : {}),
    };
  }

  private count(key: string, by = 1): void { this.stats[key] = (this.stats[key] ?? 0) + by; }

  private setStatus(s: DeviceStatus): void {
    if (s.state === this.current.state && s.reason === this.current.reason) return;
    this.current = s;
    this.emitter.emit('status', s);
  }
}

/**
 * A gateway that echoes the payment code as its trade number must not get it into results and the
 * journal: dropped when it contains the code — or, when the code is not known here (after a restart),
 * when it holds a run of digits long enough to be one. The ref stays the key for reconciliation.
 */
function safeTradeNo(tradeNo: string | undefined, code: string | undefined): string | undefined {
  if (tradeNo === undefined) return undefined;
  if (code !== undefined) return tradeNo.includes(code) ? undefined : tradeNo;
  return /[0-9]{16,}/.test(tradeNo) ? undefined : tradeNo;
}

function garbage(op: Op, reason: string, status?: number): KioskError {
  return new KioskError('KIOSK_E_DEVICE_PROTOCOL', 'wallet gateway answered garbage', {
    retryable: true, details: status === undefined ? { op, reason } : { op, reason, status },
  });
}
