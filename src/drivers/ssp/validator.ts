import type { Logger } from 'pino';
import { KioskError, isKioskError, toKioskError } from '../../errors/index.js';
import {
  STATUS_CLOSED, TypedEmitter, isUsable,
  type BillValidator, type BillValidatorEvents, type Clock, type CreditHandler, type Denomination, type DeviceHealth,
  type DeviceIdentity, type DeviceStatistics, type DeviceStatus, type EscrowNote, type LinkFactory, type NoteCredit,
  type TimerHandle, type Timers, type ByteLink,
} from '../../hal/index.js';
import type { Minor } from '../../money/index.js';
import * as cmd from './commands.js';
import { SSP_RESP } from './constants.js';
import { esspKey, finishKeyExchange, startKeyExchange, DEFAULT_FIXED_KEY, type RandomSource } from './essp.js';
import { parsePollReply, type SspEvent } from './events.js';
import {
  parseAscii, parseCounters, parseKeyReply, parseRejectCode, parseSerial, parseSetup, rejectReason,
  type SspCounters, type SspReply, type SspSetup,
} from './replies.js';
import { SspSession } from './session.js';

export interface SspValidatorOptions {
  readonly id: string;
  readonly openLink: LinkFactory;
  readonly clock: Clock;
  readonly timers: Timers;
  /** ISO 4217 code the terminal takes; a device set up for another currency is refused at open(). */
  readonly currency: string;
  /** SSP slave address; banknote validators answer on 0. */
  readonly address?: number;
  /** Poll period, 200..1000 ms (GA973 §7.4). Defaults to 200. */
  readonly pollMs?: number;
  readonly encryption: { readonly enabled: boolean; readonly fixedKey?: bigint | Buffer };
  readonly logger?: Logger;
  /** Reply timeout before a resend; defaults to 1000 ms (GA138). */
  readonly replyTimeoutMs?: number;
  /** Resends before the link counts as dead; defaults to 5 (≈ 6 s, inside the device's 10 s self-disable). */
  readonly retries?: number;
  /** Longest gap between HOLDs while an escrow decision is pending; ≤ 3000, defaults to 3000. */
  readonly holdIntervalMs?: number;
  /** Reconnect backoff: first delay and cap; defaults 500 ms and 30 s. */
  readonly reconnect?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Host protocol version to ask for first; lower ones are tried on FAIL down to 6. Defaults to 8. */
  readonly protocolVersion?: number;
  /** Randomness for key exchange and packing (tests pin it). */
  readonly random?: RandomSource;
}

/** BillValidatorEvents plus the SSP-only reconciliation event. */
export interface SspValidatorEvents extends BillValidatorEvents {
  /** GET COUNTERS after every (re)connect, for the runtime to compare with its journal. */
  counters: SspCounters;
}

type Phase = 'closed' | 'connecting' | 'online' | 'offline';
type Decision = 'pending' | 'accept' | 'reject';

const UNIT_TYPES: Readonly<Record<number, string>> = {
  0x00: 'banknote validator', 0x03: 'SMART Hopper', 0x06: 'SMART Payout', 0x07: 'NV11', 0x0d: 'TEBS',
};

/** Faults that a device keeps reporting while they last; status is `error` while any is present. */
type Fault = 'jam' | 'cashbox-removed' | 'stacker-full';
const FAULT_TEXT: Readonly<Record<Fault, string>> = {
  jam: 'note jam', 'cashbox-removed': 'cash box removed', 'stacker-full': 'stacker full',
};

/**
 * ITL SSP / eSSP banknote validator (NV9, NV10, NV200…) as a BillValidator.
 * Money is counted only at NOTE CREDIT, through the CreditHandler; with eSSP the credit is acknowledged
 * (EVENT ACK) only after the handler resolved, so an unjournaled credit is redelivered by the device.
 */
export class SspValidator implements BillValidator {
  readonly kind = 'billValidator' as const;
  readonly id: string;

