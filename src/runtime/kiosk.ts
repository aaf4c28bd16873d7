import type { Logger } from 'pino';
import { KioskError, toKioskError, type ErrorCode } from '../errors/index.js';
import {
  initialState, transition,
  type BillInfo, type ElectronicTender, type OpenTx, type FsmConfig, type FsmEffect, type FsmEvent, type FsmState, type JournalRecord, type Outcome, type Screen, type TimerName,
} from '../fsm/index.js';
import {
  isUsable, TypedEmitter,
  type BillValidator, type Clock, type Device, type DeviceEvents, type DeviceStatus, type Display, type DisplayFrame, type NoteCredit,
  type CardPayment, type Panel, type PrintDocument, type PrintResult, type ReceiptPrinter, type Scanner, type TimerHandle, type Timers,
} from '../hal/index.js';
import type { CollectionRow, Journal, SqliteDatabase, StoredEvent } from '../ledger/index.js';
import type { Minor } from '../money/index.js';
import { BillerRetrier, billOf } from './biller-retry.js';
import { collectionReceipt, collectionRecord, isAttestationCode } from './collection.js';
import { localDay, localDayRange } from './local-day.js';
import { formatLocalTime } from './receipt/from-journal.js';
import { countersRecord } from './counters-check.js';
import { NamedTimers } from './named-timers.js';
import { receiptFor } from './receipt/from-journal.js';
import type { Locale } from './screens/catalogue.js';
import { renderScreen } from './screens/render.js';
import { classifyPaymentCode } from '../drivers/wallet/index.js';
import { computeService } from './service.js';

/** A customer-presented wallet payment code (never a bill barcode); the rules live with the wallet driver. */
export function isPaymentCode(s: string): boolean {
  const c = classifyPaymentCode(s);
  return c !== undefined && c.wallet !== 'unknown';
}

export interface KioskDevices {
  readonly billValidator: BillValidator;
  readonly scanner: Scanner;
  readonly receiptPrinter: ReceiptPrinter;
  readonly display: Display;
  readonly panel: Panel;
  /** The card module (ZVT…), when the terminal has one. */
  readonly cardPayment?: CardPayment;
  /** The wallet gateway for customer-presented payment codes, when configured. */
  readonly wallet?: CardPayment;
}

/** The biller as the runtime needs it; errors are KioskErrors whose codes decide the FSM event. */
export interface BillerPort {
  lookup(code: string): Promise<BillInfo>;
  post(req: { readonly txId: string; readonly bill: BillInfo; readonly amount: Minor; readonly partial: boolean }): Promise<{ readonly billerRef: string }>;
  /** Takes a posting back (same idempotency key) when the card could not be booked after all. */
  cancel?(txId: string): Promise<{ readonly cancelled: boolean }>;
  /** The biller's own totals for [fromWallMs, toWallMs), for the daily settlement (optional). */
  settlement?(fromWallMs: number, toWallMs: number): Promise<{ readonly count: number; readonly total: Minor }>;
}

export interface KioskSettings {
  readonly terminalId: string;
  readonly locale: Locale;
  readonly hotline: string;
  readonly eReceiptBaseUrl: string;
  readonly fsm: FsmConfig;
}

export interface KioskOptions {
  readonly settings: KioskSettings;
  readonly journal: Journal;
  readonly devices: KioskDevices;
  readonly biller: BillerPort;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly newTxId: () => string;
  /** Whether the wall clock is known to be right (NTP synchronised); receipts mark the time otherwise. */
  readonly clockSynced?: () => boolean;
  /** Runs inside the journal's SQL transaction of every append (the telemetry outbox enqueues there). */
  readonly onAppend?: (records: readonly JournalRecord[], db: SqliteDatabase) => void;
  /**
   * Called at every journal append site, `before:<type>` and `after:<type>` of the first record written.
   * The crash-injection harness kills the process here; production passes nothing.
   */
  readonly probe?: (site: AppendSite) => void;
  /** Whether the telemetry outbox reached a bound of a class that is never dropped: stop taking customers. */
  readonly outboxFull?: () => boolean;
  /** First retry delay of the biller outbox (pending postings); doubles up to 15 min while it fails. */
  readonly billerRetryMs?: number;
}

/** Every journal append site the runtime has: before and after the commit, by first record type. */
export const APPEND_RECORD_TYPES = [
  'tx.opened', 'note.decided', 'note.credited', 'tx.post-intent', 'tx.posted', 'tx.post-failed', 'tx.closed', 'receipt.printed',
  'tx.late-post', 'validator.counters', 'cash.collected', 'collection.attested', 'settlement.made',
  'tx.authorised', 'tx.auth-failed', 'tx.booked', 'tx.unposted', 'tx.voided',
] as const satisfies readonly JournalRecord['type'][];
/** Written only behind another record in one commit (tx.auth-intent follows tx.opened): never a site of its own. */
const NEVER_FIRST = ['tx.auth-intent'] as const satisfies readonly JournalRecord['type'][];
// A record type added to the journal without being listed above fails to compile here.
const everyTypeListed: [Exclude<JournalRecord['type'], (typeof APPEND_RECORD_TYPES)[number] | (typeof NEVER_FIRST)[number]>] extends [never] ? true : false = true;
void everyTypeListed;
export type AppendSite = `${'before' | 'after'}:${JournalRecord['type']}`;
export const APPEND_SITES: readonly AppendSite[] = APPEND_RECORD_TYPES.flatMap((t) => [`before:${t}`, `after:${t}`] as const);

export type ServiceState = 'starting' | 'recovering' | 'in-service' | 'out-of-service' | 'stopped';

