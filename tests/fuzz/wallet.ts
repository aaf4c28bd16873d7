import { isKioskError, type ErrorCode } from '../../src/errors/index.js';
import {
  WALLET_ORDER_STATUSES, classifyPaymentCode, decodeHealthReply, decodeOrderReply, maskPaymentCode, parseJsonText,
  type OrderExpectation,
} from '../../src/drivers/wallet/index.js';
import { prng, type FuzzResult } from './prng.js';


/** The only rejection the reply decoders may throw; anything else (TypeError, RangeError, INTERNAL…) escaped. */
const ALLOWED: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['KIOSK_E_DEVICE_PROTOCOL']);
/** A call this slow is stuck (catastrophic backtracking, a loop): decoders and classification are microseconds. */
const HANG_MS = 1000;

/** mulberry32: small, fast, deterministic from the seed. */

type Int = (n: number) => number;

const digitString = (int: Int, n: number): string => Array.from({ length: n }, () => String(int(10))).join('');
const TEXT_POOL = ['余额不足', 'NOTENOUGH', 'AUTHCODEEXPIRE', 'user cancelled', ' ', '\n', '\u0000', '"', '\\', '💳', 'é', '<b>', '0'];
function text(int: Int, maxParts: number): string {
  let s = '';
  for (let i = 0, n = int(maxParts); i < n; i++) s += int(4) === 0 ? digitString(int, 1 + int(24)) : TEXT_POOL[int(TEXT_POOL.length)]!;
  return s;
}

/** A payment code of a known wallet shape (or near it). */
function paymentCodeLike(int: Int): string {
  switch (int(4)) {
    case 0: return String(10 + int(6)) + digitString(int, 16);
    case 1: return String(25 + int(6)) + digitString(int, 14 + int(9));
    case 2: return '62' + digitString(int, 17);
    default: return digitString(int, 10 + int(20));
  }
}

/** What a scanner might hand over: codes with noise, bill slips, text, control bytes. */
function scan(rnd: () => number, int: Int): string {
  const code = paymentCodeLike(int);
  switch (int(9)) {
    case 0: return code;
    case 1: return `${code}\r\n`;
    case 2: return [']C0', ']Q1', ']C1', ']Q3', ']I0', ']e0', ']d2', ']A0'][int(8)]! + code;
    case 3: return `37${digitString(int, 22)}`; // numeric bill slip shape
    case 4: return `]C1415${digitString(int, 13)}8020${digitString(int, 7 + int(19))}`;
    case 5: return `(415)${digitString(int, 13)}(8020)${digitString(int, 10)}`;
    case 6: { const c = code.split(''); c[int(c.length)] = String.fromCharCode(int(0x3000)); return c.join(''); }
    case 7: return Array.from({ length: int(90) }, () => String.fromCharCode(rnd() < 0.7 ? 0x30 + int(10) : int(0x10000))).join('');
    default: return code.repeat(1 + int(5)).slice(0, int(100));
  }
}

function validOrder(int: Int, expect: OrderExpectation): Record<string, unknown> {
  const o: Record<string, unknown> = {
    ref: expect.ref, amount: expect.amount ?? int(1_000_000), currency: expect.currency ?? 'CNY',
    status: WALLET_ORDER_STATUSES[int(WALLET_ORDER_STATUSES.length)],
  };
  if (int(2)) o['tradeNo'] = `T${digitString(int, 1 + int(30))}`;
  if (int(2)) o['reason'] = text(int, 8);
  if (int(5) === 0) o['extra'] = { nested: [1, 'x', null] };
  return o;
}

const JUNK: readonly unknown[] = [null, true, 0, -1, 1.5, 1e300, '', 'SUCCESS', [], {}, { __proto__: { status: 'SUCCESS' } }, Number.MAX_SAFE_INTEGER + 2];