  private readonly o: SspValidatorOptions;
  private readonly pollMs: number;
  private readonly holdMs: number;
  private readonly log: Logger | undefined;
  private readonly emitter: TypedEmitter<SspValidatorEvents>;
  private st: DeviceStatus = STATUS_CLOSED;
  private phase: Phase = 'closed';
  private link: ByteLink | undefined;
  private session: SspSession | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private pollTimer: TimerHandle | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private backoffMs: number;
  private generation = 0;

  private setup: SspSetup | undefined;
  private serial: number | undefined;
  private firmware = '';
  private dataset = '';
  private counters: SspCounters | undefined;

  private enabledWanted = false;
  private accepted: readonly Minor[] | undefined;
  private escrow: EscrowNote | undefined;
  private decision: Decision = 'pending';
  /** A note that left escrow back towards the customer; reported when the device says REJECTED/cleared. */
  private returning: EscrowNote | undefined;
  private lastCmdMono = 0;
  private lastEnableMono = -Infinity;
  private inHandshake = false;
  private needResync = false;
  private readonly faults = new Set<Fault>();
  private fraud = false;
  private lastCreditValue: Minor | undefined;

  private handler: CreditHandler | undefined;
  /** Credits whose handler has resolved (bounded): a repeat is acknowledged without a second call. */
  private readonly handled = new Set<string>();
  /** Plain SSP: credits whose handler failed; retried from memory each tick (no device redelivery). */
  private pendingCredits: NoteCredit[] = [];
  /** eSSP: the last POLL WITH ACK reply we could not acknowledge, and the credits (with refs) it held. */
  private unacked: { readonly raw: string; readonly refs: readonly string[]; readonly credits: readonly NoteCredit[] } | undefined;
  private opening: Promise<void> | undefined;
  private creditSeq = 0;
  private stackedAtConnect: number | undefined;

  private readonly stats: Record<string, number> = {
    accepted: 0, rejected: 0, returned: 0, stacked: 0, jams: 0, fraudAttempts: 0, commErrors: 0, resends: 0,
    timeouts: 0, reconnects: 0, creditHandlerFailures: 0, escrowHolds: 0,
  };

  constructor(opts: SspValidatorOptions) {
    const pollMs = opts.pollMs ?? 200;
    if (!Number.isInteger(pollMs) || pollMs < 200 || pollMs > 1000) throw new KioskError('KIOSK_E_CONFIG_INVALID', `pollMs must be 200..1000, got ${pollMs}`);
    const holdMs = opts.holdIntervalMs ?? 3000;
    if (!(holdMs > 0 && holdMs <= 3000)) throw new KioskError('KIOSK_E_CONFIG_INVALID', `holdIntervalMs must be 1..3000, got ${holdMs}`);
    this.o = opts;
    this.id = opts.id;
    this.pollMs = pollMs;
    this.holdMs = holdMs;
    this.log = opts.logger;
    this.backoffMs = opts.reconnect?.initialMs ?? 500;
    this.emitter = new TypedEmitter<SspValidatorEvents>((err, event) => this.log?.error({ err, event }, 'ssp listener threw'));
  }

  // ── contract ────────────────────────────────────────────────────────────────────────────────────

