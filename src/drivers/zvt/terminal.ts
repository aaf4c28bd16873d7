import type { Logger } from 'pino';
import { KioskError, isKioskError, toKioskError } from '../../errors/index.js';
import {
  STATUS_CLOSED, TypedEmitter, isUsable,
  type AuthorizeRequest, type AuthorizeResult, type CardPayment, type CardPaymentEvents, type Clock, type DeviceHealth,
  type DeviceIdentity, type DeviceState, type DeviceStatistics, type DeviceStatus, type LinkFactory, type TimerHandle,
  type Timers,
} from '../../hal/index.js';
import { isCurrency, isMinor, type Minor } from '../../money/index.js';
import type { Apdu } from './apdu.js';
import { MAX_AMOUNT, currencyFromNumeric, currencyToBcd, encodePassword } from './bcd.js';
import { cardTypeOf, type BmpFields } from './bmp.js';
import * as m from './messages.js';
import { SerialZvtTransport, TcpZvtTransport, newTransportCounters, type ZvtTransport } from './transport.js';

export interface ZvtCardTerminalOptions {
  readonly id: string;
  /** Opens the serial line (9600 8N2) or the TCP connection; called again after every link loss. */
  readonly openLink: LinkFactory;
  readonly transport: 'serial' | 'tcp';
  readonly clock: Clock;
  readonly timers: Timers;
  /** ISO 4217 alpha code of the terminal; registration fails with KIOSK_E_DEVICE_CURRENCY if the PT differs. */
  readonly currency: string;
  /** ECR password, 6 digits (sent as 3 BCD bytes). */
  readonly password: string;
  readonly logger?: Logger;
  /**
   * How often the PT repeats an unconfirmed status information (ZVT standard 2 s; some terminals 4 s).
   * Set it to the terminal's shortest repeat interval. Defaults to 2000 ms.
   */
  readonly statusRepeatMs?: number;
  /** BMP 02 of the authorisation: status informations the PT sends before it auto-reverses. Defaults to 10. */
  readonly maxStatusInfos?: number;
  /** Registration config byte. Defaults to 0xBE (see messages.ts CONFIG). */
  readonly configByte?: number;
  /** Wait for the PT's APDU acknowledgement (80 00 00) to a command. Defaults to 5000 ms. */
  readonly commandAckTimeoutMs?: number;
  /** Silence from the PT during a running authorisation before its outcome is declared unknown. Defaults to 30000 ms. */
  readonly idleTimeoutMs?: number;
  /** Upper bound of one authorisation (customer included). Defaults to 180000 ms. */
  readonly authTimeoutMs?: number;
  /** Wait for the end (06 0F / 06 1E) of a booking, reversal, registration or enquiry. Defaults to 15000 ms. */
  readonly completionTimeoutMs?: number;
  /** Upper bound of an end-of-day batch. Defaults to 180000 ms. */
  readonly endOfDayTimeoutMs?: number;
  /** Serial only: wait for the frame ACK, and retransmissions. Defaults 2000 ms, 3. */
  readonly ackTimeoutMs?: number;
  readonly maxRetries?: number;
  /** First reconnect delay, doubled per failure up to `reconnectMaxMs`. Defaults 500 ms / 30000 ms. */
  readonly reconnectBaseMs?: number;
  readonly reconnectMaxMs?: number;
}

/**
 * Where a transaction stands on the terminal, as far as the driver knows:
 * authorizing → approved (vending: PT waits for the kiosk) → booking → booked → (reversing → reversed);
 * or declined / aborted / timeout; `unknown` when a reply was lost (queryLastResult finds out).
 */
export type ZvtTxState =
  | 'authorizing' | 'approved' | 'booking' | 'booked' | 'reversing' | 'reversed'
  | 'declined' | 'aborted' | 'timeout' | 'unknown' | 'failed';

export interface ZvtReversedEvent {
  readonly ref: string;
  readonly amount: Minor;
  /** `auto-reversed`: the PT reversed on its own (no confirmation within the window); `reversed`: on the kiosk's word. */
  readonly reason: 'auto-reversed' | 'reversed' | 'booking-refused';
}

export interface ZvtTerminalEvents extends CardPaymentEvents {
  /** An approved payment was reversed on the terminal (it will not be, or is no longer, booked). */
  reversed: ZvtReversedEvent;
}

export interface EndOfDayResult {
  /** Total the PT reports for the closed batch, in minor units (0 when it reports none). */
  readonly total: Minor;
  readonly currency: string;
  readonly receipt: readonly string[];
}

interface Tx {
  readonly ref: string;
  amount: Minor;
  state: ZvtTxState;
  fields: BmpFields | undefined;
  reason: string | undefined;
  decision: 'book' | 'reverse' | undefined;
  statusCount: number;
  kioskAbort: boolean;
  /** Monotonic time after which the PT cannot still be holding this transaction for a confirmation. */
  doubtUntil: number;
  failure: KioskError | undefined;
  readonly receipt: string[];
}

interface Orphan { fields: BmpFields; statusCount: number; decision: 'book' | 'reverse' | undefined; state: 'approved' | 'booking' | 'reversing' }

type OpKind = 'register' | 'reversal' | 'endOfDay' | 'repeatReceipt' | 'statusEnquiry';

/** Commands whose status informations belong to the command (answered 80 00 00), not to a payment. */
const COLLECTS: ReadonlySet<OpKind> = new Set(['reversal', 'endOfDay', 'repeatReceipt']);
/** 84 A0 "receiver not ready": the PT is busy, typically still holding a payment for a confirmation. */
const PT_BUSY = 0xa0;

interface Op {
  readonly kind: OpKind;
  /** The PT acknowledged the command (80 00 00): from now on its messages belong to this command. */
  accepted: boolean;
  readonly statuses: BmpFields[];
  readonly receipt: string[];
  end: { kind: 'completion'; fields: BmpFields } | { kind: 'abort'; code: number } | undefined;
}

interface Wait {
  readonly check: () => boolean;
  readonly idleMs: number | undefined;
  idleTimer: TimerHandle | undefined;
  timer: TimerHandle | undefined;
  done(ok: boolean): void;
}