export interface KioskEvents extends Record<string, unknown> {
  screen: { readonly screen: Screen; readonly frame: DisplayFrame };
  state: { readonly fsm: FsmState['name']; readonly service: ServiceState; readonly reasons: readonly string[] };
  journal: { readonly stored: readonly StoredEvent[] };
  receipt: { readonly txId: string; readonly document: PrintDocument; readonly printed: boolean };
  transaction: { readonly txId: string; readonly outcome: Outcome; readonly paid: Minor };
  device: { readonly device: string; readonly status: DeviceStatus };
  fault: { readonly code: ErrorCode | string; readonly where: string };
  /** A cash period closed (cash box emptied), and later attested by the collector. */
  collection: { readonly collectionId: string; readonly total: Minor; readonly notes: number; readonly attested: boolean };
  /** Something an operator must look at; durable alarms also go through the journal to the fleet. */
  alarm: { readonly kind: string; readonly details: Readonly<Record<string, string | number>> };
}

const LOOKUP_NOT_FOUND: ReadonlySet<string> = new Set(['KIOSK_E_BILL_NOT_FOUND', 'KIOSK_E_BARCODE_UNKNOWN', 'KIOSK_E_BARCODE_CHECK']);
/** FSM states with no money in flight: service changes apply at once only there. */
const AT_REST: ReadonlySet<FsmState['name']> = new Set(['idle', 'done', 'out-of-service', 'looking-up', 'bill-shown']);

/**
 * The imperative shell around the pure FSM: feeds device events in, journals each transition's records
 * (one SQL transaction, fsync'd) before running any other effect, executes effects, and feeds their
 * outcomes back as events. It also owns what lives outside one transaction: the service state, the
 * biller outbox, the receipt queue, recovery at boot and a graceful shutdown.
 */
export class Kiosk {
  private fsm: FsmState = initialState;
  private service: ServiceState = 'starting';
  private reasons: readonly string[] = [];
  private readonly flags = { journalFailed: false, shuttingDown: false, operatorOut: false, doorOpen: false };
  private readonly statuses: Record<string, DeviceStatus | undefined> = {};
  private readonly emitter: TypedEmitter<KioskEvents>;
  private readonly timers: NamedTimers<TimerName>;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly retrier: BillerRetrier;
  private lastDisplayed: Screen = { id: 'welcome' };
  /** An escrow decision the validator has not taken yet (it was offline): re-issued when it is back. */
  private pendingDecision: 'accept' | 'reject' | undefined;
  private drainingReceipts = false;
  private settlementTimer: TimerHandle | undefined;
  /** A collection waiting for its collector's badge and bag seal (scanned while the door is open). */
  private attesting: { collectionId: string; collectorId?: string } | undefined;

  constructor(private readonly o: KioskOptions) {
    this.emitter = new TypedEmitter<KioskEvents>((err, event) => o.logger.error({ err, event }, 'kiosk listener failed'));
    this.timers = new NamedTimers<TimerName>(o.timers, (timer) => this.dispatch({ type: 'timeout', timer }));
    this.retrier = new BillerRetrier({
      journal: o.journal, biller: o.biller, timers: o.timers, logger: o.logger,
      append: (records) => this.append(records), ...(o.billerRetryMs !== undefined ? { baseMs: o.billerRetryMs } : {}),
    });
  }

  on<K extends keyof KioskEvents & string>(event: K, fn: (p: KioskEvents[K]) => void): () => void {
    return this.emitter.on(event, fn);
  }

  state(): FsmState { return this.fsm; }
  serviceState(): { readonly service: ServiceState; readonly reasons: readonly string[] } {
    return { service: this.service, reasons: this.reasons };
  }
  get devices(): KioskDevices { return this.o.devices; }
  get journal(): Journal { return this.o.journal; }
  /** The screen the FSM last asked for. */
  currentScreen(): Screen { return this.lastDisplayed; }

  /** Opens the devices, finishes what a previous run left open, then serves customers. */
  async start(): Promise<void> {
    const { devices, logger } = this.o;
    this.setService('recovering');
    this.wireDevices();
    // A validator redelivers an unacknowledged credit as soon as it is opened: the transaction it belongs to
    // must be waiting for it before then, or the credit would land outside any transaction.
    this.awaitInFlightNote();
    for (const [name, dev] of Object.entries(devices) as [string, Device<DeviceEvents> | undefined][]) {
      if (!dev) continue;
      try {
        await dev.open();
      } catch (err) {
        const e = toKioskError(err, 'KIOSK_E_DEVICE_OFFLINE');
        logger.warn({ device: name, code: e.code }, 'device did not open');
        this.emitter.emit('fault', { code: e.code, where: name });
      }
      this.onDeviceStatus(name, dev.status());
    }
    await this.recover();
    await this.safe('scanner', () => devices.scanner.enable());
    await this.safe('panel', () => devices.panel.enable());
    if (devices.cardPayment) await this.safe('cardPayment', () => devices.cardPayment!.enable());
    if (devices.wallet) await this.safe('wallet', () => devices.wallet!.enable());
    this.setService('in-service');
    this.syncService();
    // In idle, the message timer's expiry is what draws the welcome screen.
    if (this.fsm.name === 'idle') this.dispatch({ type: 'timeout', timer: 'message' });
    this.retrier.start();
    this.drainReceiptQueue();
    // The daily settlement needs a true calendar day: it runs only once the clock is synchronised.
    this.settlementTimer = this.o.timers.setInterval(() => this.settleYesterdayIfDue(), 60 * 60_000);
    this.settleYesterdayIfDue();
  }

  private settleYesterdayIfDue(): void {
    if (!(this.o.clockSynced?.() ?? false)) return;
    const day = localDay(this.o.clock.wallMs(), -1);
    const last = this.o.journal.lastOfType('settlement.made')?.record;
    if (last?.type === 'settlement.made' && last.day >= day) return;
    this.track('settlement', async () => { await this.settleDay(day); });
  }

