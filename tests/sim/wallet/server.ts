/**
 * Simulated wallet gateway: a second, independent implementation of the HTTP API documented in
 * src/drivers/wallet/tender.ts (it imports nothing from src/drivers), with its own order book and the
 * customers' wallet balances — the truth a crash harness checks: what was taken from each customer
 * minus what was refunded.
 *
 * Modes (scripted faults):
 *   approve      pay → SUCCESS
 *   decline      pay → FAIL (`declineReason`)
 *   userpaying   pay → USERPAYING; the order is paid after `userPayingQueries` order queries
 *   slow         every request is processed at once, its reply waits `slowMs`
 *   lost-answer  a pay request is processed and its connection dropped without a reply
 *   garbage      every request is processed, its reply is garbage (`garbage` kind)
 *   down         every connection is dropped before anything is processed
 * `setMode(mode, { then })` switches to `then` once the next pay request was processed.
 *
 * Rules a real wallet enforces and this one does too: one order per Idempotency-Key (a repeat with the
 * same body answers the same order; another body is 409); a payment code pays once; a reversed ref stays
 * closed (a late pay under it is answered REVERSED, nothing charged); an order paid but not confirmed
 * within `confirmWindowMs` is reversed (refunded) by the gateway, as is an unconfirmed USERPAYING one.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeSimCode, simWalletOf, type SimWallet } from './codes.js';

export type WalletSimMode = 'approve' | 'decline' | 'userpaying' | 'slow' | 'lost-answer' | 'garbage' | 'down';
/** html: a proxy's error page; shape: JSON of another shape; wrong-ref / wrong-amount: an order echoing another one. */
export type WalletSimGarbage = 'html' | 'shape' | 'wrong-ref' | 'wrong-amount';
export type SimOrderStatus = 'userpaying' | 'paid' | 'confirmed' | 'reversed' | 'failed';

export interface SimWalletOrder {
  readonly ref: string;
  readonly wallet: SimWallet | 'none';
  /** The customer's wallet account the code belongs to. */
  readonly account: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: SimOrderStatus;
  /** Money taken from the customer, and given back. */
  readonly charged: number;
  readonly refunded: number;
  /** Reversed by the gateway's confirm window, not by the kiosk. */
  readonly autoReversed: boolean;
  readonly reason?: string;
  /** Order queries answered for it. */
  readonly queries: number;
}

export interface SimWalletRequest {
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey: string | undefined;
}

export interface WalletSimOptions {
  readonly port?: number;
  readonly host?: '127.0.0.1';
  /** Reply delay in `slow` mode. Defaults to 2000 ms. */
  readonly slowMs?: number;
  /** Order queries before a USERPAYING order is paid. Defaults to 2. */
  readonly userPayingQueries?: number;
  /** Confirm window; 0 disables auto-reversal. Defaults to 60 000 ms. */
  readonly confirmWindowMs?: number;
  /** The gateway's clock (ms); defaults to Date.now. Tests move it to cross the confirm window. */
  readonly now?: () => number;
  /** FAIL reason in `decline` mode. Defaults to `NOTENOUGH`. */
  readonly declineReason?: string;
  /** A careless gateway: echoes the payment code in its trade number and reasons (for leak tests). */
  readonly leaky?: boolean;
}

export interface WalletSim {
  /** `http://127.0.0.1:<port>` — the client's baseUrl. */
  readonly url: string;
  readonly mode: WalletSimMode;
  /** Every request that reached the handler, in order (also in `down` mode); bodies are not kept. */
  readonly requests: readonly SimWalletRequest[];
  /** The order book, after applying the confirm window. */
  orders(): readonly SimWalletOrder[];
  order(ref: string): SimWalletOrder | undefined;
  /** Net money taken from `account` (charged − refunded). */
  balance(account: string): number;
  balances(): Readonly<Record<string, number>>;
  /** Net money taken from all customers. */
  totalTaken(): number;
  setMode(mode: WalletSimMode, opts?: { readonly slowMs?: number; readonly garbage?: WalletSimGarbage; readonly then?: WalletSimMode }): void;
  setHealth(status: 'ok' | 'degraded' | 'down'): void;
  setUserPayingQueries(n: number): void;
  /** A fresh payment code of `wallet` for the customer `account`, as their phone would show it. */
  issueCode(wallet: SimWallet, account?: string): string;
  close(): Promise<void>;
}