/** Reads the state afresh: it changes while an operation awaits (defeats the compiler's narrowing). */
const stateOf = (tx: { state: ZvtTxState }): ZvtTxState => tx.state;
const st = (state: DeviceState, reason: string, text: string): DeviceStatus => ({ state, reason, text });
const FINAL: ReadonlySet<ZvtTxState> = new Set(['booked', 'reversed', 'declined', 'aborted', 'timeout', 'failed']);
const AWAITING: ReadonlySet<ZvtTxState> = new Set(['approved', 'booking', 'reversing']);

/**
 * ZVT card terminal (ECR side) implementing the kiosk's CardPayment contract with the ZVT vending flow:
 * the PT approves, then waits while the kiosk posts to the biller (the driver answers each repeated status
 * information with 84 9C "wait"); commit() answers 80 00 00 (book), void() 84 66 00 (the PT reverses).
 * The PT keeps waiting only while it repeats its status information: confirmationWindowMs() is that window.
 * Card data never leaves the codec: results carry the card type and the last four digits only.
 */
export class ZvtCardTerminal implements CardPayment {
  readonly kind = 'cardPayment' as const;
  readonly id: string;
  private readonly emitter: TypedEmitter<ZvtTerminalEvents>;
  private readonly log: Logger | undefined;
  private readonly statusRepeatMs: number;
  private readonly maxStatusInfos: number;
  private readonly configByte: number;
  private readonly cmdAckMs: number;
  private readonly idleMs: number;
  private readonly authMs: number;
  private readonly completionMs: number;
  private readonly eodMs: number;
  private readonly reconnectBaseMs: number;
  private readonly reconnectMaxMs: number;

  private wanted = false;
  private enabled = false;
  private transport: ZvtTransport | undefined;
  private current: DeviceStatus = STATUS_CLOSED;
  private identity: DeviceIdentity | undefined;
  private readonly txs = new Map<string, Tx>();
  private lastRef: string | undefined;
  /** The transaction the PT is busy with (authorising, waiting for the kiosk, booking, reversing, or in doubt). */
  private active: Tx | undefined;
  /** An approved status information for no transaction this process knows (e.g. after a restart). */
  private orphan: Orphan | undefined;
  private op: Op | undefined;
  private cmdWaiter: ((msg: { kind: 'ack' } | { kind: 'nack'; code: number } | { kind: 'lost' }) => void) | undefined;
  private readonly waits = new Set<Wait>();
  private reconnectTimer: TimerHandle | undefined;
  private backoffMs: number;
  private registered = false;
  private ptBusyAtConnect = false;
  private readonly transportCounters = newTransportCounters();
  private readonly stats: Record<string, number> = {};

  constructor(private readonly opts: ZvtCardTerminalOptions) {
    if (!isCurrency(opts.currency)) throw new KioskError('KIOSK_E_CONFIG_INVALID', 'currency must be an ISO 4217 code');
    currencyToBcd(opts.currency); // throws KIOSK_E_CONFIG_INVALID for a currency without a numeric code
    encodePassword(opts.password); // likewise for a malformed password
    this.id = opts.id;
    this.log = opts.logger?.child({ device: opts.id, protocol: 'zvt' });
    this.emitter = new TypedEmitter((err, event) => this.log?.error({ err: toKioskError(err).code, event }, 'card terminal listener threw'));
    this.statusRepeatMs = opts.statusRepeatMs ?? 2000;
    this.maxStatusInfos = opts.maxStatusInfos ?? 10;
    if (!Number.isInteger(this.maxStatusInfos) || this.maxStatusInfos < 2 || this.maxStatusInfos > 255) {
      throw new KioskError('KIOSK_E_CONFIG_INVALID', 'maxStatusInfos must be 2..255');
    }
    if (!Number.isInteger(this.statusRepeatMs) || this.statusRepeatMs < 100) {
      throw new KioskError('KIOSK_E_CONFIG_INVALID', 'statusRepeatMs must be an integer >= 100');
    }
    this.configByte = opts.configByte ?? m.DEFAULT_CONFIG_BYTE;
    this.cmdAckMs = opts.commandAckTimeoutMs ?? 5000;
    this.idleMs = opts.idleTimeoutMs ?? 30_000;
    this.authMs = opts.authTimeoutMs ?? 180_000;
    this.completionMs = opts.completionTimeoutMs ?? 15_000;
    this.eodMs = opts.endOfDayTimeoutMs ?? 180_000;
    this.reconnectBaseMs = opts.reconnectBaseMs ?? 500;
    this.reconnectMaxMs = opts.reconnectMaxMs ?? 30_000;
    this.backoffMs = this.reconnectBaseMs;
  }

  /**
   * How long after approval (authorize() resolving `approved`) commit() or void() may still be called and
   * reach the terminal: (maxStatusInfos − 1) × statusRepeatMs. The PT sends its status information at
   * most maxStatusInfos times, statusRepeatMs apart, and auto-reverses after the last one is answered
   * "wait"; the driver answers the next repeat after commit() with 80 00 00. The runtime's biller timeout
   * plus its own margin must fit inside this window.
   */
  confirmationWindowMs(): number {
    return (this.maxStatusInfos - 1) * this.statusRepeatMs;
  }

  // ---- contract ---------------------------------------------------------------------------------

