import type { Logger } from 'pino';
import { KioskError, isKioskError, toKioskError } from '../../errors/index.js';
import { isMinor, type Minor } from '../../money/index.js';
import {
  STATUS_CLOSED, TypedEmitter, isUsable,
  type BillValidator, type BillValidatorEvents, type Clock, type CreditHandler, type Denomination, type DeviceHealth,
  type DeviceIdentity, type DeviceState, type DeviceStatistics, type DeviceStatus, type EscrowNote, type LinkFactory,
  type NoteCredit, type TimerHandle, type Timers,
} from '../../hal/index.js';
import * as cmd from './commands.js';
import type { Id003Frame } from './frame.js';
import { Id003Port, type PortCounters } from './port.js';
import { DEVICE_ACK, STATUS, decodeStatus, type Id003Status, type StatusKind } from './status.js';
import { deviceStatusFor, rejectReason } from './status-map.js';
import {
  JCM_COUNTRY_CODES, buildDenominationTable, decodeAscii, decodeCurrencyAssign, inhibitMask, parseVersion,
  type DenominationTable,
} from './tables.js';

export interface Id003ValidatorOptions {
  readonly id: string;
  /** Opens the serial line (9600 8E1); called again after every link loss. */
  readonly openLink: LinkFactory;
  readonly clock: Clock;
  readonly timers: Timers;
  /** ISO 4217 currency of the terminal; open() rejects KIOSK_E_DEVICE_CURRENCY if the dataset differs. */
  readonly currency: string;
  /** Status poll interval, 100..1000 ms. */
  readonly pollMs: number;
  readonly logger?: Logger;
  /** Wait for one answer. Defaults to 500 ms (TerminalClient uses 300). */
  readonly replyTimeoutMs?: number;
  /** Failed exchanges in a row before the link is declared dead and reopened. Defaults to 3. */
  readonly maxMissedReplies?: number;
  /** HOLD is re-sent this often while a note waits for a decision. Defaults to 3000 ms (device hold time unknown, §8). */
  readonly holdRefreshMs?: number;
  /** How long RESET → end of INITIALIZE may take. Defaults to 15000 ms. */
  readonly initTimeoutMs?: number;
  /** First reconnect delay, doubled per failure up to `reconnectMaxMs` (30000). Defaults to 500 ms. */
  readonly reconnectBaseMs?: number;
  readonly reconnectMaxMs?: number;
  /** STACK-1 (VEND VALID at the stacker lever, default) or STACK-2 (VEND VALID once fully stacked). */
  readonly stackCommand?: 'stack-1' | 'stack-2';
  /** C1 high-security mask (bit per escrow code). Defaults to 0. */
  readonly securityMask?: number;
  /** C5 optional function bytes. Defaults to `[0, 0]`. */
  readonly optionalFunction?: readonly [number, number];
  /** Extra JCM country-code → ISO 4217 entries. */
  readonly countryCodes?: Readonly<Record<number, string>>;
  /**
   * A note the journal shows as accepted (stack sent) but not credited, from before a restart: used when
   * the device reports VEND VALID for a note this process never saw in escrow.
   */
  readonly inFlightNote?: NoteCredit;
}

type Stage = 'escrow' | 'stacking' | 'returning' | 'vend';

interface NoteCtx {
  readonly escrowCode: number;
  readonly channel: number;
  readonly value: Minor;
  readonly currency: string;
  readonly deviceRef: string;
  stage: Stage;
  lastHoldAt: number | undefined;
  deciding: boolean;
  crediting: boolean;
  credited: boolean;
  stackedSeen: boolean;
  returnedEmitted: boolean;
}

const POWER_UP_KINDS: ReadonlySet<StatusKind> = new Set(['powerUp', 'powerUpBillInAcceptor', 'powerUpBillInStacker']);

/** Anything but an ACK, a setting echo or a data answer can be a status (unknown ones included). */
const isStatusAnswer = (f: Id003Frame): boolean => f.cmd !== DEVICE_ACK && (f.cmd & 0xf0) !== 0x80 && (f.cmd & 0xf0) !== 0xc0;

const st = (state: DeviceState, reason: string, text: string): DeviceStatus => ({ state, reason, text });