  /**
   * SIGTERM: stop taking customers, let the note in escrow and the open transaction reach a resting state
   * (a paid part is posted, an untouched one cancelled), then stop. Bounded by `timeoutMs`: whatever is
   * still open then is finished by recovery at the next start.
   */
  async shutdown(timeoutMs = 30_000): Promise<void> {
    this.flags.shuttingDown = true;
    this.syncService();
    const name = this.fsm.name;
    if (name === 'accepting' || name === 'bill-shown' || name === 'looking-up') this.dispatch({ type: 'button', button: 'cancel' });
    const deadline = this.o.clock.monoMs() + timeoutMs;
    while (this.o.clock.monoMs() < deadline) {
      await this.settle();
      if (AT_REST.has(this.fsm.name) && this.fsm.name !== 'looking-up' && this.fsm.name !== 'bill-shown') break;
      await new Promise<void>((r) => { this.o.timers.setTimeout(r, 50); });
    }
    if (!AT_REST.has(this.fsm.name)) this.o.logger.warn({ fsm: this.fsm.name }, 'shutdown deadline passed with a transaction open; recovery finishes it at the next start');
    await this.stop();
  }

  /** Stops timers and closes devices. */
  async stop(): Promise<void> {
    this.retrier.stop();
    this.o.timers.clearInterval(this.settlementTimer);
    this.timers.cancelAll();
    await this.settle();
    for (const off of this.unsubscribe.splice(0)) off();
    for (const dev of Object.values(this.o.devices) as (Device<DeviceEvents> | undefined)[]) if (dev) await this.safe(dev.id, () => dev.close());
    this.setService('stopped');
  }

  /** Resolves once every effect started so far (and those they started) has finished. */
  async settle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /** The operator's "out of service" / "in service" (fleet command, kioskctl). */
  setOperatorService(inService: boolean): void {
    this.flags.operatorOut = !inService;
    this.syncService();
  }

  /** Prints the receipt of `txId` (default: the last money-taking transaction) again, marked COPY. */
  async reprint(txId?: string): Promise<PrintResult> {
    const row = txId ? this.o.journal.transaction(txId) : this.o.journal.lastClosedTransaction();
    if (!row || row.state !== 'closed' || row.outcome === null) return { printed: false, reason: 'no-such-transaction' };
    const printed = await this.printFromJournal(row.txId, row.outcome, true);
    this.append([{ type: 'receipt.printed', txId: row.txId, printed }]);
    return printed ? { printed } : { printed, reason: 'printer' };
  }

  /**
   * Closes the current cash period: what the journal says is in the cash box, by denomination, becomes a
   * collection. Called when the validator reports the cash box removed, or by the operator (kioskctl).
   */
  collectCash(reason: 'cashbox-removed' | 'operator'): CollectionRow {
    const collectionId = `C-${this.o.newTxId()}`;
    this.append([collectionRecord(this.o.journal, collectionId, reason)]);
    const row = this.o.journal.collection(collectionId)!;
    this.attesting = { collectionId };
    this.emitter.emit('collection', { collectionId, total: row.total, notes: row.notes, attested: false });
    if (this.flags.doorOpen) this.showScreen({ id: 'collect-collector', params: { total: row.total, notes: row.notes, currency: this.o.settings.fsm.currency } });
    return row;
  }

  /** Prints the collection slip with who took the cash and under which bag seal, then journals both. */
  async attestCollection(collectorId: string, sealNumber: string, collectionId?: string): Promise<PrintResult> {
    const id = collectionId ?? this.attesting?.collectionId ?? this.o.journal.collections(1)[0]?.collectionId;
    if (!id || !this.o.journal.collection(id)) return { printed: false, reason: 'no-such-collection' };
    if (!isAttestationCode(collectorId) || !isAttestationCode(sealNumber)) return { printed: false, reason: 'bad-code' };
    const { settings, clock } = this.o;
    const row = { ...this.o.journal.collection(id)!, collectorId, sealNumber };
    // The slip goes out before the attestation is journaled: a crash between the two leaves the slip in
    // the collector's hand and the collection unattested, and attesting it again prints it again. The
    // other order could leave an attested collection whose slip never printed, with nothing to reprint it.
    const doc = collectionReceipt(row, settings.terminalId, formatLocalTime(clock.wallMs()), settings.locale);
    let result: PrintResult = { printed: false, reason: 'printer' };
    try { result = await this.o.devices.receiptPrinter.print(doc); } catch (err) { this.o.logger.warn({ code: toKioskError(err).code }, 'collection slip not printed'); }
    this.append([{ type: 'collection.attested', collectionId: id, collectorId, sealNumber }]);
    if (this.attesting?.collectionId === id) this.attesting = undefined;
    this.emitter.emit('collection', { collectionId: id, total: row.total, notes: row.notes, attested: true });
    if (this.flags.doorOpen) this.showScreen({ id: 'collect-done' });
    return result;
  }

