import { KioskError } from '../../../src/errors/index.js';
import type {
  Timers, BillValidator, BillValidatorEvents, CreditHandler, Denomination, DeviceStatus, EscrowNote, NoteCredit,
} from '../../../src/hal/index.js';
import type { Minor } from '../../../src/money/index.js';
import { FakeDevice, type FakeDeviceOptions } from './fake-device.js';

export interface FakeBillValidatorOptions extends FakeDeviceOptions {
  /** ISO 4217 currency of the default channel table. */
  readonly currency: string;
  /** Channel table; defaults to 1, 5, 10, 20, 50, 100 major units (100…10000 minor) on channels 1…6. */
  readonly denominations?: readonly Denomination[];
  /** Prefix of the per-note deviceRef (`<prefix>-<n>`); defaults to `fake`. */
  readonly refPrefix?: string;
  /**
   * Schedules credit delivery (the device's next poll). Defaults to setImmediate; with a ManualClock the
   * credit arrives on `advance(0)`.
   */
  readonly timers?: Timers;
}

/** What happened to a note pushed into the bezel by insert(). */
export type InsertResult =
  | 'escrow'
  /** Device closed, disabled, or unable to take notes (jam, cash box out, stacker full, fraud). */
  | 'rejected-disabled'
  | 'rejected-inhibited'
  /** The value is not in the channel table. */
  | 'rejected-unknown'
  /** A note is still in escrow or its credit is not acknowledged yet: the bezel takes nothing. */
  | 'rejected-busy'
  /** No power: nothing happens and nothing is reported. */
  | 'rejected-offline';

const DEFAULT_VALUES: readonly Minor[] = [100, 500, 1000, 2000, 5000, 10000];

const COUNTERS = [
  'accepted', 'rejected', 'rejectedInhibited', 'rejectedNotRecognised', 'stacked', 'credited', 'returned',
  'jams', 'creditNacks', 'cashboxRemovals', 'fraudAttempts',
] as const;

/**
 * A scriptable bill validator honouring the escrow/credit contract of src/hal/bill-validator.ts:
 * - insert() parks a valid note in escrow (`escrow` event); nothing is money yet;
 * - accept() moves it on; its credit goes to the CreditHandler, and only once the handler resolves does
 *   the fake "acknowledge" it and emit `stacked` then `credited`;
 * - a rejecting handler (or none registered) leaves the credit pending and the device busy, like an eSSP
 *   device without its EVENT ACK; redeliverPending() repeats it with the same deviceRef.
 * Credit delivery runs in a later macrotask (the next poll on the wire), after accept() has resolved, so a
 * host that awaits accept() inside the same queue as its credit handler cannot deadlock.
 */
export class FakeBillValidator extends FakeDevice<BillValidatorEvents> implements BillValidator {
  readonly kind = 'billValidator' as const;
  private readonly table: readonly Denomination[];
  private readonly refPrefix: string;
  private readonly nextPoll: (fn: () => void) => void;
  private tableRead = false;
  private acceptedValues: ReadonlySet<Minor> | undefined;
  private escrow: EscrowNote | undefined;
  private pending: NoteCredit | undefined;
  private delivery: Promise<boolean> | undefined;
  private handler: CreditHandler | undefined;
  private noteSeq = 0;
  private jammed: { readonly safe: boolean } | undefined;
  private cashboxOut = false;
  private stackerIsFull = false;
  private fraudSeen = false;
  private settleWaiters: Array<() => void> = [];

  constructor(opts: FakeBillValidatorOptions) {
    const table = opts.denominations ?? DEFAULT_VALUES.map((value, i) => ({ channel: i + 1, value, currency: opts.currency }));
    super(opts, {
      id: 'fake-billValidator',
      identity: {
        model: 'FakeBillValidator', serial: 'FAKE-BV-0001', firmware: '1.0.0', protocol: 'fake-hal', vendor: 'kioskd',
        extra: { currency: opts.currency, channels: table.length },
      },
      counters: COUNTERS,
    });
    this.table = table.map((d) => ({ ...d }));
    this.refPrefix = opts.refPrefix ?? 'fake';
    const timers = opts.timers;
    this.nextPoll = timers === undefined ? (fn) => { setImmediate(fn); } : (fn) => { timers.setTimeout(fn, 0); };
  }

  // ---- BillValidator ----

  /** Empty until the first open(), as a driver only knows the table after reading it from the device. */
  denominations(): readonly Denomination[] { return this.tableRead ? this.table : []; }

  async setAcceptedValues(values: readonly Minor[]): Promise<void> {
    this.requireOpen('setAcceptedValues');
    this.acceptedValues = new Set(values);
  }

  async accept(): Promise<void> {
    const note = this.takeEscrow('accept');
    this.bump('accepted');
    this.pending = { ...note, deviceRef: `${this.refPrefix}-${++this.noteSeq}` };
    void this.deliver();
  }

  async reject(): Promise<void> {
    const note = this.takeEscrow('reject');
    this.bump('returned');
    this.events.emit('returned', { value: note.value });
    this.settle();
  }

  escrowNote(): EscrowNote | undefined { return this.escrow; }

  setCreditHandler(handler: CreditHandler): void { this.handler = handler; }

  // ---- test controls ----

