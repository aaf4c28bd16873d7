import { KioskError } from '../../../src/errors/index.js';
import type {
  AuthorizeRequest, AuthorizeResult, CardPayment, CardPaymentEvents,
} from '../../../src/hal/index.js';
import { isCurrency, isMinor } from '../../../src/money/index.js';
import { FakeDevice, type FakeDeviceOptions } from './fake-device.js';

/**
 * How the next authorize() ends:
 * - approve / decline / abort (customer cancelled at the terminal) / timeout (no card presented);
 * - no-reply: the terminal approves but its reply is lost — authorize() rejects KIOSK_E_DEVICE_TIMEOUT
 *   and only queryLastResult() tells the truth;
 * - hold: authorize() waits until the test calls release().
 */
export type CardMode = 'approve' | 'decline' | 'abort' | 'timeout' | 'no-reply' | 'hold';
type Decision = Exclude<CardMode, 'hold'>;

export type CardTxState = 'approved' | 'committed' | 'voided' | 'declined' | 'aborted' | 'timeout';

export interface FakeCardPaymentOptions extends FakeDeviceOptions {
  readonly mode?: CardMode;
  /** Terminal currency; a request in another currency throws KIOSK_E_DEVICE_CURRENCY. Defaults to CNY. */
  readonly currency?: string;
  readonly cardType?: string;
  readonly last4?: string;
}

interface Tx { result: AuthorizeResult; state: CardTxState }

/**
 * A card module after UnifiedPOS CAT: authorize, then commit or void, and queryLastResult after a lost
 * reply. authorize() needs an enabled device and is idempotent per `ref` (the same ref returns the first
 * result, as an acquirer does with an idempotency key). commit() needs an approved, unvoided ref; void()
 * of an unknown or unapproved ref is a no-op; both are idempotent.
 */
export class FakeCardPayment extends FakeDevice<CardPaymentEvents> implements CardPayment {
  readonly kind = 'cardPayment' as const;
  private mode: CardMode;
  private readonly currency: string;
  private readonly cardType: string;
  private readonly last4: string;
  private readonly txs = new Map<string, Tx>();
  private last: Tx | undefined;
  private busy = false;
  private held: { req: AuthorizeRequest; finish: (d: Decision) => void; fail: (e: KioskError) => void } | undefined;
  private authSeq = 0;

  constructor(opts: FakeCardPaymentOptions = {}) {
    super(opts, {
      id: 'fake-cardPayment',
      identity: { model: 'FakeCardPayment', serial: 'FAKE-CP-0001', firmware: '1.0.0', protocol: 'fake-hal', vendor: 'kioskd' },
      counters: ['authorizations', 'approved', 'declined', 'aborted', 'timeouts', 'lostReplies', 'commits', 'voids'],
    });
    this.mode = opts.mode ?? 'approve';
    this.currency = opts.currency ?? 'CNY';
    this.cardType = opts.cardType ?? 'UnionPay';
    this.last4 = opts.last4 ?? '0005';
  }

  async authorize(req: AuthorizeRequest): Promise<AuthorizeResult> {
    this.requireEnabled('authorize');
    if (!isMinor(req.amount) || req.amount === 0 || !isCurrency(req.currency) || req.ref === '') {
      throw new KioskError('KIOSK_E_INTERNAL', `${this.id}: malformed authorize request`, { details: { ref: req.ref } });
    }
    if (req.currency !== this.currency) {
      throw new KioskError('KIOSK_E_DEVICE_CURRENCY', `${this.id}: terminal currency is ${this.currency}`);
    }
    const known = this.txs.get(req.ref);
    if (known !== undefined) return known.result;
    if (this.busy) throw new KioskError('KIOSK_E_DEVICE_STATE', `${this.id}: an authorization is in progress`, { retryable: true });
    this.busy = true;
    try {
      this.bump('authorizations');
      this.events.emit('intermediate', { text: req.paymentCode === undefined ? 'Present card' : 'Processing payment code' });
      const decision = this.mode === 'hold' ? await this.waitForRelease(req) : this.mode;
      return this.conclude(req, decision);
    } finally {
      this.busy = false;
    }
  }