  /**
   * The daily settlement: the journal's postings of one local day against the biller's own totals and the
   * validator's counters. Journaled and published; any difference raises an alarm.
   */
  async settleDay(day: string): Promise<Extract<JournalRecord, { type: 'settlement.made' }>> {
    const [from, to] = localDayRange(day);
    const currency = this.o.settings.fsm.currency;
    const mine = this.o.journal.postedBetween(from, to).find((r) => r.currency === currency) ?? { count: 0, total: 0 };
    const differences: string[] = [];
    let biller: { count: number; total: Minor } | null = null;
    try {
      biller = this.o.biller.settlement ? await this.o.biller.settlement(from, to) : null;
    } catch (err) {
      differences.push(`biller-unreachable:${toKioskError(err).code}`);
    }
    if (biller && biller.total !== mine.total) differences.push(`biller-total:${biller.total - mine.total}`);
    if (biller && biller.count !== mine.count) differences.push(`biller-count:${biller.count - mine.count}`);
    const counters = this.o.journal.lastOfType('validator.counters')?.record;
    if (counters?.type === 'validator.counters' && counters.mismatch !== 0) differences.push(`validator-counters:${counters.mismatch}`);
    const record = {
      type: 'settlement.made', day, currency, journalTotal: mine.total, journalPostings: mine.count,
      billerTotal: biller?.total ?? null, billerPostings: biller?.count ?? null, differences,
    } as const;
    this.append([record]);
    if (differences.length) this.emitter.emit('alarm', { kind: 'settlement-difference', details: { day, differences: differences.join(',') } });
    return record;
  }

  /** Runs a pass of the biller outbox now (tests, and the fleet's "retry" hint). */
  retryPendingPostings(): Promise<{ settled: number; waiting: number }> {
    return this.retrier.runOnce();
  }

  /**
   * One step: pure transition, then journal, then effects. Throws only when the journal append failed,
   * so a credit handler can refuse to acknowledge a note whose credit is not durable.
   */
  dispatch(ev: FsmEvent): void {
    // A credit the journal already holds is the device repeating one it was not acknowledged for: it is
    // acknowledged (the handler resolves) but never counted again.
    if (ev.type === 'note.credited' && this.o.journal.hasCredit(ev.deviceRef)) {
      this.o.logger.warn({ deviceRef: ev.deviceRef }, 'repeated note credit already journaled; acknowledging only');
      return;
    }
    const before = this.fsm;
    const t = transition(this.o.settings.fsm, before, ev);
    const records = t.effects.flatMap((e) => (e.type === 'journal' ? [e.record] : []));
    if (records.length) {
      try {
        this.append(records);
      } catch (err) {
        this.onJournalFailure(err, ev);
        throw err;
      }
    }
    this.fsm = t.state;
    if (before.name !== t.state.name) this.emitState();
    for (const effect of t.effects) if (effect.type !== 'journal') this.run(effect);
    if (before.name !== t.state.name) this.syncService();
  }

  private append(records: readonly JournalRecord[]): void {
    const { onAppend, probe } = this.o;
    const first = records[0]!.type;
    probe?.(`before:${first}`);
    const res = this.o.journal.appendAll(records, onAppend ? (db) => onAppend(records, db) : undefined);
    probe?.(`after:${first}`);
    if (res.stored.length) this.emitter.emit('journal', { stored: res.stored });
  }

  private onJournalFailure(err: unknown, ev: FsmEvent): void {
    const e = toKioskError(err, 'KIOSK_E_JOURNAL_WRITE');
    this.o.logger.fatal({ code: e.code, event: ev.type }, 'journal append failed: out of service');
    this.flags.journalFailed = true;
    const v = this.o.devices.billValidator;
    // A note in escrow must go back: its decision could not be made durable.
    if (ev.type === 'note.escrow') this.track('billValidator', () => v.reject());
    this.track('billValidator', () => v.disable());
    this.emitter.emit('fault', { code: e.code, where: 'journal' });
    this.emitter.emit('alarm', { kind: 'journal-failure', details: { code: e.code } });
    this.syncService();
  }