/**
 * JCM ID-003 bill validator driver. The host polls STATUS REQUEST; a note in escrow is held with HOLD
 * until accept()/reject(); the credit point is VEND VALID, acknowledged (ACK 0x50) only after the credit
 * handler resolved; a lost link is reopened with exponential backoff.
 */
export class Id003Validator implements BillValidator {
  readonly kind = 'billValidator' as const;
  readonly id: string;
  private readonly emitter: TypedEmitter<BillValidatorEvents>;
  private readonly log: Logger | undefined;
  private readonly replyTimeoutMs: number;
  private readonly maxMissed: number;
  private readonly holdRefreshMs: number;
  private readonly initTimeoutMs: number;
  private readonly reconnectBaseMs: number;
  private readonly reconnectMaxMs: number;
  private readonly countryCodes: Readonly<Record<number, string>>;
  private readonly refPrefix: string;

  private wanted = false;
  private port: Id003Port | undefined;
  private current: DeviceStatus = STATUS_CLOSED;
  private table: DenominationTable | undefined;
  private identity: DeviceIdentity | undefined;
  private enabled = false;
  private accepted: readonly Minor[] | undefined;
  private note: NoteCtx | undefined;
  /** Notes past the credit point whose handler has not succeeded yet (the device moved on). */
  private readonly owed = new Set<NoteCtx>();
  private inFlight: NoteCredit | undefined;
  private lastKind: StatusKind | undefined;
  private handler: CreditHandler | undefined;
  private pollTimer: TimerHandle | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private backoffMs: number;
  private missed = 0;
  private noteSeq = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly counters: PortCounters = { frameErrors: 0, crcErrors: 0, timeouts: 0, unsolicited: 0 };
  private readonly stats: Record<string, number> = {};

  constructor(private readonly opts: Id003ValidatorOptions) {
    if (!Number.isInteger(opts.pollMs) || opts.pollMs < 100 || opts.pollMs > 1000) {
      throw new KioskError('KIOSK_E_CONFIG_INVALID', `pollMs must be 100..1000, got ${opts.pollMs}`);
    }
    this.id = opts.id;
    this.log = opts.logger?.child({ device: opts.id, protocol: 'id003' });
    this.emitter = new TypedEmitter((err, event) => this.log?.error({ err, event }, 'validator listener threw'));
    this.replyTimeoutMs = opts.replyTimeoutMs ?? 500;
    this.maxMissed = opts.maxMissedReplies ?? 3;
    this.holdRefreshMs = opts.holdRefreshMs ?? 3000;
    this.initTimeoutMs = opts.initTimeoutMs ?? 15_000;
    this.reconnectBaseMs = opts.reconnectBaseMs ?? 500;
    this.reconnectMaxMs = opts.reconnectMaxMs ?? 30_000;
    this.backoffMs = this.reconnectBaseMs;
    this.countryCodes = { ...JCM_COUNTRY_CODES, ...opts.countryCodes };
    this.inFlight = opts.inFlightNote;
    // Unique per process start, stable across VEND VALID repeats and reconnects within it.
    this.refPrefix = `id003:${opts.id}:${opts.clock.wallMs().toString(36)}`;
  }

  /**
   * Tells the driver about a note the journal shows as accepted but not credited from before a restart
   * (the runtime's recovery calls this before open()): a VEND VALID for a note this process never saw in
   * escrow is then credited as that note instead of being left unacknowledged.
   */
  expectInFlightNote(note: NoteCredit): void {
    this.inFlight = note;
  }

  // ---- contract ---------------------------------------------------------------------------------