interface Order {
  readonly ref: string;
  readonly code: string;
  readonly wallet: SimWallet | 'none';
  readonly account: string;
  amount: number;
  readonly currency: string;
  status: SimOrderStatus;
  charged: number;
  refunded: number;
  autoReversed: boolean;
  reason: string | undefined;
  queries: number;
  /** Queries still needed before a USERPAYING order is paid. */
  pendingQueries: number;
  readonly createdAt: number;
  paidAt: number | undefined;
  /** Closed by a reversal before any pay request: a later one under this ref charges nothing. */
  readonly tombstone: boolean;
  readonly tradeNo: string;
}

type Reply = readonly [number, unknown];

const MAX_BODY = 16 * 1024;
const WIRE_STATUS: Readonly<Record<SimOrderStatus, string>> = {
  userpaying: 'USERPAYING', paid: 'SUCCESS', confirmed: 'CONFIRMED', reversed: 'REVERSED', failed: 'FAIL',
};

export async function startWalletSim(opts: WalletSimOptions = {}): Promise<WalletSim> {
  const now = opts.now ?? (() => Date.now());
  const confirmWindowMs = opts.confirmWindowMs ?? 60_000;
  const declineReason = opts.declineReason ?? 'NOTENOUGH';
  const book = new Map<string, Order>();
  const usedCodes = new Map<string, string>();
  const accountOfCode = new Map<string, string>();
  const requests: SimWalletRequest[] = [];
  const pendingReplies = new Set<NodeJS.Timeout>();
  let mode: WalletSimMode = 'approve';
  let then: WalletSimMode | undefined;
  let garbageKind: WalletSimGarbage = 'html';
  let slowMs = opts.slowMs ?? 2_000;
  let userPayingQueries = opts.userPayingQueries ?? 2;
  let health: 'ok' | 'degraded' | 'down' = 'ok';
  let serial = 0;
  let trade = 0;

  /** The gateway's confirm window: unconfirmed orders are closed, paid ones refunded. */
  const sweep = (): void => {
    if (confirmWindowMs <= 0) return;
    const t = now();
    for (const o of book.values()) {
      if (o.status === 'paid' && o.paidAt !== undefined && t - o.paidAt >= confirmWindowMs) {
        o.status = 'reversed'; o.refunded = o.charged; o.autoReversed = true; o.reason = 'UNCONFIRMED';
      } else if (o.status === 'userpaying' && t - o.createdAt >= confirmWindowMs) {
        o.status = 'reversed'; o.autoReversed = true; o.reason = 'ORDERCLOSED';
      }
    }
  };

  const view = (o: Order): Record<string, unknown> => {
    const leak = opts.leaky === true && o.code !== '';
    const reason = o.reason === undefined ? undefined : leak ? `${o.reason} (auth_code ${o.code})` : o.reason;
    return {
      ref: o.ref, amount: o.amount, currency: o.currency, status: WIRE_STATUS[o.status], tradeNo: leak ? `T${o.code}` : o.tradeNo,
      ...(reason === undefined ? {} : { reason }),
    };
  };

  const pay = (key: string | undefined, body: unknown): Reply => {
    if (typeof key !== 'string' || key.length === 0) return [400, { error: 'idempotency-key-missing' }];
    if (!isPayBody(body) || body.ref !== key) return [400, { error: 'bad-body' }];
    const earlier = book.get(key);
    if (earlier !== undefined) {
      if (earlier.tombstone) {
        earlier.amount = body.amount; // echo what was asked: nothing is charged under a closed ref
        return [200, view(earlier)];
      }
      const same = earlier.amount === body.amount && earlier.code === body.paymentCode && earlier.currency === body.currency;
      return same ? [200, view(earlier)] : [409, { error: 'idempotency-mismatch' }];
    }
    const wallet = simWalletOf(body.paymentCode);
    const account = accountOfCode.get(body.paymentCode) ?? `${wallet ?? 'none'}:anonymous`;
    const o: Order = {
      ref: key, code: body.paymentCode, wallet: wallet ?? 'none', account, amount: body.amount, currency: body.currency,
      status: 'failed', charged: 0, refunded: 0, autoReversed: false, reason: undefined, queries: 0, pendingQueries: 0,
      createdAt: now(), paidAt: undefined, tombstone: false, tradeNo: `SIM${String(++trade).padStart(10, '0')}`,
    };
    book.set(key, o);
    if (wallet === undefined) o.reason = 'AUTHCODE_INVALID';
    else if (usedCodes.has(body.paymentCode)) o.reason = 'AUTHCODE_USED';
    else if (mode === 'decline') { o.reason = declineReason; usedCodes.set(body.paymentCode, key); }
    else {
      usedCodes.set(body.paymentCode, key);
      if (mode === 'userpaying' && userPayingQueries > 0) { o.status = 'userpaying'; o.pendingQueries = userPayingQueries; }
      else { o.status = 'paid'; o.charged = o.amount; o.paidAt = now(); }
    }
    return [200, view(o)];
  };

  const query = (ref: string): Reply => {
    const o = book.get(ref);
    if (o === undefined) return [404, { error: 'no-order' }];
    o.queries++;
    if (o.status === 'userpaying' && --o.pendingQueries <= 0) {
      o.status = 'paid'; o.charged = o.amount; o.paidAt = now();
    }
    return [200, view(o)];
  };

  const confirm = (ref: string): Reply => {
    const o = book.get(ref);
    if (o === undefined) return [404, { error: 'no-order' }];
    if (o.status === 'paid') o.status = 'confirmed';
    return o.status === 'confirmed' ? [200, view(o)] : [409, view(o)];
  };

  const reverse = (ref: string): Reply => {
    let o = book.get(ref);
    if (o === undefined) {
      o = {
        ref, code: '', wallet: 'none', account: 'none', amount: 0, currency: 'CNY', status: 'reversed', charged: 0, refunded: 0,
        autoReversed: false, reason: 'CLOSED', queries: 0, pendingQueries: 0, createdAt: now(), paidAt: undefined,
        tombstone: true, tradeNo: `SIM${String(++trade).padStart(10, '0')}`,
      };
      book.set(ref, o);
      return [200, view(o)];
    }
    if (o.status === 'paid' || o.status === 'confirmed') { o.refunded = o.charged; o.reason = 'REFUNDED'; }
    else if (o.status === 'userpaying') o.reason = 'CLOSED';
    o.status = 'reversed';
    return [200, view(o)];
  };

  const route = (req: IncomingMessage, path: string, body: unknown): Reply => {
    const key = req.headers['idempotency-key'];
    if (req.method === 'GET' && path === '/v1/wallet/health') {
      return [200, { status: health, gateway: 'wallet-sim', version: '1.0', confirmWindowMs }];
    }
    if (req.method === 'POST' && path === '/v1/wallet/pay') return pay(typeof key === 'string' ? key : undefined, body);
    const m = /^\/v1\/wallet\/orders\/([^/]+)(?:\/(confirm|reverse))?$/.exec(path);
    if (m === null) return [404, { error: 'no-route' }];
    let ref: string;
    try { ref = decodeURIComponent(m[1] ?? ''); } catch { return [400, { error: 'bad-ref' }]; }
    if (req.method === 'GET' && m[2] === undefined) return query(ref);
    if (req.method === 'POST' && m[2] === 'confirm') return confirm(ref);
    if (req.method === 'POST' && m[2] === 'reverse') return reverse(ref);
    return [405, { error: 'method' }];
  };

  const garbageReply = (res: ServerResponse, json: unknown): void => {
    if (garbageKind === 'html') return sendRaw(res, 200, 'text/html', '<html><body>502 Bad Gateway</body></html>');
    if (garbageKind === 'shape') return reply(res, 200, { result: 'ok', data: null });
    const o = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
    if (garbageKind === 'wrong-ref') return reply(res, 200, { ...o, ref: `X${String(o['ref'] ?? '')}`, status: 'SUCCESS' });
    return reply(res, 200, { ...o, amount: Number(o['amount'] ?? 0) + 1, status: 'SUCCESS' });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const key = req.headers['idempotency-key'];
    requests.push({ method: req.method ?? '', path: url.pathname, idempotencyKey: typeof key === 'string' ? key : undefined });
    if (mode === 'down') { req.socket.destroy(); return; }
    readBody(req).then((text) => {
      if (text === undefined) return reply(res, 413, { error: 'too-large' });
      let body: unknown;
      try {
        body = text.length === 0 ? undefined : (JSON.parse(text) as unknown);
      } catch {
        return reply(res, 400, { error: 'not-json' });
      }
      sweep();
      const [status, json] = route(req, url.pathname, body);
      const isPay = req.method === 'POST' && url.pathname === '/v1/wallet/pay';
      const current = mode;
      if (isPay && then !== undefined) { mode = then; then = undefined; }
      if (current === 'lost-answer' && isPay) { req.socket.destroy(); return; }
      if (current === 'garbage') return garbageReply(res, json);
      if (current !== 'slow') return reply(res, status, json);
      const t = setTimeout(() => { pendingReplies.delete(t); reply(res, status, json); }, slowMs);
      pendingReplies.add(t);
    }, () => res.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const address = server.address() as AddressInfo;

  const snapshot = (o: Order): SimWalletOrder => ({
    ref: o.ref, wallet: o.wallet, account: o.account, amount: o.amount, currency: o.currency, status: o.status,
    charged: o.charged, refunded: o.refunded, autoReversed: o.autoReversed, queries: o.queries,
    ...(o.reason === undefined ? {} : { reason: o.reason }),
  });
  const balances = (): Record<string, number> => {
    sweep();
    const out: Record<string, number> = {};
    for (const o of book.values()) {
      if (o.charged === 0 && o.refunded === 0) continue;
      out[o.account] = (out[o.account] ?? 0) + o.charged - o.refunded;
    }
    return out;
  };

  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${address.port}`,
    get mode() { return mode; },
    get requests() { return requests; },
    orders() { sweep(); return [...book.values()].map(snapshot); },
    order(ref) { sweep(); const o = book.get(ref); return o === undefined ? undefined : snapshot(o); },
    balance(account) { return balances()[account] ?? 0; },
    balances,
    totalTaken() { return Object.values(balances()).reduce((a, b) => a + b, 0); },
    setMode(next, o = {}) {
      mode = next;
      then = o.then;
      if (o.slowMs !== undefined) slowMs = o.slowMs;
      if (o.garbage !== undefined) garbageKind = o.garbage;
    },
    setHealth(s) { health = s; },
    setUserPayingQueries(n) { userPayingQueries = n; },
    issueCode(wallet, account = 'alice') {
      let code: string;
      do { code = makeSimCode(wallet, ++serial); } while (accountOfCode.has(code));
      accountOfCode.set(code, account);
      return code;
    },
    close() {
      for (const t of pendingReplies) clearTimeout(t);
      pendingReplies.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

interface PayBody { ref: string; amount: number; currency: string; paymentCode: string }

function isPayBody(v: unknown): v is PayBody {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o['ref'] === 'string' && typeof o['currency'] === 'string' && typeof o['paymentCode'] === 'string'
    && typeof o['amount'] === 'number' && Number.isSafeInteger(o['amount']) && o['amount'] > 0;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => { size += c.length; if (size <= MAX_BODY) chunks.push(c); });
    req.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, json: unknown): void {
  sendRaw(res, status, 'application/json', JSON.stringify(json));
}

function sendRaw(res: ServerResponse, status: number, type: string, body: string): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