  private run(effect: Exclude<FsmEffect, { type: 'journal' }>): void {
    const { devices, biller } = this.o;
    switch (effect.type) {
      case 'display.show': this.showScreen(effect.screen); return;
      case 'timer.start': this.timers.start(effect.timer, effect.ms); return;
      case 'timer.cancel': this.timers.cancel(effect.timer); return;
      case 'validator.enable': {
        const values = devices.billValidator.denominations().filter((d) => d.value <= effect.maxNote).map((d) => d.value);
        this.track('billValidator', async () => { await devices.billValidator.setAcceptedValues(values); await devices.billValidator.enable(); });
        return;
      }
      case 'validator.disable': this.track('billValidator', () => devices.billValidator.disable()); return;
      case 'validator.accept': this.decide('accept'); return;
      case 'validator.reject': this.decide('reject'); return;
      case 'scanner.enable': this.track('scanner', () => devices.scanner.enable()); return;
      case 'scanner.disable': this.track('scanner', () => devices.scanner.disable()); return;
      case 'biller.lookup':
        this.track('biller', async () => {
          try {
            const bill = await biller.lookup(effect.code);
            this.dispatch({ type: 'lookup.ok', txId: effect.txId, bill });
          } catch (err) {
            const e = toKioskError(err, 'KIOSK_E_BILLER_UNAVAILABLE');
            this.o.logger.info({ txId: effect.txId, code: e.code }, 'bill lookup failed');
            this.dispatch(LOOKUP_NOT_FOUND.has(e.code) ? { type: 'lookup.not-found', txId: effect.txId } : { type: 'lookup.unavailable', txId: effect.txId });
          }
        });
        return;
      case 'biller.post': {
        const tx = 'tx' in this.fsm ? this.fsm.tx : undefined;
        if (!tx || tx.txId !== effect.txId) { this.o.logger.error({ txId: effect.txId }, 'posting without its transaction'); return; }
        this.track('biller', async () => {
          try {
            const { billerRef } = await biller.post({ txId: effect.txId, bill: tx.bill, amount: effect.amount, partial: effect.partial });
            this.dispatch({ type: 'post.ok', txId: effect.txId, billerRef });
          } catch (err) {
            const e = toKioskError(err, 'KIOSK_E_BILLER_UNAVAILABLE');
            this.o.logger.warn({ txId: effect.txId, code: e.code, retryable: e.retryable }, 'posting failed');
            this.dispatch({ type: 'post.failed', txId: effect.txId, retryable: e.code !== 'KIOSK_E_BILLER_REFUSED', code: e.code });
            if (e.code !== 'KIOSK_E_BILLER_REFUSED') this.retrier.start();
          }
        });
        return;
      }
      case 'printer.print':
        this.track('printer', async () => {
          const printed = await this.printFromJournal(effect.txId, effect.outcome, false);
          this.dispatch({ type: 'print.done', txId: effect.txId, printed });
        });
        return;
      case 'telemetry.transaction':
        this.emitter.emit('transaction', { txId: effect.txId, outcome: effect.outcome, paid: effect.paid });
        return;
      case 'card.authorize': {
        const dev = this.tenderDevice(effect.tender);
        this.track(effect.tender, async () => {
          try {
            if (!dev) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', `no ${effect.tender} device`);
            const r = await dev.authorize({
              amount: effect.amount, currency: this.o.settings.fsm.currency, ref: effect.txId,
              ...(effect.paymentCode !== undefined ? { paymentCode: effect.paymentCode } : {}),
            });
            this.dispatch({
              type: 'auth.result', txId: effect.txId, outcome: r.outcome,
              ...(r.cardType !== undefined ? { cardType: r.cardType } : {}), ...(r.last4 !== undefined ? { last4: r.last4 } : {}),
              ...(r.authCode !== undefined ? { authCode: r.authCode } : {}), ...(r.reason !== undefined ? { reason: r.reason } : {}),
            });
          } catch (err) {
            // A lost answer is not a decline: the FSM treats `unknown` by reversing.
            this.dispatch({ type: 'auth.result', txId: effect.txId, outcome: 'unknown', reason: toKioskError(err).code });
          }
        });
        return;
      }
      case 'card.commit': {
        const dev = this.tenderDevice(effect.tender);
        this.track(effect.tender, async () => {
          try {
            if (!dev) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', `no ${effect.tender} device`);
            await dev.commit(effect.txId);
            this.dispatch({ type: 'commit.result', txId: effect.txId, ok: true });
          } catch (err) {
            this.dispatch({ type: 'commit.result', txId: effect.txId, ok: false, code: toKioskError(err).code });
          }
        });
        return;
      }
      case 'card.void': {
        const dev = this.tenderDevice(effect.tender);
        this.track(effect.tender, async () => {
          try {
            if (!dev) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', `no ${effect.tender} device`);
            await dev.void(effect.txId);
            // While authorising, a void is the customer's abort: the pending authorisation answers it.
            if (this.fsm.name !== 'authorising') this.dispatch({ type: 'void.result', txId: effect.txId, ok: true });
          } catch (err) {
            if (this.fsm.name !== 'authorising') this.dispatch({ type: 'void.result', txId: effect.txId, ok: false, code: toKioskError(err).code });
          }
        });
        return;
      }
      case 'biller.cancel':
        this.track('biller', async () => {
          try {
            if (!biller.cancel) throw new KioskError('KIOSK_E_BILLER_UNAVAILABLE', 'the biller client cannot cancel postings');
            // Not cancelled means nothing was posted under this key: either way no posting stands.
            const r = await biller.cancel(effect.txId);
            this.o.logger.info({ txId: effect.txId, cancelled: r.cancelled }, 'posting taken back at the biller');
            this.dispatch({ type: 'unpost.result', txId: effect.txId, ok: true });
          } catch (err) {
            this.dispatch({ type: 'unpost.result', txId: effect.txId, ok: false, code: toKioskError(err).code });
          }
        });
        return;
    }
  }

  private tenderDevice(t: ElectronicTender): CardPayment | undefined {
    return t === 'card' ? this.o.devices.cardPayment : this.o.devices.wallet;
  }

  /** Prints a transaction's receipt from its journal row; true only when the printer says it printed. */
  private async printFromJournal(txId: string, outcome: Outcome, copy: boolean): Promise<boolean> {
    const row = this.o.journal.transaction(txId);
    if (!row) { this.o.logger.error({ txId }, 'receipt for an unknown transaction'); return false; }
    const { settings, clock } = this.o;
    const document = receiptFor(row, outcome, {
      terminalId: settings.terminalId, hotline: settings.hotline, eReceiptBaseUrl: settings.eReceiptBaseUrl, locale: settings.locale,
      wallMs: clock.wallMs(), clockSynced: this.o.clockSynced?.() ?? false, copy,
    });
    let printed = false;
    try {
      printed = (await this.o.devices.receiptPrinter.print(document)).printed;
    } catch (err) {
      this.o.logger.warn({ txId, code: toKioskError(err).code }, 'receipt not printed');
    }
    this.emitter.emit('receipt', { txId, document, printed });
    return printed;
  }

  /** Receipts that never printed cleanly are printed again, marked COPY, once the printer can print. */
  private drainReceiptQueue(): void {
    if (this.drainingReceipts || !AT_REST.has(this.fsm.name) || !isUsable(this.o.devices.receiptPrinter.status())) return;
    this.drainingReceipts = true;
    this.track('printer', async () => {
      try {
        for (const row of this.o.journal.unprintedReceipts()) {
          if ('tx' in this.fsm && this.fsm.tx.txId === row.txId) continue;
          if (!isUsable(this.o.devices.receiptPrinter.status()) || row.outcome === null) break;
          const printed = await this.printFromJournal(row.txId, row.outcome, true);
          this.append([{ type: 'receipt.printed', txId: row.txId, printed }]);
          if (!printed) break;
        }
      } finally {
        this.drainingReceipts = false;
      }
    });
  }