  on<K extends keyof BillValidatorEvents & string>(event: K, listener: (payload: BillValidatorEvents[K]) => void): () => void {
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
      if (e.code !== 'KIOSK_E_DEVICE_CURRENCY') this.setStatus(st('offline', 'open-failed', 'bill validator did not start'));
      throw e;
    }
  }

  async close(): Promise<void> {
    this.wanted = false;
    this.opts.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const port = this.port;
    if (port) await this.dropPort(port);
    this.setStatus(STATUS_CLOSED);
  }

  async enable(): Promise<void> {
    this.enabled = true;
    await this.withPort((port) => this.expectEcho(port, cmd.setInhibit(false)));
  }

  async disable(): Promise<void> {
    this.enabled = false;
    await this.withPort((port) => this.expectEcho(port, cmd.setInhibit(true)));
  }

  denominations(): readonly Denomination[] {
    return (this.table?.denominations ?? []).map(({ channel, value, currency }) => ({ channel, value, currency }));
  }

  async setAcceptedValues(values: readonly Minor[]): Promise<void> {
    for (const v of values) if (!isMinor(v)) throw new KioskError('KIOSK_E_DEVICE_STATE', `not a minor-unit amount: ${String(v)}`);
    this.accepted = [...values];
    await this.withPort((port) => this.expectEcho(port, cmd.setEnables(this.currentMask())));
  }

  accept(): Promise<void> {
    return this.decide('stack');
  }

  reject(): Promise<void> {
    return this.decide('return');
  }

  escrowNote(): EscrowNote | undefined {
    const n = this.note;
    return n && n.stage === 'escrow' ? { channel: n.channel, value: n.value, currency: n.currency } : undefined;
  }

  setCreditHandler(handler: CreditHandler): void {
    this.handler = handler;
  }

  status(): DeviceStatus { return this.current; }

  async checkHealth(): Promise<DeviceHealth> {
    return { ok: isUsable(this.current), status: this.current };
  }

  async identify(): Promise<DeviceIdentity> {
    if (!this.identity) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'bill validator not identified yet', { retryable: true });
    return this.identity;
  }

  statistics(): DeviceStatistics {
    return { ...this.stats, ...this.counters };
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  private count(key: string, by = 1): void { this.stats[key] = (this.stats[key] ?? 0) + by; }

  private setStatus(s: DeviceStatus): void {
    if (s.state === this.current.state && s.reason === this.current.reason) return;
    this.current = s;
    this.emitter.emit('status', s);
  }

  /** Runs `fn` after every earlier exchange: the host is master and speaks one request at a time. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.then(() => undefined, () => undefined);
    return run;
  }

  private withPort(fn: (port: Id003Port) => Promise<void>): Promise<void> {
    return this.exclusive(async () => {
      const port = this.port;
      if (!port) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'bill validator not connected', { retryable: true, disconnected: true });
      await fn(port);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => { this.opts.timers.setTimeout(resolve, ms); });
  }

  private currentMask(): number {
    if (!this.table) return 0;
    return inhibitMask(this.table, this.accepted ?? this.table.denominations.map((d) => d.value));
  }

  private async expectAck(port: Id003Port, frame: Uint8Array): Promise<void> {
    const reply = await port.request(frame, (f) => f.cmd === DEVICE_ACK || f.cmd === STATUS.INVALID_COMMAND);
    if (reply.cmd === DEVICE_ACK) return;
    throw this.unexpected(reply, frame);
  }

  private async expectEcho(port: Id003Port, frame: Uint8Array): Promise<void> {
    const reply = await port.request(frame, (f) => f.cmd === frame[2] || f.cmd === STATUS.INVALID_COMMAND);
    const sent = frame.subarray(2, frame.length - 2);
    const got = Uint8Array.of(reply.cmd, ...reply.data);
    if (got.length === sent.length && got.every((b, i) => b === sent[i])) return;
    throw this.unexpected(reply, frame);
  }

  private async expectData(port: Id003Port, frame: Uint8Array): Promise<Uint8Array> {
    const reply = await port.request(frame, (f) => f.cmd === frame[2] || f.cmd === STATUS.INVALID_COMMAND);
    if (reply.cmd === frame[2]) return reply.data;
    throw this.unexpected(reply, frame);
  }

  private unexpected(reply: Id003Frame, sent: Uint8Array): KioskError {
    const details = { sent: sent[2], got: reply.cmd };
    if (reply.cmd === STATUS.INVALID_COMMAND) return new KioskError('KIOSK_E_DEVICE_STATE', 'validator refused the command', { details });
    return new KioskError('KIOSK_E_DEVICE_PROTOCOL', 'unexpected answer', { retryable: true, details });
  }

  private async requestStatus(port: Id003Port): Promise<Id003Status> {
    this.count('polls');
    return decodeStatus(await port.request(cmd.statusRequest(), isStatusAnswer));
  }

  // ---- connection -------------------------------------------------------------------------------

  private async connect(): Promise<void> {
    const link = await this.opts.openLink();
    const port = new Id003Port(link, this.opts.timers, this.replyTimeoutMs, this.counters);
    // `this.port` is set only once started, so a drop during startup fails startup instead of racing it.
    link.onClose(() => this.onLinkLost(port));
    try {
      await this.exclusive(() => this.startup(port));
    } catch (err) {
      await port.close();
      throw err;
    }
    if (!this.wanted || !port.isOpen) { await port.close(); if (this.wanted) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'link lost during startup', { retryable: true, disconnected: true }); return; }
    this.port = port;
    this.missed = 0;
    this.backoffMs = this.reconnectBaseMs;
    this.setStatus(st('online', 'ok', 'ready'));
    this.schedulePoll(port);
  }

  private async startup(port: Id003Port): Promise<void> {
    let first: Id003Status | undefined;
    let lastErr: unknown;
    for (let i = 0; i < this.maxMissed && !first; i++) {
      try { first = await this.requestStatus(port); } catch (err) { lastErr = err; if (isKioskError(err) && err.disconnected) break; }
    }
    if (!first) throw toKioskError(lastErr, 'KIOSK_E_DEVICE_TIMEOUT');
    if (POWER_UP_KINDS.has(first.kind) || first.kind === 'failure') {
      if (POWER_UP_KINDS.has(first.kind)) this.onPowerUpNote(first);
      await this.resetDevice(port);
    }
    const entries = decodeCurrencyAssign(await this.expectData(port, cmd.currencyAssignRequest()));
    try {
      this.table = buildDenominationTable(entries, this.opts.currency, this.countryCodes);
    } catch (err) {
      if (isKioskError(err, 'KIOSK_E_DEVICE_CURRENCY')) this.setStatus(st('error', 'currency-mismatch', 'validator dataset has another currency'));
      throw err;
    }
    const version = parseVersion(decodeAscii(await this.expectData(port, cmd.versionRequest())));
    let boot = '';
    try { boot = decodeAscii(await this.expectData(port, cmd.bootVersionRequest())); } catch (err) {
      // Older units refuse 0x89; the identity is complete without it.
      if (!isKioskError(err, 'KIOSK_E_DEVICE_STATE')) throw err;
    }
    this.identity = {
      model: version.model,
      serial: '',
      firmware: version.firmware,
      protocol: 'id003',
      vendor: 'JCM',
      extra: {
        version: version.raw,
        bootVersion: boot,
        currency: this.table.currency,
        denominations: this.table.denominations.map((d) => `${d.channel}:${d.value}`).join(','),
      },
    };
    await this.configure(port);
  }

  /** Settings are lost on power-up, so this runs after every connect and every RESET. */
  private async configure(port: Id003Port): Promise<void> {
    await this.expectEcho(port, cmd.setCommunicationMode('polling'));
    await this.expectEcho(port, cmd.setEnables(this.currentMask()));
    await this.expectEcho(port, cmd.setSecurity(this.opts.securityMask ?? 0));
    await this.expectEcho(port, cmd.setDirection(0));
    const [b1, b2] = this.opts.optionalFunction ?? [0, 0];
    await this.expectEcho(port, cmd.setOptionalFunction(b1, b2));
    await this.expectEcho(port, cmd.setInhibit(!this.enabled));
  }

  private async resetDevice(port: Id003Port): Promise<void> {
    this.count('resets');
    this.setStatus(st('busy', 'initializing', 'bill validator initialising'));
    await this.expectAck(port, cmd.reset());
    const deadline = this.opts.clock.monoMs() + this.initTimeoutMs;
    let resent = false;
    for (;;) {
      await this.sleep(this.opts.pollMs);
      const s = await this.requestStatus(port);
      if (s.kind === 'initialize') { /* still busy */ } else if (POWER_UP_KINDS.has(s.kind)) {
        // The RESET got lost: one more try.
        if (resent) throw new KioskError('KIOSK_E_DEVICE_STATE', 'validator stays in power-up after RESET');
        resent = true;
        await this.expectAck(port, cmd.reset());
      } else return;
      if (this.opts.clock.monoMs() > deadline) throw new KioskError('KIOSK_E_DEVICE_TIMEOUT', 'validator initialisation did not finish', { retryable: true });
    }
  }

  private schedulePoll(port: Id003Port): void {
    if (!this.wanted || this.port !== port) return;
    this.opts.timers.clearTimeout(this.pollTimer);
    this.pollTimer = this.opts.timers.setTimeout(() => {
      this.pollTimer = undefined;
      void this.pollOnce(port).finally(() => this.schedulePoll(port));
    }, this.opts.pollMs);
  }

  private async pollOnce(port: Id003Port): Promise<void> {
    try {
      await this.exclusive(async () => {
        if (this.port !== port) return;
        const s = await this.requestStatus(port);
        this.missed = 0;
        await this.handleStatus(port, s);
      });
    } catch (err) {
      this.onExchangeFailure(port, toKioskError(err));
    }
  }

  private onExchangeFailure(port: Id003Port, err: KioskError): void {
    if (this.port !== port) return;
    this.count('exchangeFailures');
    this.log?.debug({ code: err.code }, 'ID-003 exchange failed');
    if (err.code === 'KIOSK_E_DEVICE_STATE') return; // the device answered; it just refused
    this.missed++;
    if (!err.disconnected && this.missed < this.maxMissed) return;
    const reason = err.disconnected ? 'link-down' : err.code.startsWith('KIOSK_E_FRAME') ? 'garbage' : err.code === 'KIOSK_E_DEVICE_TIMEOUT' ? 'no-reply' : 'protocol-error';
    this.loseLink(port, reason);
  }

  private onLinkLost(port: Id003Port): void {
    if (this.port === port) this.loseLink(port, 'link-down');
  }

  private loseLink(port: Id003Port, reason: string): void {
    this.log?.warn({ reason }, 'bill validator link lost');
    this.count('linkLosses');
    this.setStatus(st('offline', reason, 'bill validator not answering'));
    void this.dropPort(port);
    this.scheduleReconnect();
  }

  private async dropPort(port: Id003Port): Promise<void> {
    if (this.port === port) {
      this.port = undefined;
      this.opts.timers.clearTimeout(this.pollTimer);
      this.pollTimer = undefined;
    }
    await port.close();
  }

  private scheduleReconnect(): void {
    if (!this.wanted || this.reconnectTimer !== undefined) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.reconnectMaxMs);
    this.reconnectTimer = this.opts.timers.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.wanted || this.port) return;
      this.count('reconnectAttempts');
      this.connect().then(
        () => { this.count('reconnects'); },
        (err: unknown) => {
          const e = toKioskError(err);
          this.log?.warn({ code: e.code }, 'bill validator reconnect failed');
          if (e.code !== 'KIOSK_E_DEVICE_CURRENCY') this.setStatus(st('offline', 'reconnecting', 'bill validator not answering'));
          this.scheduleReconnect();
        },
      );
    }, delay);
  }

  // ---- status handling --------------------------------------------------------------------------

  private async handleStatus(port: Id003Port, s: Id003Status): Promise<void> {
    const prev = this.lastKind;
    const edge = prev !== s.kind;
    this.lastKind = s.kind;
    for (const n of this.owed) { if (n.credited) this.owed.delete(n); else this.startCredit(n); }
    if (prev === 'stackerOpen' && edge) { this.count('cashboxReplaced'); this.emitter.emit('cashboxReplaced', {}); }
    const mapped = deviceStatusFor(s);
    // VEND VALID for an unknown note is an error set below; flapping through "ready" would spam events.
    const unknownVend = s.kind === 'vendValid' && !this.note && !this.inFlight;
    if (mapped && !unknownVend) this.setStatus(mapped);
    switch (s.kind) {
      case 'idling':
      case 'disabled':
        this.settleNote();
        return;
      case 'stacking':
        if (this.note?.stage === 'escrow') this.note.stage = 'stacking';
        return;
      case 'escrow':
        await this.onEscrow(port, s.escrowCode);
        return;
      case 'holding':
        if (!this.note) {
          // Held from before a restart: its value is unknown here, so it goes back to the customer.
          this.count('unknownHeldReturned');
          await this.expectAck(port, cmd.returnBill());
          return;
        }
        await this.refreshHold(port);
        return;
      case 'vendValid':
        await this.onVendValid(port);
        return;
      case 'stacked':
        this.onStacked();
        return;
      case 'rejecting':
        if (edge) {
          this.count('rejected');
          this.count(`rejected.${s.reasonName}`);
          this.emitter.emit('rejected', { reason: rejectReason(s.reason), code: s.reason });
        }
        return;
      case 'returning':
        this.onReturning();
        return;
      case 'powerUp':
      case 'powerUpBillInAcceptor':
      case 'powerUpBillInStacker':
        this.count('powerUps');
        this.onPowerUpNote(s);
        await this.resetDevice(port);
        await this.configure(port);
        return;
      case 'stackerFull':
        if (edge) { this.count('stackerFull'); this.emitter.emit('stackerFull', {}); }
        return;
      case 'stackerOpen':
        if (edge) { this.count('cashboxRemoved'); this.emitter.emit('cashboxRemoved', {}); }
        return;
      case 'acceptorJam':
      case 'stackerJam':
        // A stacker jam keeps the note inside the unit ("safe"); an acceptor jam may be within reach.
        if (edge) { this.count('jams'); this.emitter.emit('jam', { safe: s.kind === 'stackerJam' }); }
        return;
      case 'cheated':
        if (edge) { this.count('fraud'); this.emitter.emit('fraudAttempt', this.note ? { value: this.note.value } : {}); }
        return;
      case 'failure':
        if (edge) this.count('failures');
        return;
      case 'communicationError':
        this.count('deviceCommErrors');
        return;
      case 'invalidCommand':
        this.count('invalidCommand');
        return;
      case 'accepting':
      case 'initialize':
      case 'pause':
        return;
    }
  }

  private async onEscrow(port: Id003Port, escrowCode: number): Promise<void> {
    const note = this.note;
    // The unit may still show ESCROW for a poll after ACKing STACK: not a new note.
    if (note && note.escrowCode === escrowCode && note.stage === 'stacking') return;
    if (!note || note.escrowCode !== escrowCode || note.stage !== 'escrow') {
      if (note) this.settleNote();
      const d = this.table?.denominations.find((x) => x.escrowCode === escrowCode);
      if (!d) {
        this.count('rejected');
        this.count('rejected.unknown-escrow-code');
        this.log?.warn({ escrowCode }, 'escrow code not in the currency table; returning the note');
        await this.expectAck(port, cmd.returnBill());
        this.emitter.emit('rejected', { reason: 'not-recognised', code: escrowCode });
        return;
      }
      this.noteSeq++;
      this.note = {
        escrowCode, channel: d.channel, value: d.value, currency: d.currency,
        deviceRef: `${this.refPrefix}:${this.noteSeq}`,
        stage: 'escrow', lastHoldAt: undefined, deciding: false, crediting: false, credited: false,
        stackedSeen: false, returnedEmitted: false,
      };
      this.count('escrows');
      this.emitter.emit('escrow', { channel: d.channel, value: d.value, currency: d.currency });
    }
    await this.refreshHold(port);
  }

  /** Keeps the device's hold timer from returning the note while the host decides. */
  private async refreshHold(port: Id003Port): Promise<void> {
    const note = this.note;
    if (!note || note.stage !== 'escrow' || note.deciding) return;
    const now = this.opts.clock.monoMs();
    if (note.lastHoldAt !== undefined && now - note.lastHoldAt < this.holdRefreshMs) return;
    await this.expectAck(port, cmd.hold());
    note.lastHoldAt = now;
    this.count('holds');
  }

  private decide(what: 'stack' | 'return'): Promise<void> {
    return this.withPort(async (port) => {
      const note = this.note;
      const target: Stage = what === 'stack' ? 'stacking' : 'returning';
      if (note && (note.stage === target || (what === 'stack' && note.stage === 'vend'))) return; // idempotent
      if (!note || note.stage !== 'escrow') throw new KioskError('KIOSK_E_DEVICE_STATE', 'no note in escrow');
      note.deciding = true;
      try {
        const frame = what === 'return' ? cmd.returnBill() : this.opts.stackCommand === 'stack-2' ? cmd.stack2() : cmd.stack1();
        await this.expectAck(port, frame);
        // A poll may already have seen STACKING or VEND VALID while we waited.
        if (note.stage === 'escrow') note.stage = target;
        this.count(what === 'stack' ? 'stackCommands' : 'returnCommands');
      } finally {
        note.deciding = false;
      }
    });
  }

  private async onVendValid(port: Id003Port): Promise<void> {
    let note = this.note;
    if (!note && this.inFlight) {
      const n = this.inFlight;
      this.inFlight = undefined;
      note = {
        escrowCode: 0, channel: n.channel, value: n.value, currency: n.currency, deviceRef: n.deviceRef,
        stage: 'vend', lastHoldAt: undefined, deciding: false, crediting: false, credited: false,
        stackedSeen: false, returnedEmitted: false,
      };
      this.note = note;
    }
    if (!note) {
      // Without the escrow value nothing can be credited; no ACK, so the device keeps the evidence.
      if (this.current.reason !== 'unknown-credit') this.log?.error('VEND VALID for a note never seen in escrow');
      this.count('vendValidUnknownNote');
      this.setStatus(st('error', 'unknown-credit', 'note credited by the validator but not seen in escrow'));
      return;
    }
    note.stage = 'vend';
    if (note.credited) {
      await port.send(cmd.ack());
      this.count('acks');
      return;
    }
    this.startCredit(note);
  }

  /** Passes the credit to the handler once at a time; ACKs only after it resolved. */
  private startCredit(note: NoteCtx): void {
    if (note.crediting || note.credited) return;
    note.crediting = true;
    const credit: NoteCredit = { channel: note.channel, value: note.value, currency: note.currency, deviceRef: note.deviceRef };
    const handler = this.handler;
    const run = handler
      ? Promise.resolve().then(() => handler(credit))
      : Promise.reject(new KioskError('KIOSK_E_DEVICE_STATE', 'no credit handler registered'));
    run.then(
      () => {
        note.crediting = false;
        note.credited = true;
        this.count('credited');
        this.count('creditedMinor', note.value);
        this.emitter.emit('credited', credit);
        if (note.stage === 'vend' && this.lastKind === 'vendValid') {
          this.withPort(async (port) => { await port.send(cmd.ack()); this.count('acks'); }).catch(() => {
            // The next VEND VALID repeat is ACKed instead.
          });
        }
      },
      (err: unknown) => {
        note.crediting = false;
        this.count('creditHandlerFailures');
        this.log?.warn({ code: toKioskError(err).code }, 'credit handler failed; VEND VALID stays unacknowledged');
      },
    );
  }

  private onStacked(): void {
    const note = this.note;
    if (!note) { this.count('stackedUnknownNote'); return; }
    if (note.stackedSeen) return;
    note.stackedSeen = true;
    // A device that reports VEND VALID only once may have had it lost on the line: STACKED is proof too.
    if (!note.credited) this.startCredit(note);
    this.count('stacked');
    this.emitter.emit('stacked', { value: note.value });
  }

  private onReturning(): void {
    const note = this.note;
    if (!note || note.credited || note.crediting || note.stage === 'vend') return;
    note.stage = 'returning';
    this.emitReturned(note);
  }

  private emitReturned(note: NoteCtx): void {
    if (note.returnedEmitted) return;
    note.returnedEmitted = true;
    this.count('returned');
    this.emitter.emit('returned', { value: note.value });
  }

  /** The device is idle again: close the books on the note it last handled. */
  private settleNote(): void {
    const note = this.note;
    if (!note) return;
    const owed = note.stage === 'vend' || note.stackedSeen;
    this.note = undefined;
    if (owed && !note.credited) {
      this.owed.add(note); // retried on every poll until the journal takes it
      this.startCredit(note);
      return;
    }
    if (!owed && note.stage === 'stacking') {
      // Stacked on our command but never VEND VALID nor STACKED (jam cleared by hand, lost statuses):
      // not money by the rules; reconciliation sees it in the statistics and the log.
      this.count('stackUnconfirmed');
      this.log?.error({ value: note.value }, 'note left escrow for the stacker without VEND VALID');
    } else if (!owed) {
      this.emitReturned(note);
    }
  }

  private onPowerUpNote(s: Id003Status): void {
    this.setStatus(st('busy', 'initializing', 'bill validator powered up'));
    if (s.kind === 'powerUpBillInStacker') {
      this.count('powerUpBillInStacker');
      this.log?.warn('power-up with a note in the stacker: possible credit, check against the journal');
    }
    const note = this.note;
    if (!note) return;
    this.note = undefined;
    if (note.stage === 'vend' || note.stackedSeen) {
      if (!note.credited) { this.owed.add(note); this.startCredit(note); }
      return;
    }
    if (note.stage === 'escrow' || note.stage === 'returning') this.emitReturned(note);
    else this.count('stackUnconfirmed');
  }
}