  /** A customer pushes a note of this value into the bezel. Resolves once it is in escrow or refused. */
  async insert(value: Minor): Promise<InsertResult> {
    if (!this.isPluggedIn()) return 'rejected-offline';
    if (!this.isOpen()) return 'rejected-disabled';
    if (this.escrow !== undefined || this.pending !== undefined) return 'rejected-busy';
    if (!this.isEnabled() || this.faultStatus() !== undefined) {
      this.refuse('inhibited', 'rejectedInhibited', 0x0c);
      return 'rejected-disabled';
    }
    const denom = this.table.find((d) => d.value === value);
    if (denom === undefined) {
      this.refuse('not-recognised', 'rejectedNotRecognised');
      return 'rejected-unknown';
    }
    if (this.acceptedValues !== undefined && !this.acceptedValues.has(value)) {
      this.refuse('inhibited', 'rejectedInhibited', 0x06);
      return 'rejected-inhibited';
    }
    this.escrow = { channel: denom.channel, value: denom.value, currency: denom.currency };
    this.events.emit('escrow', this.escrow);
    return 'escrow';
  }

  /** The credit not yet acknowledged by the host, if any. */
  pendingCredit(): NoteCredit | undefined { return this.pending; }

  /**
   * Repeats the unacknowledged credit (same deviceRef) to the handler, as the device does on the next poll.
   * Resolves true when the handler took it this time.
   */
  async redeliverPending(): Promise<boolean> {
    if (this.delivery !== undefined) return this.delivery;
    if (this.pending === undefined || !this.listening) return false;
    return this.deliver();
  }

  /** Resolves when no note is in escrow and no credit delivery is running. */
  whenSettled(): Promise<void> {
    if (this.escrow === undefined && this.delivery === undefined) return Promise.resolve();
    return new Promise((resolve) => { this.settleWaiters.push(resolve); });
  }

  /** A note jams in the transport; the device reports an error and refuses notes until clearJam(). */
  jam(safe: boolean): void {
    this.bump('jams');
    this.jammed = { safe };
    if (this.listening) this.events.emit('jam', { safe });
    this.refreshStatus();
  }

  clearJam(): void {
    this.jammed = undefined;
    this.refreshStatus();
  }

  removeCashbox(): void {
    if (this.cashboxOut) return;
    this.cashboxOut = true;
    this.bump('cashboxRemovals');
    if (this.listening) this.events.emit('cashboxRemoved', {});
    this.refreshStatus();
  }

  /** Puts the (emptied) cash box back; clears stacker-full. */
  replaceCashbox(): void {
    if (!this.cashboxOut) return;
    this.cashboxOut = false;
    this.stackerIsFull = false;
    if (this.listening) this.events.emit('cashboxReplaced', {});
    this.refreshStatus();
  }

  stackerFull(): void {
    if (this.stackerIsFull) return;
    this.stackerIsFull = true;
    if (this.listening) this.events.emit('stackerFull', {});
    this.refreshStatus();
  }

  /** The device saw a fraud attempt (string, optics); status `fraud` until clearFraud(). */
  fraud(value?: Minor): void {
    this.bump('fraudAttempts');
    this.fraudSeen = true;
    if (this.listening) this.events.emit('fraudAttempt', value === undefined ? {} : { value });
    this.refreshStatus();
  }

  clearFraud(): void {
    this.fraudSeen = false;
    this.refreshStatus();
  }

  // ---- lifecycle hooks ----

  protected override onOpened(): void { this.tableRead = true; }

  /** Power loss returns the note held in escrow; an unacknowledged credit survives (the note is stacked). */
  protected override onUnplugging(): void {
    if (this.escrow === undefined) return;
    const { value } = this.escrow;
    this.escrow = undefined;
    this.bump('returned');
    this.events.emit('returned', { value });
    this.settle();
  }

  protected override faultStatus(): DeviceStatus | undefined {
    if (this.fraudSeen) return { state: 'fraud', reason: 'fraud-attempt', text: 'fraud attempt detected' };
    if (this.jammed) return { state: 'error', reason: 'jam', text: this.jammed.safe ? 'note jammed (safe)' : 'note jammed (unsafe)' };
    if (this.cashboxOut) return { state: 'error', reason: 'cashbox-removed', text: 'cash box removed' };
    if (this.stackerIsFull) return { state: 'error', reason: 'stacker-full', text: 'stacker full' };
    return undefined;
  }

  // ---- internals ----

  private takeEscrow(op: string): EscrowNote {
    this.requireOpen(op);
    if (this.jammed) throw new KioskError('KIOSK_E_DEVICE_FAULT', `${this.id}: ${op}: note jammed`);
    const note = this.escrow;
    if (note === undefined) throw new KioskError('KIOSK_E_DEVICE_STATE', `${this.id}: ${op}: no note in escrow`);
    this.escrow = undefined;
    return note;
  }

  private refuse(reason: 'inhibited' | 'not-recognised', counter: string, code?: number): void {
    this.bump('rejected');
    this.bump(counter);
    this.events.emit('rejected', code === undefined ? { reason } : { reason, code });
  }

  private deliver(): Promise<boolean> {
    const run = async (): Promise<boolean> => {
      await new Promise<void>((r) => { this.nextPoll(r); }); // the credit comes with a later poll
      const credit = this.pending;
      const handler = this.handler;
      if (credit === undefined || handler === undefined || !this.listening) return false;
      try {
        await handler(credit);
      } catch {
        this.bump('creditNacks');
        return false;
      }
      if (!this.listening || this.pending !== credit) return false; // the acknowledgement never reached the device
      this.pending = undefined;
      this.bump('stacked');
      this.bump('credited');
      this.events.emit('stacked', { value: credit.value });
      this.events.emit('credited', credit);
      return true;
    };
    const p = run().finally(() => {
      this.delivery = undefined;
      this.settle();
    });
    this.delivery = p;
    return p;
  }

  private settle(): void {
    if (this.escrow !== undefined || this.delivery !== undefined) return;
    const waiters = this.settleWaiters;
    this.settleWaiters = [];
    for (const w of waiters) w();
  }
}