  async commit(ref: string): Promise<void> {
    this.requireOpen('commit');
    const tx = this.txs.get(ref);
    if (tx?.state === 'committed') return;
    if (tx?.state !== 'approved') {
      throw new KioskError('KIOSK_E_DEVICE_STATE', `${this.id}: nothing approved to commit`, { details: { ref, state: tx?.state } });
    }
    tx.state = 'committed';
    this.bump('commits');
  }

  async void(ref: string): Promise<void> {
    this.requireOpen('void');
    const tx = this.txs.get(ref);
    if (tx === undefined || tx.state !== 'approved') {
      if (tx?.state === 'committed') {
        throw new KioskError('KIOSK_E_DEVICE_STATE', `${this.id}: already committed`, { details: { ref } });
      }
      return;
    }
    tx.state = 'voided';
    this.bump('voids');
  }

  async queryLastResult(ref?: string): Promise<AuthorizeResult | undefined> {
    this.requireOpen('queryLastResult');
    return ref === undefined ? this.last?.result : this.txs.get(ref)?.result;
  }

  // ---- test controls ----

  setMode(mode: CardMode): void { this.mode = mode; }

  /** The request waiting in `hold` mode, if any. */
  heldRequest(): AuthorizeRequest | undefined { return this.held?.req; }

  /** Ends the held authorize() as `decision` would have. */
  release(decision: Decision): void {
    const h = this.held;
    if (h === undefined) throw new KioskError('KIOSK_E_DEVICE_STATE', `${this.id}: no authorization is held`);
    this.held = undefined;
    h.finish(decision);
  }

  /** Where a transaction stands on the terminal, for assertions. */
  transactionState(ref: string): CardTxState | undefined { return this.txs.get(ref)?.state; }

  private waitForRelease(req: AuthorizeRequest): Promise<Decision> {
    return new Promise((finish, fail) => { this.held = { req, finish, fail }; });
  }

  /** The host lost the terminal mid-authorization: the outcome is unknown to it (and not recorded here). */
  private dropHeld(err: KioskError): void {
    const h = this.held;
    this.held = undefined;
    h?.fail(err);
  }

  protected override onUnplugging(): void {
    this.dropHeld(new KioskError('KIOSK_E_DEVICE_OFFLINE', `${this.id}: terminal went away`, { disconnected: true }));
  }

  protected override onClosing(): void {
    this.dropHeld(new KioskError('KIOSK_E_DEVICE_STATE', `${this.id}: closed during authorize`));
  }

  private conclude(req: AuthorizeRequest, decision: Decision): AuthorizeResult {
    const base = { ref: req.ref, amount: req.amount };
    let tx: Tx;
    switch (decision) {
      case 'approve':
      case 'no-reply': {
        const authCode = String(++this.authSeq).padStart(6, '0');
        tx = { state: 'approved', result: { ...base, outcome: 'approved', authCode, cardType: this.cardType, last4: this.last4 } };
        this.bump('approved');
        break;
      }
      case 'decline':
        tx = { state: 'declined', result: { ...base, outcome: 'declined', cardType: this.cardType, last4: this.last4, reason: 'declined by issuer' } };
        this.bump('declined');
        break;
      case 'abort':
        tx = { state: 'aborted', result: { ...base, outcome: 'aborted', reason: 'cancelled by customer' } };
        this.bump('aborted');
        break;
      case 'timeout':
        tx = { state: 'timeout', result: { ...base, outcome: 'timeout', reason: 'no card presented' } };
        this.bump('timeouts');
        break;
    }
    this.txs.set(req.ref, tx);
    this.last = tx;
    if (decision === 'no-reply') {
      this.bump('lostReplies');
      throw new KioskError('KIOSK_E_DEVICE_TIMEOUT', `${this.id}: no reply to authorize`, { retryable: true });
    }
    this.events.emit('intermediate', { text: tx.result.outcome === 'approved' ? 'Approved' : 'Not approved' });
    return tx.result;
  }
}