function corruptOrder(rnd: () => number, int: Int, expect: OrderExpectation): string {
  const o = validOrder(int, expect);
  const keys = ['ref', 'amount', 'currency', 'status', 'tradeNo', 'reason'];
  switch (int(8)) {
    case 0: o[keys[int(keys.length)]!] = JUNK[int(JUNK.length)]; return JSON.stringify(o);
    case 1: delete o[keys[int(4)]!]; return JSON.stringify(o);
    case 2: o['ref'] = `${expect.ref}x`; return JSON.stringify(o);
    case 3: o['amount'] = (expect.amount ?? 0) + 1 + int(100); return JSON.stringify(o);
    case 4: { const s = JSON.stringify(o); return s.slice(0, int(s.length)); }
    case 5: return '<html><body>502 Bad Gateway</body></html>';
    case 6: return '['.repeat(1 + int(3000)) + ']'.repeat(int(3000));
    default: return Array.from({ length: int(200) }, () => String.fromCharCode(rnd() < 0.5 ? 0x20 + int(95) : int(0x10000))).join('');
  }
}

function reply(rnd: () => number, int: Int): { text: string; kind: 'order' | 'health'; expect: OrderExpectation } {
  const expect: OrderExpectation = {
    ref: `tx-${int(1_000_000)}`,
    ...(int(4) ? { amount: 1 + int(10_000_000) } : {}),
    ...(int(3) ? { currency: 'CNY' } : {}),
  };
  const valid = rnd() < 0.75;
  if (int(8) === 0) {
    const h: Record<string, unknown> = { status: ['ok', 'degraded', 'down'][int(3)] };
    if (int(2)) h['confirmWindowMs'] = int(600_000);
    if (int(2)) h['gateway'] = text(int, 3);
    if (!valid) h[['status', 'confirmWindowMs', 'version'][int(3)]!] = JUNK[int(JUNK.length)];
    return { text: JSON.stringify(h), kind: 'health', expect };
  }
  return { text: valid ? JSON.stringify(validOrder(int, expect)) : corruptOrder(rnd, int, expect), kind: 'order', expect };
}

/**
 * Fuzzes the wallet's pure cores: gateway replies (75 % valid) through the JSON and zod decoders with
 * their echo checks, and scanner strings through classifyPaymentCode/maskPaymentCode. Beyond "throws
 * only KIOSK_E_DEVICE_PROTOCOL", every result is checked: a decoded order echoes the ref (and amount and
 * currency when expected) and its reason holds no run of 8+ digits; a classified code is digits taken
 * from the input, and its mask keeps only the last four. A violated check counts as an escaped error.
 */
export function fuzzWallet(opts: { frames: number; seed: number }): FuzzResult {
  const rnd = prng(opts.seed);
  const int: Int = (n) => Math.floor(rnd() * n);
  let decoded = 0;
  let escapedErrors = 0;
  let hangs = 0;
  for (let n = 0; n < opts.frames; n++) {
    const started = performance.now();
    if (rnd() < 0.75) {
      const r = reply(rnd, int);
      try {
        const json = parseJsonText(r.text);
        if (r.kind === 'health') {
          const h = decodeHealthReply(json);
          if (!['ok', 'degraded', 'down'].includes(h.status)) escapedErrors++;
        } else {
          const o = decodeOrderReply(json, r.expect);
          const echoes = o.ref === r.expect.ref && (r.expect.amount === undefined || o.amount === r.expect.amount)
            && (r.expect.currency === undefined || o.currency === r.expect.currency) && Number.isSafeInteger(o.amount) && o.amount >= 0;
          if (!echoes || (o.reason !== undefined && (/[0-9]{8,}/.test(o.reason) || o.reason.length > 64))) escapedErrors++;
        }
        decoded++;
      } catch (err) {
        if (!(isKioskError(err) && ALLOWED.has(err.code))) escapedErrors++;
      }
    } else {
      const raw = scan(rnd, int);
      try {
        const m = classifyPaymentCode(raw);
        if (m !== undefined) {
          const mask = maskPaymentCode(m.code);
          const ok = /^[0-9]{16,23}$/.test(m.code) && raw.includes(m.code) && mask.length === m.code.length
            && mask.endsWith(m.code.slice(-4)) && !/[0-9]{5,}/.test(mask);
          if (ok) decoded++;
          else escapedErrors++;
        }
      } catch {
        escapedErrors++;
      }
    }
    if (performance.now() - started > HANG_MS) hangs++;
  }
  return { frames: opts.frames, decoded, escapedErrors, hangs };
}

export type { FuzzResult };
