/**
 * Simulated biller gateway: a second, independent implementation of the HTTP API documented in
 * src/billing/gateway.ts (it deliberately imports nothing from src/billing), with scripted faults.
 *
 * Modes: ok; down (every connection is dropped before a reply); slow (the request is processed at once,
 * the reply waits `slowMs` — so a posting can land while the client has given up); garbage (200 with an
 * HTML body); refuse (postings answered 422; lookups and cancels still work).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BillInfo } from '../../../src/fsm/types.js';
import { sampleBarcodesFor, seedBills, type SampleBarcode } from './book.js';

export type BillerSimMode = 'ok' | 'down' | 'slow' | 'garbage' | 'refuse';

export interface SimPosting {
  readonly txId: string;
  readonly billerId: string;
  readonly account: string;
  readonly amount: number;
  readonly partial: boolean;
  readonly at: number;
  readonly billRef: string;
  readonly currency: string;
  readonly billerRef: string;
  cancelled: boolean;
}

export interface SimRequest {
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey: string | undefined;
}

export interface BillerSimOptions {
  readonly port?: number;
  readonly host?: '127.0.0.1';
  readonly slowMs?: number;
  /** Timestamps of postings; defaults to Date.now. */
  readonly now?: () => number;
}

export interface BillerSim {
  /** `http://127.0.0.1:<port>` — the client's baseUrl. */
  readonly url: string;
  readonly mode: BillerSimMode;
  readonly slowMs: number;
  /** Every posting once, in arrival order; repeated keys do not add rows. */
  readonly postings: readonly SimPosting[];
  /** Every request that reached the handler, in order (also in `down` mode). */
  readonly requests: readonly SimRequest[];
  setMode(mode: BillerSimMode, slowMs?: number): void;
  addBill(bill: BillInfo): void;
  sampleBarcodes(): SampleBarcode[];
  close(): Promise<void>;
}

interface BookEntry {
  readonly bill: BillInfo;
}

const DEFAULT_SLOW_MS = 2_000;
const MAX_BODY = 64 * 1024;