  on<K extends keyof ZvtTerminalEvents & string>(event: K, listener: (payload: ZvtTerminalEvents[K]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  async open(): Promise<void> {
    if (this.wanted) return;
    this.wanted = true;
    try {
      await this.connect();
    } catch (err) {
      this.wanted = false;
      const e = toKioskError(err, 'KIOSK_E_DEVICE_OFFLINE');
      if (e.code !== 'KIOSK_E_DEVICE_CURRENCY') this.setStatus(st('offline', 'open-failed', 'card terminal did not start'));
      throw e;
    }
  }

  async close(): Promise<void> {
    this.wanted = false;
    this.opts.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const t = this.transport;
    if (t) this.dropTransport(t);
    if (t) await t.close();
    this.setStatus(STATUS_CLOSED);
  }

  async enable(): Promise<void> {
    this.requireOpen('enable');
    this.enabled = true;
  }

  async disable(): Promise<void> {
    this.enabled = false;
  }

  status(): DeviceStatus { return this.current; }

  /** Probes the PT with a status enquiry (05 01) when it is idle; reports the last status while it is busy. */
  async checkHealth(): Promise<DeviceHealth> {
    if (this.transport && !this.active && !this.op) {
      try {
        if (this.registered) await this.runOp('statusEnquiry', m.statusEnquiry(this.opts.password), this.completionMs);
        else await this.ensureRegistered();
        this.setStatus(st('online', 'ok', 'ready'));
      } catch (err) {
        const e = toKioskError(err);
        this.log?.warn({ code: e.code }, 'ZVT status enquiry failed');
        this.count('healthFailures');
        return { ok: false, status: this.current.state === 'online' ? st('degraded', 'no-reply', 'card terminal did not answer the status enquiry') : this.current };
      }
    }
    return { ok: isUsable(this.current), status: this.current };
  }

  async identify(): Promise<DeviceIdentity> {
    if (!this.identity) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'card terminal not registered yet', { retryable: true });
    return this.identity;
  }

  statistics(): DeviceStatistics {
    return { ...this.stats, ...this.transportCounters };
  }

  async authorize(req: AuthorizeRequest): Promise<AuthorizeResult> {
    if (!isMinor(req.amount) || req.amount === 0 || req.amount > MAX_AMOUNT || req.ref === '') {
      throw new KioskError('KIOSK_E_DEVICE_STATE', 'malformed authorize request', { details: { ref: req.ref } });
    }
    if (req.currency !== this.opts.currency) {
      throw new KioskError('KIOSK_E_DEVICE_CURRENCY', `terminal currency is ${this.opts.currency}`, { details: { ref: req.ref } });
    }
    const known = this.txs.get(req.ref);
    if (known && known.state !== 'authorizing') return this.view(known);
    if (known) throw new KioskError('KIOSK_E_DEVICE_STATE', 'authorisation for this ref is running', { retryable: true, details: { ref: req.ref } });
    if (!this.enabled) throw new KioskError('KIOSK_E_DEVICE_STATE', 'card terminal not enabled', { details: { ref: req.ref } });
    this.requireIdle(req.ref);
    await this.ensureRegistered();
    this.requireIdle(req.ref);
    const transport = this.requireTransport();
    const tx: Tx = {
      ref: req.ref, amount: req.amount, state: 'authorizing', fields: undefined, reason: undefined, decision: undefined,
      statusCount: 0, kioskAbort: false, doubtUntil: Infinity, failure: undefined, receipt: [],
    };
    this.txs.set(tx.ref, tx);
    this.lastRef = tx.ref;
    this.active = tx;
    this.count('authorizations');
    this.log?.info({ ref: tx.ref, amount: tx.amount }, 'ZVT authorisation');
    let answer: 'ack' | number;
    try {
      answer = await this.sendCommand(transport, m.authorization(tx.amount, this.opts.currency, this.maxStatusInfos));
    } catch (err) {
      const e = toKioskError(err);
      if (e.code === 'KIOSK_E_DEVICE_TIMEOUT' && !e.disconnected) {
        // The PT never took the command. Should it have, its approval would wait for a confirmation that
        // never comes and be auto-reversed; the abort makes that quicker.
        this.finish(tx, 'timeout', 'no-answer');
        this.fireAndForget(m.abort(), 'abort after unanswered authorisation');
        return this.view(tx);
      }
      this.declareUnknown(tx, 'link-lost');
      return this.view(tx);
    }
    if (answer !== 'ack') {
      this.txs.delete(tx.ref);
      this.active = undefined;
      throw new KioskError('KIOSK_E_DEVICE_STATE', 'terminal refused the authorisation', { retryable: true, details: { ref: tx.ref, zvtCode: answer } });
    }
    const settled = await this.waitUntil(() => tx.state !== 'authorizing', this.authMs, this.idleMs);
    if (!settled && tx.state === 'authorizing') this.declareUnknown(tx, this.transport ? 'no-reply' : 'link-lost');
    if (tx.failure && tx.state !== 'approved') throw tx.failure;
    return this.view(tx);
  }

  /** Books an approved payment (answers the PT's next status repeat with 80 00 00). Idempotent. */
  async commit(ref: string): Promise<void> {
    let tx = this.txs.get(ref);
    if (!tx || tx.state === 'unknown') {
      await this.queryLastResult(ref);
      tx = this.txs.get(ref);
    }
    if (!tx) throw new KioskError('KIOSK_E_DEVICE_STATE', 'no such card transaction', { details: { ref } });
    if (tx.state === 'booked') return;
    if (tx.state === 'approved' || tx.state === 'booking') {
      if (tx.decision === 'reverse') throw new KioskError('KIOSK_E_DEVICE_STATE', 'transaction is being reversed', { details: { ref } });
      tx.decision = 'book';
      this.count('commits');
      const t = tx;
      const ok = await this.waitUntil(() => FINAL.has(t.state), this.statusRepeatMs + this.completionMs);
      if (!ok) {
        // The booking answer or the completion was lost: ask the PT what it did.
        this.log?.warn({ ref }, 'no completion after booking; asking the terminal');
        if (this.active === t && this.opts.clock.monoMs() < t.doubtUntil) {
          await this.waitUntil(() => FINAL.has(t.state), Math.max(0, t.doubtUntil - this.opts.clock.monoMs()));
        }
        if (!FINAL.has(t.state)) {
          if (this.active === t) this.active = undefined; // past its window the PT holds nothing for it
          await this.askTerminal(t);
        }
      }
    }
    if (stateOf(tx) === 'booked') return;
    throw new KioskError('KIOSK_E_DEVICE_STATE', 'card payment cannot be booked', { details: { ref, state: tx.state, reason: tx.reason } });
  }

  /**
   * Undoes a payment: aborts a running authorisation (06 B0), answers a waiting PT with 84 66 00 (it
   * reverses), reverses a booked one with 06 30 and its receipt number. No-op for declined/aborted ones.
   */
  async void(ref: string): Promise<void> {
    const tx = this.txs.get(ref);
    if (!tx) {
      if (this.orphan && this.orphan.state === 'approved') { this.orphan.decision = 'reverse'; return; }
      return;
    }
    this.count('voids');
    switch (tx.state) {
      case 'authorizing': {
        tx.kioskAbort = true;
        tx.decision = 'reverse';
        const transport = this.requireTransport();
        try { await this.sendCommand(transport, m.abort()); } catch (err) {
          this.log?.warn({ code: toKioskError(err).code, ref }, 'abort not acknowledged');
        }
        await this.waitUntil(() => tx.state !== 'authorizing', this.completionMs);
        const now = stateOf(tx);
        if (now === 'approved' || now === 'reversing') await this.waitUntil(() => FINAL.has(tx.state), this.statusRepeatMs + this.completionMs);
        return;
      }
      case 'approved':
      case 'reversing':
        tx.decision = 'reverse';
        // The PT cannot book without our 80 00 00, so waiting for its end is a courtesy, not a need.
        await this.waitUntil(() => FINAL.has(tx.state), this.statusRepeatMs + this.completionMs);
        return;
      case 'unknown':
        tx.decision = 'reverse';
        return;
      case 'booking':
        await this.waitUntil(() => FINAL.has(tx.state), this.completionMs);
        if (stateOf(tx) !== 'booked') return;
        await this.reverseBooked(tx);
        return;
      case 'booked':
        await this.reverseBooked(tx);
        return;
      default:
        return;
    }
  }

  /** Reversal (06 30) of a booked payment by its receipt number. */
  async reverse(ref: string): Promise<void> {
    const tx = this.txs.get(ref);
    if (tx?.state === 'reversed') return;
    if (!tx || tx.state !== 'booked') throw new KioskError('KIOSK_E_DEVICE_STATE', 'only a booked payment can be reversed', { details: { ref, state: tx?.state } });
    await this.reverseBooked(tx);
  }

  /** Kiosk-side abort (06 B0) of the running authorisation, e.g. the customer pressed cancel on the panel. */
  async abort(): Promise<void> {
    const tx = this.active;
    if (tx?.state === 'authorizing') await this.void(tx.ref);
  }

  /**
   * The outcome of `ref` (default: the last authorisation). Known outcomes come from memory. For an
   * outcome in doubt the driver first waits (at most the confirmation window) for the PT's repeated
   * status information, then asks the PT with Repeat Receipt (06 20), whose status information describes
   * the PT's last transaction. A ref this process never saw (after a restart) gets the PT's last
   * transaction: the caller compares its amount with the journal. That may be an earlier customer's
   * payment (the one asked about may never have reached the PT), and `void(ref)` would then reverse it:
   * ask about a ref this process never saw only when the journal proves the PT's last one is it (booking).
   */
  async queryLastResult(ref?: string): Promise<AuthorizeResult | undefined> {
    const r = ref ?? this.lastRef;
    if (r === undefined) return undefined;
    let tx = this.txs.get(r);
    if (!tx && !this.orphan && this.ptBusyAtConnect) {
      // The PT was busy at connect: a payment it holds shows up with its next status repeat.
      await this.waitUntil(() => this.orphan !== undefined, 2 * this.statusRepeatMs + this.cmdAckMs);
    }
    if (!tx && this.orphan) {
      tx = this.adoptOrphan(r);
      return this.view(tx);
    }
    if (tx && tx.state !== 'unknown') return this.view(tx);
    if (tx && this.active === tx) {
      const t = tx;
      const left = t.doubtUntil - this.opts.clock.monoMs();
      if (left > 0) await this.waitUntil(() => t.state !== 'unknown', left);
      if (t.state !== 'unknown') return this.view(t);
      if (this.active === t) this.active = undefined;
    }
    if (!tx) {
      tx = {
        ref: r, amount: 0, state: 'unknown', fields: undefined, reason: 'not-known-here', decision: undefined,
        statusCount: 0, kioskAbort: false, doubtUntil: 0, failure: undefined, receipt: [],
      };
      const found = await this.askTerminal(tx);
      if (!found) return undefined;
      this.txs.set(r, tx);
      return this.view(tx);
    }
    await this.askTerminal(tx);
    return this.view(tx);
  }

  /** End of day (06 50): closes the PT's batch. */
  async endOfDay(): Promise<EndOfDayResult> {
    this.requireIdle();
    await this.ensureRegistered();
    const op = await this.runOp('endOfDay', m.endOfDay(this.opts.password), this.eodMs);
    if (op.end?.kind === 'abort') {
      throw new KioskError('KIOSK_E_DEVICE_STATE', 'terminal refused the end of day', { details: { reason: m.resultReason(op.end.code) } });
    }
    const total = op.statuses.reduce<number | undefined>((acc, f) => f.amount ?? acc, undefined) ?? 0;
    this.count('endOfDay');
    return { total, currency: this.opts.currency, receipt: [...op.receipt] };
  }

  /** Where a transaction stands on the terminal (for the runtime's recovery and the field engineer). */
  transactionState(ref: string): ZvtTxState | undefined {
    return this.txs.get(ref)?.state;
  }

  /** The PT's receipt for `ref` as print lines, every PAN already cut to its last four digits. */
  receiptLines(ref: string): readonly string[] {
    return [...(this.txs.get(ref)?.receipt ?? [])];
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  private count(key: string, by = 1): void { this.stats[key] = (this.stats[key] ?? 0) + by; }

  private setStatus(s: DeviceStatus): void {
    if (s.state === this.current.state && s.reason === this.current.reason) return;
    this.current = s;
    this.emitter.emit('status', s);
  }

  private requireOpen(what: string): void {
    if (!this.wanted) throw new KioskError('KIOSK_E_DEVICE_STATE', `${what}: card terminal not open`);
  }

  private requireTransport(): ZvtTransport {
    const t = this.transport;
    if (!t) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'card terminal not connected', { retryable: true, disconnected: true });
    return t;
  }

  private requireIdle(ref?: string): void {
    const a = this.active;
    if (a && (FINAL.has(a.state) || (a.state === 'unknown' && this.opts.clock.monoMs() >= a.doubtUntil))) this.active = undefined;
    if (this.active || this.op || this.orphan) {
      throw new KioskError('KIOSK_E_DEVICE_STATE', 'card terminal is busy', { retryable: true, details: ref === undefined ? {} : { ref } });
    }
  }

  private view(tx: Tx): AuthorizeResult {
    const f = tx.fields;
    const card = {
      ...(f && cardTypeOf(f) !== undefined ? { cardType: cardTypeOf(f) } : {}),
      ...(f?.last4 !== undefined ? { last4: f.last4 } : {}),
    };
    const base = { ref: tx.ref, amount: tx.amount };
    switch (tx.state) {
      case 'approved':
      case 'booking':
      case 'booked': {
        const authCode = f?.authAttribute || (f?.trace !== undefined ? String(f.trace).padStart(6, '0') : undefined);
        return {
          ...base, outcome: 'approved', ...card, ...(authCode ? { authCode } : {}),
          reason: tx.state === 'booked' ? 'booked' : 'awaiting-confirmation',
        };
      }
      case 'reversing':
      case 'reversed':
        return { ...base, outcome: 'aborted', ...card, reason: tx.reason ?? 'reversed' };
      case 'declined':
      case 'failed':
        return { ...base, outcome: 'declined', ...card, reason: tx.reason ?? 'declined' };
      case 'aborted':
        return { ...base, outcome: 'aborted', reason: tx.reason ?? 'aborted' };
      case 'timeout':
        return { ...base, outcome: 'timeout', reason: tx.reason ?? 'no-answer' };
      case 'authorizing':
        return { ...base, outcome: 'unknown', reason: 'in-progress' };
      case 'unknown':
        return { ...base, outcome: 'unknown', reason: tx.reason ?? 'no-reply' };
    }
  }

  private finish(tx: Tx, state: ZvtTxState, reason?: string): void {
    tx.state = state;
    if (reason !== undefined) tx.reason = reason;
    if (FINAL.has(state) && this.active === tx) this.active = undefined;
    this.count(`tx.${state}`);
    this.poke();
  }

  private declareUnknown(tx: Tx, reason: string): void {
    tx.state = 'unknown';
    tx.reason = reason;
    // The PT may still hold the payment and repeat its status information until the window closes.
    tx.doubtUntil = this.opts.clock.monoMs() + this.confirmationWindowMs() + 2 * this.statusRepeatMs;
    this.count('tx.unknown');
    this.log?.warn({ ref: tx.ref, reason }, 'card authorisation outcome unknown');
    this.poke();
  }

  private adoptOrphan(ref: string): Tx {
    const o = this.orphan!;
    this.orphan = undefined;
    const tx: Tx = {
      ref, amount: o.fields.amount ?? 0, state: o.state, fields: o.fields, reason: undefined, decision: o.decision,
      statusCount: o.statusCount, kioskAbort: false, doubtUntil: this.opts.clock.monoMs() + this.confirmationWindowMs(),
      failure: undefined, receipt: [],
    };
    this.txs.set(ref, tx);
    this.active = tx;
    this.log?.info({ ref }, 'adopted a waiting payment from before this process');
    return tx;
  }

  /** Repeat Receipt (06 20): learns the PT's last transaction and maps it onto `tx`. */
  private async askTerminal(tx: Tx): Promise<boolean> {
    let op: Op;
    try {
      op = await this.runOp('repeatReceipt', m.repeatReceipt(this.opts.password), this.completionMs);
    } catch (err) {
      const e = toKioskError(err);
      this.log?.warn({ code: e.code, ref: tx.ref }, 'repeat receipt failed');
      if (e.code === 'KIOSK_E_DEVICE_STATE' || e.code === 'KIOSK_E_DEVICE_OFFLINE' || e.code === 'KIOSK_E_DEVICE_TIMEOUT') {
        throw new KioskError(e.code, 'card terminal could not report its last transaction', { retryable: true, disconnected: e.disconnected, details: { ref: tx.ref } });
      }
      throw e;
    }
    const s = [...op.statuses].reverse().find((f) => f.resultCode !== undefined);
    if (!s) return false;
    const amount = s.amount ?? 0;
    if (tx.amount !== 0 && amount !== tx.amount) {
      this.log?.warn({ ref: tx.ref }, 'the terminal\'s last transaction has another amount');
      return false;
    }
    tx.amount = amount;
    tx.fields = s;
    tx.receipt.push(...op.receipt);
    if (s.resultCode !== 0) this.finish(tx, 'declined', m.resultReason(s.resultCode!));
    else if (s.originalTrace !== undefined) this.finish(tx, 'reversed', 'reversed');
    else this.finish(tx, 'booked', 'booked');
    return true;
  }

  private async reverseBooked(tx: Tx): Promise<void> {
    const receiptNo = tx.fields?.receiptNo;
    if (receiptNo === undefined) throw new KioskError('KIOSK_E_DEVICE_STATE', 'booked payment has no receipt number', { details: { ref: tx.ref } });
    const op = await this.runOp('reversal', m.reversal(this.opts.password, receiptNo), this.completionMs);
    if (op.end?.kind === 'completion' || (op.end?.kind === 'abort' && op.end.code === 0xb4)) {
      this.finish(tx, 'reversed', 'reversed');
      this.count('reversals');
      this.emitter.emit('reversed', { ref: tx.ref, amount: tx.amount, reason: 'reversed' });
      return;
    }
    const code = op.end?.kind === 'abort' ? op.end.code : undefined;
    throw new KioskError('KIOSK_E_DEVICE_STATE', 'terminal refused the reversal', { details: { ref: tx.ref, reason: code === undefined ? 'no-end' : m.resultReason(code) } });
  }

  /** Sends a command and waits for the PT's APDU answer: 'ack' (80 00 00) or the 84 xx code. */
  private sendCommand(transport: ZvtTransport, apdu: Uint8Array): Promise<'ack' | number> {
    if (this.cmdWaiter) this.cmdWaiter({ kind: 'lost' });
    return new Promise((resolve, reject) => {
      const timer = this.opts.timers.setTimeout(() => {
        this.cmdWaiter = undefined;
        reject(new KioskError('KIOSK_E_DEVICE_TIMEOUT', 'terminal did not acknowledge the command', { retryable: true }));
      }, this.cmdAckMs);
      this.cmdWaiter = (msg) => {
        this.opts.timers.clearTimeout(timer);
        this.cmdWaiter = undefined;
        if (msg.kind === 'ack') resolve('ack');
        else if (msg.kind === 'nack') resolve(msg.code);
        else reject(new KioskError('KIOSK_E_DEVICE_OFFLINE', 'link lost before the terminal answered', { retryable: true, disconnected: true }));
      };
      this.log?.trace({ cls: apdu[0], ins: apdu[1] }, 'ZVT tx command');
      transport.send(apdu).catch((err: unknown) => {
        if (!this.cmdWaiter) return;
        this.opts.timers.clearTimeout(timer);
        this.cmdWaiter = undefined;
        reject(toKioskError(err, 'KIOSK_E_DEVICE_OFFLINE'));
      });
    });
  }

  private async runOp(kind: OpKind, apdu: Uint8Array, timeoutMs: number): Promise<Op> {
    // Registration at connect goes out even while a payment is in doubt: the PT says if it is busy.
    if (kind === 'register') {
      if (this.op) throw new KioskError('KIOSK_E_DEVICE_STATE', 'card terminal is busy', { retryable: true });
    } else {
      this.requireIdle();
    }
    const transport = this.requireTransport();
    const op: Op = { kind, accepted: false, statuses: [], receipt: [], end: undefined };
    this.op = op;
    try {
      const answer = await this.sendCommand(transport, apdu);
      if (answer !== 'ack') {
        throw new KioskError('KIOSK_E_DEVICE_STATE', `terminal refused ${kind}`, { retryable: true, details: { zvtCode: answer } });
      }
      op.accepted = true;
      const ok = await this.waitUntil(() => op.end !== undefined || this.transport !== transport, timeoutMs, Math.min(timeoutMs, this.idleMs));
      if (!ok || op.end === undefined) {
        throw this.transport === transport
          ? new KioskError('KIOSK_E_DEVICE_TIMEOUT', `terminal did not finish ${kind}`, { retryable: true })
          : new KioskError('KIOSK_E_DEVICE_OFFLINE', `link lost during ${kind}`, { retryable: true, disconnected: true });
      }
      return op;
    } finally {
      if (this.op === op) this.op = undefined;
    }
  }

  private waitUntil(check: () => boolean, timeoutMs: number, idleMs?: number): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w: Wait = {
        check, idleMs, idleTimer: undefined, timer: undefined,
        done: (ok) => {
          this.opts.timers.clearTimeout(w.timer);
          this.opts.timers.clearTimeout(w.idleTimer);
          this.waits.delete(w);
          resolve(ok);
        },
      };
      w.timer = this.opts.timers.setTimeout(() => w.done(check()), timeoutMs);
      if (idleMs !== undefined) w.idleTimer = this.opts.timers.setTimeout(() => w.done(check()), idleMs);
      this.waits.add(w);
    });
  }

  /** Re-checks every wait; `rx` restarts the idle timers (the PT said something). */
  private poke(rx = false): void {
    for (const w of [...this.waits]) {
      if (w.check()) { w.done(true); continue; }
      if (rx && w.idleMs !== undefined) {
        this.opts.timers.clearTimeout(w.idleTimer);
        w.idleTimer = this.opts.timers.setTimeout(() => w.done(w.check()), w.idleMs);
      }
    }
  }

  private fireAndForget(apdu: Uint8Array, what: string): void {
    const t = this.transport;
    if (!t) return;
    this.log?.trace({ cls: apdu[0], ins: apdu[1] }, 'ZVT tx');
    t.send(apdu).catch((err: unknown) => this.log?.warn({ code: toKioskError(err).code }, `${what}: send failed`));
  }

  // ---- connection -------------------------------------------------------------------------------

  private async connect(): Promise<void> {
    const link = await this.opts.openLink();
    const transport: ZvtTransport = this.opts.transport === 'serial'
      ? new SerialZvtTransport(link, this.opts.timers, {
        ...(this.opts.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: this.opts.ackTimeoutMs }),
        ...(this.opts.maxRetries === undefined ? {} : { maxRetries: this.opts.maxRetries }),
      }, this.transportCounters)
      : new TcpZvtTransport(link, this.transportCounters);
    transport.onApdu((a) => this.onApdu(transport, a));
    transport.onError((e) => { this.count(`linkErrors.${e.code}`); this.log?.debug({ code: e.code }, 'ZVT link error'); });
    transport.onClose(() => this.onLinkLost(transport));
    this.transport = transport;
    this.registered = false;
    try {
      await this.register();
    } catch (err) {
      if (isKioskError(err, 'KIOSK_E_DEVICE_STATE') && err.details['zvtCode'] === PT_BUSY && transport.isOpen) {
        // The PT is still in a transaction (after a kioskd restart, typically holding a payment for its
        // confirmation): stay connected so the recovery can claim it; registration is retried when idle.
        this.ptBusyAtConnect = true;
        this.log?.warn('card terminal busy at connect; registration deferred');
        this.setStatus(st('busy', 'terminal-busy', 'card terminal finishing a transaction'));
        return;
      }
      this.dropTransport(transport);
      await transport.close();
      throw err;
    }
    if (!this.wanted || !transport.isOpen) {
      this.dropTransport(transport);
      await transport.close();
      if (this.wanted) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'link lost during registration', { retryable: true, disconnected: true });
      return;
    }
    this.backoffMs = this.reconnectBaseMs;
    this.setStatus(st('online', 'ok', 'ready'));
  }

  /** Registration (06 00): config byte, currency; the completion carries the terminal id and currency. */
  private async register(): Promise<void> {
    const op = await this.runOp('register', m.registration(this.opts.password, this.configByte, this.opts.currency), this.completionMs);
    if (op.end?.kind !== 'completion') {
      throw new KioskError('KIOSK_E_DEVICE_STATE', 'terminal refused the registration', { details: { reason: op.end?.kind === 'abort' ? m.resultReason(op.end.code) : 'no-end' } });
    }
    const f = op.end.fields;
    if (f.currencyNumeric !== undefined && currencyFromNumeric(f.currencyNumeric) !== this.opts.currency) {
      this.setStatus(st('error', 'currency-mismatch', 'card terminal has another currency'));
      throw new KioskError('KIOSK_E_DEVICE_CURRENCY', 'card terminal currency differs', { details: { terminal: f.currencyNumeric } });
    }
    this.identity = {
      model: 'ZVT payment terminal',
      serial: f.terminalId ?? '',
      firmware: '',
      protocol: 'zvt',
      extra: { transport: this.opts.transport, currency: this.opts.currency, ...(f.byte19 === undefined ? {} : { statusByte: f.byte19 }) },
    };
    this.registered = true;
    this.ptBusyAtConnect = false;
  }

  /** Registers if the PT was busy at connect; called before a new command once the PT is idle. */
  private async ensureRegistered(): Promise<void> {
    if (this.registered) return;
    await this.register();
    this.setStatus(st('online', 'ok', 'ready'));
  }

  private dropTransport(t: ZvtTransport): void {
    if (this.transport !== t) return;
    this.transport = undefined;
    this.cmdWaiter?.({ kind: 'lost' });
    const a = this.active;
    if (a?.state === 'authorizing') this.declareUnknown(a, 'link-lost');
    // Waits bound to this link end now; the others (a payment in doubt) outlive a reconnect.
    this.poke();
  }

  private onLinkLost(t: ZvtTransport): void {
    if (this.transport !== t) return;
    this.log?.warn('card terminal link lost');
    this.count('linkLosses');
    this.dropTransport(t);
    this.setStatus(st('offline', 'link-down', 'card terminal not connected'));
    void t.close();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.wanted || this.reconnectTimer !== undefined) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.reconnectMaxMs);
    this.reconnectTimer = this.opts.timers.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.wanted || this.transport) return;
      this.count('reconnectAttempts');
      this.connect().then(
        () => { this.count('reconnects'); },
        (err: unknown) => {
          const e = toKioskError(err);
          this.log?.warn({ code: e.code }, 'card terminal reconnect failed');
          if (e.code !== 'KIOSK_E_DEVICE_CURRENCY') this.setStatus(st('offline', 'reconnecting', 'card terminal not connected'));
          this.scheduleReconnect();
        },
      );
    }, delay);
  }

  // ---- messages from the PT ---------------------------------------------------------------------

  private answer(t: ZvtTransport, apdu: Uint8Array): void {
    this.log?.trace({ cls: apdu[0], ins: apdu[1] }, 'ZVT tx answer');
    t.send(apdu).catch((err: unknown) => this.log?.warn({ code: toKioskError(err).code }, 'ZVT answer not delivered'));
  }

  private onApdu(t: ZvtTransport, a: Apdu): void {
    if (this.transport !== t) return;
    this.log?.trace({ cls: a.cls, ins: a.ins, len: a.data.length }, 'ZVT rx');
    let msg: m.PtMessage;
    try {
      msg = m.decodeMessage(a);
    } catch (err) {
      this.onMalformed(t, a, isKioskError(err) ? err : new KioskError('KIOSK_E_DEVICE_PROTOCOL', 'undecodable message'));
      this.poke(true);
      return;
    }
    try {
      this.dispatch(t, msg);
    } catch (err) {
      // A bug here must not take the kiosk down; the transaction ends safely through its timeouts.
      this.log?.error({ code: toKioskError(err).code }, 'ZVT message handling failed');
      this.count('handlerErrors');
    }
    this.poke(true);
  }

  private onMalformed(t: ZvtTransport, a: Apdu, err: KioskError): void {
    this.count('protocolErrors');
    this.log?.warn({ code: err.code, cls: a.cls, ins: a.ins, ...err.details }, 'malformed message from the card terminal');
    const tx = this.active;
    if (a.cls === 0x04 && a.ins === 0x0f && tx && (tx.state === 'authorizing' || tx.state === 'unknown')) {
      // An unreadable status information may be an approval: refuse it, so the PT reverses.
      tx.decision = 'reverse';
      tx.failure = new KioskError('KIOSK_E_DEVICE_PROTOCOL', 'card terminal sent a malformed status information', { details: { ref: tx.ref, ...err.details } });
      tx.state = 'reversing';
      tx.reason = 'protocol-error';
      this.answer(t, m.GOODS_FAILED_APDU);
      return;
    }
    if (a.cls === 0x04 && a.ins === 0x0f && tx && AWAITING.has(tx.state)) {
      this.answer(t, this.decisionApdu(tx.decision)); // a garbled repeat: answer as we would the good one
      return;
    }
    if (a.cls === 0x06 || a.cls === 0x04) this.answer(t, m.ACK_APDU);
  }

  private dispatch(t: ZvtTransport, msg: m.PtMessage): void {
    switch (msg.kind) {
      case 'ack':
      case 'nack': {
        const w = this.cmdWaiter;
        // Set here, not after the await: the PT's next message may be in the same chunk as its 80 00 00.
        if (w && msg.kind === 'ack' && this.op) this.op.accepted = true;
        if (w) w(msg);
        else this.count('unsolicitedAnswers');
        return;
      }
      case 'intermediate':
        this.answer(t, m.ACK_APDU);
        if (this.active?.state === 'authorizing') this.emitter.emit('intermediate', { text: msg.text, code: msg.code });
        return;
      case 'printLine':
        this.answer(t, m.ACK_APDU);
        this.receiptSink()?.push(msg.text);
        return;
      case 'textBlock':
        this.answer(t, m.ACK_APDU);
        this.receiptSink()?.push(...msg.lines);
        return;
      case 'status':
        this.onStatus(t, msg.fields);
        return;
      case 'completion':
      case 'abort':
        this.answer(t, m.ACK_APDU);
        this.onEnd(msg);
        return;
      case 'command':
        this.count('unexpectedCommands');
        this.log?.warn({ cls: msg.cls, ins: msg.ins }, 'unexpected command from the card terminal');
        this.answer(t, Uint8Array.of(0x84, 0x83, 0x00));
        return;
    }
  }

  private receiptSink(): string[] | undefined {
    return (this.op?.accepted ? this.op.receipt : undefined) ?? this.active?.receipt ?? (this.lastRef === undefined ? undefined : this.txs.get(this.lastRef)?.receipt);
  }

  private decisionApdu(decision: 'book' | 'reverse' | undefined): Uint8Array {
    return decision === 'book' ? m.ACK_APDU : decision === 'reverse' ? m.GOODS_FAILED_APDU : m.WAIT_APDU;
  }

  private onStatus(t: ZvtTransport, f: BmpFields): void {
    if (this.op?.accepted && COLLECTS.has(this.op.kind)) {
      this.op.statuses.push(f);
      this.answer(t, m.ACK_APDU);
      return;
    }
    const tx = this.active;
    const approved = f.resultCode === 0 && f.originalTrace === undefined;
    if (!tx) {
      if (!approved) { this.answer(t, m.ACK_APDU); return; }
      // An approval nobody here asked for: hold it (the runtime's recovery may claim it) or let the PT reverse.
      const o = this.orphan ?? { fields: f, statusCount: 0, decision: undefined, state: 'approved' as const };
      o.statusCount++;
      this.orphan = o;
      if (o.decision) o.state = o.decision === 'book' ? 'booking' : 'reversing';
      this.count('orphanStatus');
      this.answer(t, this.decisionApdu(o.decision));
      return;
    }
    if (f.resultCode === undefined) {
      this.onMalformed(t, { cls: 0x04, ins: 0x0f, data: new Uint8Array(0) }, new KioskError('KIOSK_E_DEVICE_PROTOCOL', 'status information without a result code'));
      return;
    }
    if (!approved) {
      this.answer(t, m.ACK_APDU);
      if (tx.state === 'authorizing' || tx.state === 'unknown') {
        // Stays active until the PT's 06 1E: the PT is still busy with it.
        tx.fields = f;
        tx.state = 'declined';
        tx.reason = m.resultReason(f.resultCode);
        this.count('tx.declined');
      }
      return;
    }
    tx.statusCount++;
    if (tx.state === 'authorizing' || tx.state === 'unknown') {
      tx.fields = f;
      const wrongCurrency = f.currencyNumeric !== undefined && currencyFromNumeric(f.currencyNumeric) !== this.opts.currency;
      const wrongAmount = f.amount !== undefined && f.amount !== tx.amount;
      if (wrongCurrency || wrongAmount) {
        tx.decision = 'reverse';
        tx.failure = new KioskError(wrongCurrency ? 'KIOSK_E_DEVICE_CURRENCY' : 'KIOSK_E_DEVICE_PROTOCOL', 'terminal approved another amount or currency', { details: { ref: tx.ref } });
        tx.state = 'reversing';
        tx.reason = wrongCurrency ? 'currency-mismatch' : 'amount-mismatch';
      } else {
        tx.state = 'approved';
        tx.doubtUntil = this.opts.clock.monoMs() + this.confirmationWindowMs() + this.statusRepeatMs;
        this.count('approved');
        this.log?.info({ ref: tx.ref, cardType: cardTypeOf(f), last4: f.last4 }, 'card payment approved; terminal waits for confirmation');
      }
    }
    if (tx.state === 'approved' && tx.decision) tx.state = tx.decision === 'book' ? 'booking' : 'reversing';
    if (tx.state === 'approved' && tx.statusCount >= this.maxStatusInfos) {
      this.log?.warn({ ref: tx.ref }, 'last status information unconfirmed: the terminal will auto-reverse');
    }
    this.answer(t, this.decisionApdu(tx.state === 'booked' ? 'book' : tx.decision));
  }

  private onEnd(msg: { kind: 'completion'; fields: BmpFields } | { kind: 'abort'; code: number; fields: BmpFields }): void {
    if (this.op?.accepted) {
      this.op.end = msg.kind === 'completion' ? { kind: 'completion', fields: msg.fields } : { kind: 'abort', code: msg.code };
      return;
    }
    const tx = this.active;
    if (!tx) {
      const o = this.orphan;
      if (o) {
        this.orphan = undefined;
        this.log?.info({ booked: msg.kind === 'completion' && o.state === 'booking' }, 'unclaimed terminal payment ended');
      }
      return;
    }
    if (msg.kind === 'completion') {
      switch (tx.state) {
        case 'booking': this.finish(tx, 'booked', 'booked'); return;
        case 'approved':
          // A PT that does not wait for the kiosk (no vending flow) books on its own: void() reverses with 06 30.
          this.log?.warn({ ref: tx.ref }, 'terminal completed without waiting for confirmation');
          this.finish(tx, 'booked', 'booked');
          return;
        case 'reversing': this.endReversed(tx, tx.reason ?? 'reversed'); return;
        case 'authorizing': this.finish(tx, 'unknown', 'completed-without-status'); this.active = undefined; return;
        case 'unknown':
          if (tx.fields === undefined) { this.active = undefined; this.poke(); }
          return;
        default: if (FINAL.has(tx.state)) this.active = undefined; return;
      }
    }
    switch (tx.state) {
      case 'authorizing':
      case 'unknown':
        if (msg.code === m.RESULT_ABORTED) this.finish(tx, 'aborted', tx.kioskAbort ? 'kiosk-abort' : 'customer-abort');
        else this.finish(tx, 'declined', m.resultReason(msg.code));
        return;
      case 'approved': this.endReversed(tx, 'auto-reversed'); return;
      case 'reversing': this.endReversed(tx, tx.reason ?? 'reversed'); return;
      case 'booking': this.endReversed(tx, 'booking-refused'); return;
      default: if (FINAL.has(tx.state)) this.active = undefined; return;
    }
  }

  private endReversed(tx: Tx, reason: string): void {
    this.finish(tx, 'reversed', reason);
    this.count(reason === 'auto-reversed' ? 'autoReversals' : 'reversals');
    if (reason === 'auto-reversed') this.log?.warn({ ref: tx.ref }, 'terminal auto-reversed an unconfirmed payment');
    const r: ZvtReversedEvent['reason'] = reason === 'auto-reversed' ? 'auto-reversed' : reason === 'booking-refused' ? 'booking-refused' : 'reversed';
    this.emitter.emit('reversed', { ref: tx.ref, amount: tx.amount, reason: r });
  }
}