  on<K extends keyof SspValidatorEvents & string>(event: K, listener: (payload: SspValidatorEvents[K]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  status(): DeviceStatus { return this.st; }

  open(): Promise<void> {
    if (this.phase === 'online' || this.phase === 'offline') return Promise.resolve();
    this.opening ??= this.doOpen().finally(() => { this.opening = undefined; });
    return this.opening;
  }

  private async doOpen(): Promise<void> {
    this.phase = 'connecting';
    try {
      await this.connect();
    } catch (e) {
      const err = toKioskError(e, 'KIOSK_E_DEVICE_OFFLINE');
      await this.dropLink();
      this.phase = 'closed';
      this.setStatus({ state: 'offline', reason: err.code === 'KIOSK_E_DEVICE_CURRENCY' ? 'wrong-currency' : 'no-reply', text: err.message });
      throw err;
    }
    this.phase = 'online';
    this.backoffMs = this.o.reconnect?.initialMs ?? 500;
    this.schedulePoll();
  }

  async close(): Promise<void> {
    this.phase = 'closed';
    this.generation++;
    this.o.timers.clearTimeout(this.pollTimer);
    this.o.timers.clearTimeout(this.reconnectTimer);
    this.pollTimer = this.reconnectTimer = undefined;
    await this.dropLink();
    this.setStatus(STATUS_CLOSED);
  }

  async enable(): Promise<void> {
    this.enabledWanted = true;
    await this.whenOnline(async () => { await this.send(cmd.enable()); this.lastEnableMono = this.o.clock.monoMs(); });
  }

  async disable(): Promise<void> {
    this.enabledWanted = false;
    await this.whenOnline(() => this.send(cmd.disable()));
  }

  async checkHealth(): Promise<DeviceHealth> { return { ok: isUsable(this.st), status: this.st }; }

  async identify(): Promise<DeviceIdentity> {
    if (!this.setup) throw new KioskError('KIOSK_E_DEVICE_STATE', 'validator not opened yet');
    return {
      model: UNIT_TYPES[this.setup.unitType] ?? `SSP unit 0x${this.setup.unitType.toString(16)}`,
      serial: String(this.serial ?? ''),
      firmware: this.firmware || this.setup.firmware,
      protocol: this.o.encryption.enabled ? 'essp' : 'ssp',
      vendor: 'ITL',
      extra: {
        dataset: this.dataset, currency: this.setup.country, protocolVersion: this.setup.protocolVersion,
        channels: this.denominations().map((d) => d.value).join(','),
      },
    };
  }

  statistics(): DeviceStatistics { return { ...this.stats }; }

  denominations(): readonly Denomination[] {
    return (this.setup?.channels ?? []).filter((c) => c.value > 0).map((c) => ({ channel: c.channel, value: c.value, currency: c.currency }));
  }

  async setAcceptedValues(values: readonly Minor[]): Promise<void> {
    this.accepted = [...values];
    if (this.phase === 'online') await this.exclusive(() => this.sendInhibits());
  }

  escrowNote(): EscrowNote | undefined { return this.escrow; }

  setCreditHandler(handler: CreditHandler): void { this.handler = handler; }

  async accept(): Promise<void> { await this.decide('accept'); }

  async reject(): Promise<void> { await this.decide('reject'); }

  /** The device counters read at the last (re)connect, if the device supports GET COUNTERS. */
  lastCounters(): SspCounters | undefined { return this.counters; }

  // ── connection ──────────────────────────────────────────────────────────────────────────────────

  private async connect(): Promise<void> {
    const link = await this.o.openLink();
    this.link = link;
    const gen = ++this.generation;
    this.session = new SspSession({
      link, timers: this.o.timers, address: this.o.address ?? 0,
      replyTimeoutMs: this.o.replyTimeoutMs ?? 1000, retries: this.o.retries ?? 5,
      ...(this.o.random ? { random: this.o.random } : {}),
      onCommError: (err) => { this.stats.commErrors!++; this.log?.debug({ code: err.code }, 'ssp comm error'); },
      onResend: () => { this.stats.resends!++; },
    });
    link.onClose(() => { if (gen === this.generation) this.lost(new KioskError('KIOSK_E_DEVICE_OFFLINE', 'link closed', { disconnected: true })); });
    await this.exclusive(() => this.handshake());
  }

  /** Start-up sequence of GA973 §6 / PROTOCOLS.md §1.9, also run after a device reset. */
  private async handshake(): Promise<void> {
    this.inHandshake = true;
    this.needResync = false;
    try {
      const s = this.session!;
      s.setKey(undefined);
      await this.send(cmd.sync());
      if (this.o.encryption.enabled) await this.negotiateKey();
      await this.hostProtocolVersion();
      const setup = parseSetup(this.okPayload(await this.send(cmd.setupRequest()), 'SETUP REQUEST'));
      const foreign = setup.channels.filter((c) => c.value > 0 && c.currency !== this.o.currency);
      if (foreign.length > 0 || (setup.country !== this.o.currency && setup.protocolVersion < 6)) {
        throw new KioskError('KIOSK_E_DEVICE_CURRENCY', `validator set up for ${setup.country}, terminal takes ${this.o.currency}`, { details: { device: setup.country, terminal: this.o.currency } });
      }
      this.setup = setup;
      const serial = parseSerial(this.okPayload(await this.send(cmd.getSerialNumber()), 'GET SERIAL NUMBER'));
      if (this.serial !== undefined && serial !== this.serial) this.log?.warn({ was: this.serial, now: serial }, 'ssp validator swapped');
      this.serial = serial;
      this.firmware = await this.optionalAscii(cmd.getFirmwareVersion());
      this.dataset = await this.optionalAscii(cmd.getDatasetVersion());
      const c = await this.send(cmd.getCounters());
      if (c.ok) {
        this.counters = parseCounters(c.payload);
        // Refs are the device's stacked count as of each note. Credits the device is still repeating from
        // before this connect are already in that count: the first poll tells how many, so refs are set then.
        this.stackedAtConnect = this.counters.stacked;
        this.emitter.emit('counters', this.counters);
      }
      // The first poll must be handled before enabling: notes cleared into the cash box at power-up are money.
      // But a POLL would stack a note we are still holding, so with a pending escrow ask the device with HOLD.
      let pollNow = true;
      if (this.escrow) {
        const r = await this.send(cmd.hold());
        if (r.ok) pollNow = false;
        else this.escrowGone();
      } else {
        // A note another process left in escrow would be stacked by our first POLL, with no decision behind
        // it. HOLD answers OK only when a note is held: then it goes back to the customer.
        const r = await this.send(cmd.hold());
        if (r.ok) {
          const back = await this.send(cmd.reject());
          this.log?.warn({ returned: back.ok }, 'ssp: a note was held in escrow at connect; returned it');
        }
      }
      if (pollNow) await this.pollOnce();
      await this.sendInhibits();
      if (this.enabledWanted) { await this.send(cmd.enable()); this.lastEnableMono = this.o.clock.monoMs(); }
      this.updateStatus();
    } finally {
      this.inHandshake = false;
    }
  }

  private async negotiateKey(): Promise<void> {
    const kx = startKeyExchange(this.o.random);
    this.okPayload(await this.send(cmd.setGenerator(kx.generator)), 'SET GENERATOR');
    this.okPayload(await this.send(cmd.setModulus(kx.modulus)), 'SET MODULUS');
    const slaveInter = parseKeyReply(this.okPayload(await this.send(cmd.requestKeyExchange(kx.hostInter)), 'REQUEST KEY EXCHANGE'));
    this.session!.setKey(esspKey(this.o.encryption.fixedKey ?? DEFAULT_FIXED_KEY, finishKeyExchange(kx, slaveInter)));
  }

  private async hostProtocolVersion(): Promise<void> {
    for (let v = this.o.protocolVersion ?? 8; v >= 6; v--) {
      const r = await this.send(cmd.hostProtocolVersion(v));
      if (r.ok) return;
      if (r.code !== SSP_RESP.FAIL) break;
    }
    throw new KioskError('KIOSK_E_DEVICE_PROTOCOL', 'validator refuses every host protocol version we speak');
  }

  private async optionalAscii(command: Uint8Array): Promise<string> {
    const r = await this.send(command);
    return r.ok ? parseAscii(r.payload) : '';
  }

  private lost(err: KioskError): void {
    if (this.phase !== 'online') return;
    this.phase = 'offline';
    this.generation++;
    this.stats.reconnects!++;
    if (err.code === 'KIOSK_E_DEVICE_TIMEOUT') this.stats.timeouts!++;
    this.log?.warn({ code: err.code }, 'ssp link lost');
    this.setStatus({ state: 'offline', reason: err.code === 'KIOSK_E_DEVICE_TIMEOUT' ? 'no-reply' : 'disconnected', text: err.message });
    this.o.timers.clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    void this.dropLink();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.o.reconnect?.maxMs ?? 30_000);
    this.reconnectTimer = this.o.timers.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.phase !== 'offline') return;
      this.connect().then(async () => {
        if (this.phase !== 'offline') { this.generation++; await this.dropLink(); return; } // closed meanwhile
        this.phase = 'online';
        this.backoffMs = this.o.reconnect?.initialMs ?? 500;
        this.schedulePoll();
      }, async (e: unknown) => {
        const err = toKioskError(e, 'KIOSK_E_DEVICE_OFFLINE');
        this.generation++;
        await this.dropLink();
        if (this.phase !== 'offline') return;
        if (err.code === 'KIOSK_E_DEVICE_CURRENCY') this.setStatus({ state: 'error', reason: 'wrong-currency', text: err.message });
        this.scheduleReconnect();
      });
    }, delay);
  }

  private async dropLink(): Promise<void> {
    const link = this.link;
    this.session?.shutdown();
    this.session = undefined;
    this.link = undefined;
    if (link) await link.close().catch(() => undefined);
  }

  // ── poll loop ───────────────────────────────────────────────────────────────────────────────────

  private schedulePoll(): void {
    if (this.phase !== 'online') return;
    const gen = this.generation;
    this.pollTimer = this.o.timers.setTimeout(() => {
      this.pollTimer = undefined;
      if (gen !== this.generation) return;
      void this.exclusive(() => this.tick()).catch((e: unknown) => this.onCommandError(e)).finally(() => { if (gen === this.generation) this.schedulePoll(); });
    }, this.pollMs);
  }

  private async tick(): Promise<void> {
    if (this.phase !== 'online') return;
    if (this.needResync) { await this.handshake(); return; }
    for (const c of this.pendingCredits.splice(0)) if (!(await this.deliver(c))) this.pendingCredits.push(c);
    if (this.escrow) { await this.escrowStep(); return; }
    await this.pollOnce();
  }

  /** While a decision is pending: HOLD whenever waiting one more tick would exceed the hold interval. */
  private async escrowStep(): Promise<void> {
    if (this.decision === 'accept') {
      await this.pollOnce(); // the POLL after READ ch stacks the note
      return;
    }
    if (this.decision === 'reject') {
      const note = this.escrow;
      const r = await this.send(cmd.reject());
      this.escrow = undefined;
      this.decision = 'pending';
      if (r.ok) this.returning = note; else this.escrowGone(note);
      return;
    }
    if (this.o.clock.monoMs() - this.lastCmdMono + this.pollMs > this.holdMs) {
      const r = await this.send(cmd.hold());
      this.stats.escrowHolds!++;
      if (!r.ok) this.escrowGone();
    }
  }

  /** HOLD/REJECT found no note in escrow: it left on its own; report it only when the device says so. */
  private escrowGone(note = this.escrow): void {
    this.escrow = undefined;
    this.decision = 'pending';
    this.returning = note;
  }

  private async decide(d: 'accept' | 'reject'): Promise<void> {
    if (!this.escrow) throw new KioskError('KIOSK_E_DEVICE_STATE', 'no note in escrow');
    if (this.phase !== 'online') throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'validator offline', { retryable: true, disconnected: true });
    this.decision = d;
    try {
      await this.exclusive(async () => { if (this.escrow && this.decision === d) await this.escrowStep(); });
    } catch (e) {
      if (this.escrow) this.decision = 'pending';
      this.onCommandError(e);
      throw toKioskError(e);
    }
  }

  private async pollOnce(): Promise<void> {
    const encrypted = this.session?.encrypted ?? false;
    const r = await this.send(encrypted ? cmd.pollWithAck() : cmd.poll());
    if (r.code === SSP_RESP.KEY_NOT_SET) { this.needResync = true; return; }
    const data = Buffer.concat([Buffer.of(r.code), r.payload]);
    const res = parsePollReply(data);
    if (res.error) { this.stats.commErrors!++; this.log?.warn({ code: res.error.code }, 'ssp poll reply not fully parsed'); }
    if (this.escrow && this.decision === 'accept') { this.returning = undefined; this.stackingNote = this.escrow; this.escrow = undefined; this.decision = 'pending'; }
    const raw = data.toString('hex');
    if (this.unacked && res.events[0]?.name === 'slave-reset') {
      // The device was reset and forgot the credits it was repeating: keep them ourselves.
      for (const c of this.unacked.credits) if (!this.handled.has(c.deviceRef)) this.pendingCredits.push(c);
      this.unacked = undefined;
    }
    const repeat = this.unacked !== undefined && this.unacked.raw === raw;
    const priorRefs = this.unacked?.refs ?? [];
    if (this.stackedAtConnect !== undefined) {
      // A note's ref is the device's stacked count once it is in. The credits in the first poll after a
      // connect (repeats the device was not acknowledged for, or a stack that finished meanwhile) are the
      // last ones that count holds — so read it now, after that poll, and number them just below it.
      const c = await this.send(cmd.getCounters());
      const stacked = c.ok ? parseCounters(c.payload).stacked : this.stackedAtConnect;
      const credits = res.events.filter((ev) => ev.name === 'credit' || (ev.name === 'cleared-into-cashbox' && (ev.channel ?? 0) > 0)).length;
      const fresh = Math.max(0, credits - priorRefs.length);
      this.creditSeq = Math.max(this.creditSeq, stacked - fresh);
      this.stackedAtConnect = undefined;
    }
    const { refs, credits, allDelivered } = await this.handleEvents(res.events, repeat, priorRefs);
    if (encrypted && res.needsAck) {
      if (allDelivered) {
        const ack = await this.send(cmd.eventAck());
        if (ack.ok) this.unacked = undefined;
      } else {
        this.unacked = { raw, refs, credits };
      }
    } else if (!res.needsAck) {
      this.unacked = undefined;
    }
    this.updateStatus();
  }

  private stackingNote: EscrowNote | undefined;

  private channelValue(ch: number): { value: Minor; currency: string } | undefined {
    const c = this.setup?.channels[ch - 1];
    return c && c.value > 0 ? { value: c.value, currency: c.currency } : undefined;
  }

  private nextRef(): string {
    this.creditSeq++;
    return `${this.serial ?? 0}:${this.creditSeq}`;
  }

  private async handleEvents(events: readonly SspEvent[], repeat: boolean, priorRefs: readonly string[]): Promise<{ refs: string[]; credits: NoteCredit[]; allDelivered: boolean }> {
    const refs: string[] = [];
    const credits: NoteCredit[] = [];
    let allDelivered = true;
    const present = new Set<string>();
    for (const ev of events) {
      present.add(ev.name);
      const isCredit = ev.name === 'credit' || (ev.name === 'cleared-into-cashbox' && (ev.channel ?? 0) > 0);
      if (isCredit) {
        const ch = ev.channel ?? 0;
        const cv = this.channelValue(ch);
        // Repeated unacknowledged credits come first in the device's list: they keep the refs they had.
        const ref = priorRefs[refs.length] ?? this.nextRef();
        refs.push(ref);
        if (!cv) { this.stats.commErrors!++; this.log?.error({ channel: ch }, 'ssp credit on unknown channel'); allDelivered = false; continue; }
        const credit: NoteCredit = { channel: ch, value: cv.value, currency: cv.currency, deviceRef: ref };
        credits.push(credit);
        if (this.escrow?.channel === ch) { this.escrow = undefined; this.decision = 'pending'; }
        if (this.stackingNote?.channel === ch) this.stackingNote = undefined;
        this.lastCreditValue = cv.value;
        this.fraud = false;
        if (!(await this.deliver(credit))) {
          allDelivered = false;
          if (!this.session?.encrypted) this.pendingCredits.push(credit);
        }
        continue;
      }
      if (repeat) continue;
      await this.handleEvent(ev);
    }
    // Faults that devices report on every poll while they last.
    if (!present.has('cashbox-removed')) this.faults.delete('cashbox-removed');
    if (!present.has('stacker-full')) this.faults.delete('stacker-full');
    if (!present.has('safe-jam') && !present.has('unsafe-jam')) this.faults.delete('jam');
    return { refs, credits, allDelivered };
  }

  private async handleEvent(ev: SspEvent): Promise<void> {
    const ch = ev.channel ?? 0;
    switch (ev.name) {
      case 'slave-reset':
        this.faults.clear();
        if (!this.inHandshake) this.needResync = true; // the device lost inhibits, enable and keys
        return;
      case 'read': {
        if (ch === 0) return;
        if (this.escrow?.channel === ch) return; // READ repeats while the note waits
        const cv = this.channelValue(ch);
        if (!cv) { this.log?.error({ channel: ch }, 'ssp escrow on unknown channel'); return; }
        this.escrow = { channel: ch, value: cv.value, currency: cv.currency };
        this.decision = 'pending';
        this.returning = undefined;
        this.emitter.emit('escrow', this.escrow);
        return;
      }
      case 'rejected': case 'cleared-from-front': {
        const note = ev.name === 'cleared-from-front' && ch > 0 ? { value: this.channelValue(ch)?.value } : undefined;
        const back = this.returning ?? this.escrow ?? this.stackingNote;
        let code: number | undefined;
        if (ev.name === 'rejected') {
          const r = await this.send(cmd.lastRejectCode());
          if (r.ok) code = parseRejectCode(r.payload);
        }
        if (back || ev.name === 'cleared-from-front') {
          this.stats.returned!++;
          this.emitter.emit('returned', back ? { value: back.value } : note?.value !== undefined ? { value: note.value } : {});
          this.returning = undefined;
          this.escrow = undefined;
          this.stackingNote = undefined;
          this.decision = 'pending';
          return;
        }
        const reason = rejectReason(code ?? -1);
        this.stats.rejected!++;
        this.stats[`rejected.${reason}`] = (this.stats[`rejected.${reason}`] ?? 0) + 1;
        this.emitter.emit('rejected', code === undefined ? { reason } : { reason, code });
        return;
      }
      case 'stacked':
        this.stats.stacked!++;
        this.emitter.emit('stacked', this.lastCreditValue === undefined ? {} : { value: this.lastCreditValue });
        this.lastCreditValue = undefined;
        return;
      case 'cleared-into-cashbox': // channel 0: a note of unknown value went in at power-up
        this.log?.error('ssp note of unknown value cleared into the cash box at power-up');
        this.emitter.emit('stacked', {});
        return;
      case 'safe-jam': case 'unsafe-jam':
        if (!this.faults.has('jam')) { this.stats.jams!++; this.emitter.emit('jam', { safe: ev.name === 'safe-jam' }); }
        this.faults.add('jam');
        return;
      case 'cashbox-removed':
        if (!this.faults.has('cashbox-removed')) this.emitter.emit('cashboxRemoved', {});
        this.faults.add('cashbox-removed');
        return;
      case 'cashbox-replaced':
        this.faults.delete('cashbox-removed');
        this.emitter.emit('cashboxReplaced', {});
        return;
      case 'stacker-full':
        if (!this.faults.has('stacker-full')) this.emitter.emit('stackerFull', {});
        this.faults.add('stacker-full');
        return;
      case 'fraud-attempt': {
        this.stats.fraudAttempts!++;
        this.fraud = true;
        const v = this.channelValue(ch)?.value;
        this.emitter.emit('fraudAttempt', v === undefined ? {} : { value: v });
        return;
      }
      case 'disabled':
        // The device disables itself (10 s without a command, after a reset): re-enable if we want it on.
        if (this.enabledWanted && !this.inHandshake && this.faults.size === 0 && this.o.clock.monoMs() - this.lastEnableMono > 2000) {
          const r = await this.send(cmd.enable());
          this.lastEnableMono = this.o.clock.monoMs();
          if (!r.ok) this.log?.warn({ code: r.code }, 'ssp enable refused');
        }
        return;
      default:
        return;
    }
  }

  private async deliver(credit: NoteCredit): Promise<boolean> {
    if (this.handled.has(credit.deviceRef)) return true;
    if (!this.handler) { this.stats.creditHandlerFailures!++; this.log?.error('ssp credit without a credit handler'); return false; }
    try {
      await this.handler(credit);
    } catch (err) {
      this.stats.creditHandlerFailures!++;
      this.log?.error({ err, deviceRef: credit.deviceRef }, 'ssp credit handler failed; credit not acknowledged');
      return false;
    }
    this.handled.add(credit.deviceRef);
    if (this.handled.size > 256) this.handled.delete(this.handled.values().next().value!);
    this.stats.accepted!++;
    this.emitter.emit('credited', credit);
    return true;
  }

  // ── helpers ─────────────────────────────────────────────────────────────────────────────────────

  private async sendInhibits(): Promise<void> {
    const chans = this.denominations().filter((d) => this.accepted === undefined || this.accepted.includes(d.value)).map((d) => d.channel);
    const r = await this.send(cmd.setInhibits(chans));
    if (!r.ok) this.log?.warn({ code: r.code }, 'ssp SET INHIBITS refused');
  }

  private async send(data: Uint8Array): Promise<SspReply> {
    const s = this.session;
    if (!s) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'validator not connected', { disconnected: true, retryable: true });
    this.lastCmdMono = this.o.clock.monoMs();
    const r = await s.command(data, { encrypt: s.encrypted });
    this.lastCmdMono = this.o.clock.monoMs();
    if (r.code === SSP_RESP.KEY_NOT_SET && !this.inHandshake) this.needResync = true;
    return r;
  }

  private okPayload(r: SspReply, what: string): Buffer {
    if (!r.ok) throw new KioskError('KIOSK_E_DEVICE_PROTOCOL', `${what} answered ${r.name}`, { retryable: true, details: { code: r.code } });
    return r.payload;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async whenOnline(fn: () => Promise<unknown>): Promise<void> {
    if (this.phase !== 'online') throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'validator not online; applied after reconnect', { retryable: true, disconnected: true });
    try { await this.exclusive(fn); } catch (e) { this.onCommandError(e); throw toKioskError(e); }
  }

  private onCommandError(e: unknown): void {
    const err = toKioskError(e);
    if (isKioskError(err) && (err.disconnected || err.code === 'KIOSK_E_DEVICE_TIMEOUT' || err.code === 'KIOSK_E_DEVICE_PROTOCOL'
      || err.code === 'KIOSK_E_DEVICE_CURRENCY' || err.code.startsWith('KIOSK_E_FRAME'))) {
      this.lost(err);
    } else {
      this.log?.error({ code: err.code }, 'ssp command failed');
    }
  }

  private updateStatus(): void {
    if (this.phase === 'closed') return;
    const fault = [...this.faults][0];
    if (fault) { this.setStatus({ state: 'error', reason: fault, text: FAULT_TEXT[fault] }); return; }
    if (this.fraud) { this.setStatus({ state: 'fraud', reason: 'fraud-attempt', text: 'fraud attempt detected' }); return; }
    this.setStatus({ state: 'online', reason: 'ok', text: 'ready' });
  }

  private setStatus(s: DeviceStatus): void {
    if (s.state === this.st.state && s.reason === this.st.reason) return;
    this.st = s;
    this.emitter.emit('status', s);
  }
}