  /**
   * Hands a journaled escrow decision to the validator. A driver that is offline keeps the note held and
   * refuses the call; the decision is then re-issued when the validator is usable again.
   */
  private decide(decision: 'accept' | 'reject'): void {
    const v = this.o.devices.billValidator;
    this.pendingDecision = decision;
    this.track('billValidator', async () => {
      await (decision === 'accept' ? v.accept() : v.reject());
      if (this.pendingDecision === decision) this.pendingDecision = undefined;
    });
  }

  /** Runs a device or network effect; its failure is logged and reported, never thrown into the loop. */
  private track(where: string, fn: () => Promise<void>): void {
    const p = this.safe(where, fn);
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private async safe(where: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      const e = toKioskError(err);
      this.o.logger.error({ where, code: e.code, err: e.message }, 'effect failed');
      this.emitter.emit('fault', { code: e.code, where });
    }
  }

  private showScreen(screen: Screen): void {
    const { display } = this.o.devices;
    const { settings } = this.o;
    this.lastDisplayed = screen;
    const frame = renderScreen(screen, settings.locale, display.geometry(), { hotline: settings.hotline });
    this.emitter.emit('screen', { screen, frame });
    this.track('display', () => display.show(frame));
  }

  private wireDevices(): void {
    const { devices } = this.o;
    const guard = (where: string, fn: () => void): void => {
      try { fn(); } catch (err) { this.o.logger.error({ where, code: toKioskError(err).code }, 'event handling failed'); }
    };
    const v = devices.billValidator;
    v.setCreditHandler(async (c: NoteCredit) => {
      // Throws when the journal cannot take the credit: the driver then withholds its acknowledgement.
      this.dispatch({ type: 'note.credited', value: c.value, currency: c.currency, channel: c.channel, deviceRef: c.deviceRef });
    });
    this.unsubscribe.push(
      v.on('escrow', (n) => guard('escrow', () => {
        if (this.flags.journalFailed) { this.track('billValidator', () => v.reject()); return; }
        this.dispatch({ type: 'note.escrow', value: n.value, currency: n.currency, channel: n.channel });
      })),
      v.on('returned', () => guard('returned', () => { this.pendingDecision = undefined; this.dispatch({ type: 'note.returned' }); })),
      v.on('cashboxRemoved', () => guard('cashbox', () => { this.collectCash('cashbox-removed'); })),
      v.on('counters', (c) => guard('counters', () => this.track('billValidator', () => this.checkCounters(c.stacked)))),
      devices.scanner.on('scan', (s) => guard('scan', () => {
        if (this.flags.doorOpen && this.attesting) { this.attestScan(s.data); return; }
        if (this.fsm.name === 'bill-shown') {
          // On the bill screen a scan can only be a wallet payment code; it goes to the FSM, never to a log.
          if (isPaymentCode(s.data)) this.dispatch({ type: 'wallet.code', code: s.data });
          return;
        }
        if (this.fsm.name !== 'idle' && this.fsm.name !== 'done') return;
        const { tenders } = computeService(this.serviceInputs());
        this.dispatch({ type: 'scanned', code: s.data, txId: this.o.newTxId(), tenders });
      })),
      devices.panel.on('button', (b) => guard('button', () => {
        this.track('panel', () => devices.panel.beep(40));
        this.dispatch({ type: 'button', button: b.button });
      })),
      devices.panel.on('door', (d) => guard('door', () => { this.flags.doorOpen = d.open; this.syncService(); })),
    );
    for (const [name, dev] of Object.entries(devices) as [string, Device<DeviceEvents> | undefined][]) {
      if (dev) this.unsubscribe.push(dev.on('status', (s) => guard('status', () => this.onDeviceStatus(name, s))));
    }
    for (const dev of [devices.cardPayment, devices.wallet]) {
      if (!dev) continue;
      this.unsubscribe.push(dev.on('intermediate', (i) => guard('intermediate', () => {
        const f = this.fsm;
        if (f.name === 'authorising') this.showScreen({ id: f.tx.tender === 'wallet' ? 'wallet-wait' : 'card-wait', params: { due: f.tx.bill.due, currency: f.tx.bill.currency, text: i.text } });
      })));
    }
  }

  /** While the door is open after a collection: first scan the collector's badge, then the bag seal. */
  private attestScan(code: string): void {
    const a = this.attesting;
    if (!a) return;
    if (!isAttestationCode(code)) { this.o.logger.info('attestation scan refused: not a badge or seal code'); return; }
    if (a.collectorId === undefined) {
      this.attesting = { ...a, collectorId: code };
      this.showScreen({ id: 'collect-seal' });
      return;
    }
    this.track('printer', async () => { await this.attestCollection(a.collectorId!, code, a.collectionId); });
  }

  /** Journals the validator's counters beside the journal's credits; a disagreement is an alarm. */
  private async checkCounters(stacked: number): Promise<void> {
    const { serial } = await this.o.devices.billValidator.identify();
    const record = countersRecord(this.o.journal, serial, stacked);
    this.append([record]);
    if (record.mismatch !== 0) {
      this.o.logger.error({ serial, stacked, credits: record.credits, mismatch: record.mismatch }, 'validator counters disagree with the journal');
      this.emitter.emit('alarm', { kind: 'counter-mismatch', details: { serial, stacked, credits: record.credits, mismatch: record.mismatch } });
    }
  }

  private onDeviceStatus(name: string, status: DeviceStatus): void {
    const was = this.statuses[name];
    this.statuses[name] = status;
    this.emitter.emit('device', { device: name, status });
    if (name === 'billValidator' && isUsable(status) && this.pendingDecision && this.o.devices.billValidator.escrowNote()) {
      this.decide(this.pendingDecision);
    }
    if (name === 'receiptPrinter' && isUsable(status) && !(was && isUsable(was)) && this.service !== 'recovering') this.drainReceiptQueue();
    this.syncService();
  }