export async function startBillerSim(opts: BillerSimOptions = {}): Promise<BillerSim> {
  const now = opts.now ?? (() => Date.now());
  const book: BookEntry[] = seedBills().map((bill) => ({ bill }));
  const postings: SimPosting[] = [];
  const byKey = new Map<string, SimPosting>();
  const requests: SimRequest[] = [];
  const pendingReplies = new Set<NodeJS.Timeout>();
  let mode: BillerSimMode = 'ok';
  let slowMs = opts.slowMs ?? DEFAULT_SLOW_MS;

  const outstanding = (bill: BillInfo): number => {
    const paid = postings
      .filter((p) => !p.cancelled && p.billRef === bill.billRef)
      .reduce((sum, p) => sum + p.amount, 0);
    return Math.max(0, bill.due - paid);
  };

  /** Everything but the fault modes: returns status and JSON body. */
  const handle = (req: IncomingMessage, url: URL, body: unknown): [number, unknown] => {
    if (req.method === 'GET' && url.pathname === '/v1/bills') {
      const biller = url.searchParams.get('biller');
      const account = url.searchParams.get('account');
      const period = url.searchParams.get('period');
      const matches = book
        .filter((e) => e.bill.billerId === biller && e.bill.account === account && (period === null || e.bill.period === period))
        .sort((a, b) => (a.bill.period < b.bill.period ? 1 : -1));
      const hit = matches[0];
      if (hit === undefined) return [404, { error: 'bill-not-found' }];
      return [200, { bill: { ...hit.bill, due: outstanding(hit.bill) } }];
    }
    if (req.method === 'GET' && url.pathname === '/v1/settlement') {
      // The biller's own totals for one day [from, to) in ms since the epoch: what it booked, not what the kiosk says.
      const from = Number(url.searchParams.get('from'));
      const to = Number(url.searchParams.get('to'));
      if (!Number.isFinite(from) || !Number.isFinite(to)) return [400, { error: 'bad-range' }];
      const day = postings.filter((p) => !p.cancelled && p.at >= from && p.at < to);
      return [200, { count: day.length, total: day.reduce((a, p) => a + p.amount, 0) }];
    }
    if (req.method === 'POST' && url.pathname === '/v1/payments') {
      if (mode === 'refuse') return [422, { error: 'refused' }];
      return postPayment(req, body);
    }
    const cancel = /^\/v1\/payments\/([^/]+)\/cancel$/.exec(url.pathname);
    if (req.method === 'POST' && cancel !== null) {
      const txId = decodeURIComponent(cancel[1] ?? '');
      const posting = byKey.get(txId);
      if (posting === undefined) return [404, { error: 'no-posting' }];
      posting.cancelled = true;
      return [200, { cancelled: true }];
    }
    return [404, { error: 'no-route' }];
  };

  const postPayment = (req: IncomingMessage, body: unknown): [number, unknown] => {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key.length === 0) return [400, { error: 'idempotency-key-missing' }];
    if (!isPaymentBody(body) || body.txId !== key) return [400, { error: 'bad-body' }];
    const earlier = byKey.get(key);
    if (earlier !== undefined) {
      const same = earlier.billRef === body.billRef && earlier.amount === body.amount
        && earlier.partial === body.partial && earlier.currency === body.currency;
      return [same ? 200 : 409, { billerRef: earlier.billerRef }];
    }
    const entry = book.find((e) => e.bill.billRef === body.billRef);
    if (entry === undefined) return [404, { error: 'bill-not-found' }];
    if (entry.bill.billerId !== body.billerId || entry.bill.account !== body.account || entry.bill.currency !== body.currency) {
      return [422, { error: 'bill-mismatch' }];
    }
    const posting: SimPosting = {
      txId: key, billerId: body.billerId, account: body.account, amount: body.amount, partial: body.partial,
      at: now(), billRef: body.billRef, currency: body.currency,
      billerRef: `${body.billerId.toUpperCase()}-${String(postings.length + 1).padStart(6, '0')}`,
      cancelled: false,
    };
    postings.push(posting);
    byKey.set(key, posting);
    return [200, { billerRef: posting.billerRef }];
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const key = req.headers['idempotency-key'];
    requests.push({ method: req.method ?? '', path: url.pathname, idempotencyKey: typeof key === 'string' ? key : undefined });
    if (mode === 'down') {
      req.socket.destroy();
      return;
    }
    readBody(req).then((text) => {
      if (text === undefined) return reply(res, 413, { error: 'too-large' });
      if (mode === 'garbage') return sendRaw(res, 200, 'text/html', '<html><body>502 Bad Gateway</body></html>');
      let body: unknown;
      try {
        body = text.length === 0 ? undefined : (JSON.parse(text) as unknown);
      } catch {
        return reply(res, 400, { error: 'not-json' });
      }
      const [status, json] = handle(req, url, body);
      if (mode !== 'slow') return reply(res, status, json);
      const t = setTimeout(() => {
        pendingReplies.delete(t);
        reply(res, status, json);
      }, slowMs);
      pendingReplies.add(t);
    }, () => res.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${address.port}`,
    get mode() { return mode; },
    get slowMs() { return slowMs; },
    get postings() { return postings; },
    get requests() { return requests; },
    setMode(next, ms) {
      mode = next;
      if (ms !== undefined) slowMs = ms;
    },
    addBill(bill) { book.push({ bill }); },
    sampleBarcodes() { return sampleBarcodesFor(book.map((e) => e.bill)); },
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

interface PaymentBody {
  txId: string; billRef: string; billerId: string; account: string; amount: number; currency: string; partial: boolean;
}

function isPaymentBody(v: unknown): v is PaymentBody {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o['txId'] === 'string' && typeof o['billRef'] === 'string' && typeof o['billerId'] === 'string'
    && typeof o['account'] === 'string' && typeof o['currency'] === 'string' && typeof o['partial'] === 'boolean'
    && typeof o['amount'] === 'number' && Number.isSafeInteger(o['amount']) && o['amount'] > 0;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
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