  private serviceInputs(): Parameters<typeof computeService>[0] {
    return { devices: this.statuses, ...this.flags, outboxFull: this.o.outboxFull?.() ?? false };
  }

  /** Resolves when `cond` turns false or after `ms` of monotonic time, whichever comes first. */
  private async waitWhile(cond: () => boolean, ms: number): Promise<void> {
    const deadline = this.o.clock.monoMs() + ms;
    while (cond() && this.o.clock.monoMs() < deadline) {
      await new Promise<void>((r) => { this.o.timers.setTimeout(r, 50); });
      await this.settle();
    }
  }

  /** Something outside the devices changed a service input (the telemetry outbox filled or drained). */
  refreshService(): void {
    this.syncService();
  }

  /**
   * Recomputes why customers are refused and tells the FSM when no money is in flight; a change during a
   * payment waits for the FSM to come to rest (this runs again after every state change).
   */
  private syncService(): void {
    if (this.service === 'starting' || this.service === 'recovering' || this.service === 'stopped') return;
    const { reasons } = computeService(this.serviceInputs());
    const changed = reasons.join() !== this.reasons.join();
    this.reasons = reasons;
    this.setService(reasons.length ? 'out-of-service' : 'in-service');
    if (changed) this.emitState();
    if (!AT_REST.has(this.fsm.name)) return;
    const f = this.fsm;
    if (reasons.length && (f.name !== 'out-of-service' || f.reason !== reasons[0])) {
      this.dispatch({ type: 'service', inService: false, reason: reasons[0]! });
    } else if (!reasons.length && f.name === 'out-of-service') {
      this.dispatch({ type: 'service', inService: true, reason: 'ok' });
    }
    if (f.name !== this.fsm.name && (this.fsm.name === 'idle' || this.fsm.name === 'out-of-service')) this.drainReceiptQueue();
  }

  private setService(s: ServiceState): void {
    if (this.service === s) return;
    this.service = s;
    this.emitState();
  }

  private emitState(): void {
    this.emitter.emit('state', { fsm: this.fsm.name, service: this.service, reasons: this.reasons });
  }

  /**
   * Finishes what a previous run left open, before any customer: a transaction with no money is closed
   * as cancelled; one with money (or an intended posting) is posted with the same idempotency key, and
   * its receipt printed or queued. A note left in escrow was returned by the FSM when the validator
   * reported it (no transaction accepts it now).
   */
  /** Puts the FSM where it was when a note being stacked lost its kioskd: accepting, cancelling. */
  private awaitInFlightNote(): void {
    for (const row of this.o.journal.openTransactions()) {
      const history = this.o.journal.events({ txId: row.txId }).map((e) => e.record);
      const inFlight = acceptedNotCredited(history);
      if (inFlight === 0 || history.some((r) => r.type === 'tx.auth-intent')) continue;
      const tx = { txId: row.txId, tenders: { cash: true, card: false }, bill: billOf(row), paid: row.paid, notes: row.notes, accepting: inFlight };
      this.fsm = { name: 'accepting', tx, prompting: false, cancelling: true };
      // ID-003's VEND VALID names no note: a driver that can be told which one it is, is told.
      const decided = [...history].reverse().find((r) => r.type === 'note.decided' && r.decision === 'accept');
      const v = this.o.devices.billValidator as BillValidator & { expectInFlightNote?: (n: NoteCredit) => void };
      if (decided?.type === 'note.decided' && typeof v.expectInFlightNote === 'function') {
        v.expectInFlightNote({ channel: decided.channel, value: decided.value, currency: row.currency, deviceRef: `recovered:${row.txId}:${row.notes + 1}` });
      }
      this.o.logger.warn({ txId: row.txId, value: inFlight }, 'a note was being stacked at the crash: waiting for the validator to credit or return it');
      return;
    }
  }

  private async recover(): Promise<void> {
    for (const open of this.o.journal.openTransactions()) {
      // The transaction of a note in flight may have moved on while the devices opened (its credit came).
      if ('tx' in this.fsm && this.fsm.tx.txId === open.txId && this.fsm.name !== 'accepting') {
        await this.waitWhile(() => !AT_REST.has(this.fsm.name), RECOVERY_NOTE_WAIT_MS);
      }
      const row = this.o.journal.transaction(open.txId);
      if (!row || row.state === 'closed') continue;
      const tx = { txId: row.txId, tenders: { cash: true, card: false }, bill: billOf(row), paid: row.paid, notes: row.notes, accepting: 0 };
      this.o.logger.warn({ txId: row.txId, state: row.state, paid: row.paid }, 'recovering an open transaction');
      const history = this.o.journal.events({ txId: row.txId }).map((e) => e.record);
      const intent = history.find((r) => r.type === 'tx.auth-intent');
      if (intent?.type === 'tx.auth-intent') {
        await this.recoverElectronic({ ...tx, tender: intent.tender, paid: row.paid || intent.amount }, history);
        continue;
      }
      if (row.paid === 0 && row.state === 'open' && acceptedNotCredited(history) === 0) {
        this.append([{ type: 'tx.closed', txId: row.txId, outcome: 'cancelled', paid: 0, surplus: 0 }]);
        continue;
      }
      // A note accepted from escrow whose credit was not journaled yet may still be credited: the device
      // redelivers an unacknowledged credit, or returns the note. Wait for that before ending the payment,
      // or the credit would arrive with no transaction to belong to.
      const inFlight = acceptedNotCredited(history);
      if (inFlight > 0) {
        if (!('tx' in this.fsm && this.fsm.tx.txId === row.txId)) {
          this.fsm = { name: 'accepting', tx: { ...tx, accepting: inFlight }, prompting: false, cancelling: true };
        }
        await this.waitWhile(() => this.fsm.name === 'accepting', RECOVERY_NOTE_WAIT_MS);
        await this.waitWhile(() => !AT_REST.has(this.fsm.name), RECOVERY_NOTE_WAIT_MS);
      }
      if (this.fsm.name === 'accepting' || inFlight === 0) {
        // Resume as if the customer had ended the payment: the FSM posts what was paid, same idempotency key.
        const latest = this.o.journal.transaction(row.txId);
        this.fsm = { name: 'accepting', tx: { ...tx, paid: latest?.paid ?? tx.paid, accepting: 0 }, prompting: false, cancelling: false };
        this.dispatch({ type: 'button', button: 'cancel' });
      }
      await this.settle();
    }
    this.fsm = initialState;
  }

  /**
   * Finishes a card or wallet transaction a previous run left open, from the last step its journal shows:
   * an authorisation whose answer was lost is asked for again (queryLastResult) and reversed unless it is
   * known approved; an approved one is posted (same idempotency key) and booked; a failed booking is
   * unposted at the biller; a pending reversal is sent again. The FSM drives each step as in normal service.
   */
  private async recoverElectronic(tx: OpenTx & { tender: ElectronicTender }, history: readonly JournalRecord[]): Promise<void> {
    const step = electronicStep(history);
    const dev = this.tenderDevice(tx.tender);
    switch (step) {
      case 'authorising': {
        this.fsm = { name: 'authorising', tx, cancelling: true };
        let outcome: 'approved' | 'unknown' = 'unknown';
        // A card terminal reports only its last transaction, which may be an earlier customer's booked
        // payment (ours may never have reached it): reversing that would refund the wrong customer. Ours
        // cannot be booked (no confirmation was sent), so the void below reverses exactly what is ours.
        // A wallet gateway answers for this very reference.
        if (tx.tender === 'wallet') {
          try {
            const r = await dev?.queryLastResult(tx.txId);
            if (r?.outcome === 'approved' && r.amount === tx.bill.due) outcome = 'approved';
          } catch (err) {
            this.o.logger.warn({ txId: tx.txId, code: toKioskError(err).code }, 'last result unknown; reversing');
          }
        }
        // `cancelling`: an approval found now is reversed, never booked — the customer walked away long ago.
        this.dispatch({ type: 'auth.result', txId: tx.txId, outcome });
        break;
      }
      case 'posting':
        // Write-ahead as in service: the intent to post is journaled before the biller is asked.
        if (!history.some((r) => r.type === 'tx.post-intent')) this.append([{ type: 'tx.post-intent', txId: tx.txId, amount: tx.paid, partial: false }]);
        this.fsm = { name: 'posting', tx, outcomeIfPosted: 'paid' };
        this.run({ type: 'biller.post', txId: tx.txId, amount: tx.paid, partial: false });
        break;
      case 'committing': this.fsm = { name: 'committing', tx }; this.run({ type: 'card.commit', tender: tx.tender, txId: tx.txId }); break;
      case 'unposting': this.fsm = { name: 'unposting', tx }; this.run({ type: 'biller.cancel', txId: tx.txId }); break;
      case 'voiding':
        this.fsm = postingStands(history) ? { name: 'voiding', tx, postingStands: true } : { name: 'voiding', tx };
        this.run({ type: 'card.void', tender: tx.tender, txId: tx.txId });
        break;
      case 'closing': {
        const booked = history.some((r) => r.type === 'tx.booked' && r.ok);
        const voided = history.some((r) => r.type === 'tx.voided' && r.ok);
        const outcome = booked ? 'paid'
          : (voided && !postingStands(history)) || !history.some((r) => r.type === 'tx.authorised') ? 'cancelled' : 'needs-refund';
        this.append([{ type: 'tx.closed', txId: tx.txId, outcome, paid: outcome === 'cancelled' || voided ? 0 : tx.paid, surplus: 0 }]);
        break;
      }
    }
    await this.settle();
  }
}

/**
 * How long recovery waits for a note that was being stacked at the crash: the device's escrow timeout
 * (SSP: 10 s) plus a reconnect and a few polls.
 */
const RECOVERY_NOTE_WAIT_MS = 20_000;

/** The value of a note accepted from escrow whose credit is not in the journal (0 if none). */
export function acceptedNotCredited(history: readonly JournalRecord[]): number {
  let pending = 0;
  for (const r of history) {
    if (r.type === 'note.decided' && r.decision === 'accept') pending = r.value;
    if (r.type === 'note.credited') pending = 0;
  }
  return pending;
}

/** A posting that may stand at the biller could not be taken back (the unposting failed). */
function postingStands(history: readonly JournalRecord[]): boolean {
  return history.some((r) => r.type === 'tx.unposted' && !r.ok);
}

/** The last step an electronic transaction reached, from its journal history. */
type ElectronicStep = 'authorising' | 'posting' | 'committing' | 'unposting' | 'voiding' | 'closing';

export function electronicStep(history: readonly JournalRecord[]): ElectronicStep {
  let step: ElectronicStep = 'authorising';
  for (const r of history) {
    switch (r.type) {
      case 'tx.authorised': step = 'posting'; break;
      case 'tx.auth-failed': step = r.outcome === 'timeout' || r.outcome === 'unknown' ? 'voiding' : 'closing'; break;
      case 'tx.posted': step = 'committing'; break;
      case 'tx.post-failed': step = r.retryable ? 'unposting' : 'voiding'; break;
      case 'tx.booked': step = r.ok ? 'closing' : 'unposting'; break;
      case 'tx.unposted': step = 'voiding'; break;
      case 'tx.voided': step = 'closing'; break;
      default: break;
    }
  }
  return step;
}
