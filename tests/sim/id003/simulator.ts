import type { Clock, TimerHandle, Timers } from '../../../src/hal/index.js';
import type { DeviceSide } from '../serial/device-side.js';
import { PacketScanner, packet } from './wire.js';

/** One row of the simulated currency-assign table: value = base × 10^exp major units. */
export interface SimDenomination {
  readonly code: number;
  readonly country: number;
  readonly base: number;
  readonly exp: number;
}

/** CNY 1/5/10/20/50/100 yuan on escrow codes 0x61…0x66, JCM country code 0x2D. */
export const CNY_TABLE: readonly SimDenomination[] = [
  { code: 0x61, country: 0x2d, base: 1, exp: 0 },
  { code: 0x62, country: 0x2d, base: 5, exp: 0 },
  { code: 0x63, country: 0x2d, base: 10, exp: 0 },
  { code: 0x64, country: 0x2d, base: 20, exp: 0 },
  { code: 0x65, country: 0x2d, base: 50, exp: 0 },
  { code: 0x66, country: 0x2d, base: 1, exp: 2 },
];

export interface Id003SimOptions {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly table?: readonly SimDenomination[];
  /** Minor units per major unit of the table's currency, as a power of ten. Defaults to 2 (fen). */
  readonly minorExponent?: number;
  readonly version?: string;
  /** `undefined` makes the unit refuse BOOT VERSION REQUEST with INVALID COMMAND, as older units do. */
  readonly bootVersion?: string | undefined;
  /** How long a note stays in escrow/holding without HOLD before it is returned. §8: unknown; default 10 s. */
  readonly holdTimeoutMs?: number;
  readonly acceptMs?: number;
  readonly stackMs?: number;
  readonly returnMs?: number;
  readonly rejectMs?: number;
  readonly initMs?: number;
  /** How long STACKED is shown (at least one status answer). */
  readonly stackedMs?: number;
  /** §8: does VEND VALID repeat until the host ACKs (default) or show once and move on. */
  readonly vendValidRepeats?: boolean;
  /** §2.4: C0/C1 bits — `1-inhibits` (TerminalClient, Portalum; default) or `1-enables` (hackwin's comment). */
  readonly enablePolarity?: '1-inhibits' | '1-enables';
  /** A frame with a bad CRC: ignored (default) or answered with COMMUNICATION ERROR 0x4A. */
  readonly badFrameReply?: 'ignore' | 'communication-error';
  /** Stacker capacity in notes; reaching it shows STACKER FULL. Defaults to unlimited. */
  readonly capacity?: number;
}

export type SimState =
  | 'power-up' | 'power-up-acceptor' | 'power-up-stacker' | 'initializing' | 'idle' | 'accepting' | 'escrow'
  | 'holding' | 'stacking' | 'vend-valid' | 'stacked' | 'rejecting' | 'returning';

export interface StackedNote {
  readonly seq: number;
  readonly code: number;
  /** Minor units. */
  readonly value: number;
  /** VEND VALID was shown for it (false: pushed into the stacker by a power cut before VEND VALID). */
  readonly vendValid: boolean;
  acked: boolean;
  /** STACKED was shown for it. */
  confirmed: boolean;
  readonly atMs: number;
}

export interface ReturnedNote {
  readonly value: number;
  readonly why: 'host' | 'hold-timeout' | 'power-up';
}

interface Note { readonly seq: number; readonly code: number; readonly value: number }

const ACK = 0x50;
const INVALID = 0x4b;

/**
 * A JCM ID-003 bill validator as seen from its serial port: answers every host frame, runs its own
 * state machine on injected timers and keeps its own book of what went into the cash box.
 */
export class Id003Simulator implements DeviceSide {
  private readonly o: Required<Omit<Id003SimOptions, 'bootVersion' | 'capacity'>> & { bootVersion: string | undefined; capacity: number };
  private send: ((bytes: Buffer) => void) | undefined;
  private readonly scanner = new PacketScanner();
  private st: SimState = 'power-up';
  private note: Note | undefined;
  private seq = 0;
  private stepTimer: TimerHandle | undefined;
  private holdTimer: TimerHandle | undefined;
  private overlayTimer: TimerHandle | undefined;
  private shownSinceEnter = false;
  private stepDue = false;

  // settings the host writes
  private inhibited = true;
  private enables = 0;
  private security = 0;
  private commMode = 0;
  private direction = 0;
  private optional: [number, number] = [0, 0];
  private barcode: [number, number] = [0, 0];
  private barInhibit = 0;

  // conditions that override the base state
  private jam: 'acceptor' | 'stacker' | undefined;
  private stackerOut = false;
  private full = false;
  private cheating = false;
  private pausing = false;
  private failure: number | undefined;
  private jamPlan: 'before-vend' | 'after-vend' | undefined;
  private rejectReason = 0x71;

  // line faults
  private replyDelayMs = 0;
  private dropCount = 0;
  private garbleCount = 0;
  private silent = false;
  private noisy = false;

  private readonly stacked: StackedNote[] = [];
  private readonly returned: ReturnedNote[] = [];
  private readonly jammed: Note[] = [];
  private readonly log: number[] = [];
  private rejects = 0;

  constructor(opts: Id003SimOptions) {
    this.o = {
      clock: opts.clock, timers: opts.timers,
      table: opts.table ?? CNY_TABLE,
      minorExponent: opts.minorExponent ?? 2,
      version: opts.version ?? 'UBA-10-SS(CHN) ID003-05V100-01 01JAN26 SIM0',
      bootVersion: 'bootVersion' in opts ? opts.bootVersion : 'UBA-BOOT V1.00',
      holdTimeoutMs: opts.holdTimeoutMs ?? 10_000,
      acceptMs: opts.acceptMs ?? 300,
      stackMs: opts.stackMs ?? 300,
      returnMs: opts.returnMs ?? 300,
      rejectMs: opts.rejectMs ?? 300,
      initMs: opts.initMs ?? 500,
      stackedMs: opts.stackedMs ?? 200,
      vendValidRepeats: opts.vendValidRepeats ?? true,
      enablePolarity: opts.enablePolarity ?? '1-inhibits',
      badFrameReply: opts.badFrameReply ?? 'ignore',
      capacity: opts.capacity ?? Infinity,
    };
  }

  // ---- DeviceSide -------------------------------------------------------------------------------

  attach(send: ((bytes: Buffer) => void) | undefined): void {
    this.send = send;
    if (!send) this.scanner.clear();
  }

  receive(chunk: Buffer): void {
    const before = this.scanner.rejected;
    const packets = this.scanner.feed(chunk);
    if (this.scanner.rejected > before && this.o.badFrameReply === 'communication-error') this.reply(0x4a);
    for (const p of packets) this.onPacket(p.code, p.payload);
  }

  // ---- script -----------------------------------------------------------------------------------

  /** A customer feeds a note worth `value` minor units. Returns false if the unit cannot take it now. */
  insert(value: number, opts: { genuine?: boolean } = {}): boolean {
    if (this.st !== 'idle' || this.inhibited || this.blocked() || this.full) return false;
    this.enter('accepting');
    this.after(this.o.acceptMs, () => {
      const d = this.o.table.find((x) => this.valueOf(x) === value);
      let reason: number | undefined;
      if (opts.genuine === false) reason = 0x72;
      else if (!d) reason = 0x76;
      else if (!this.denominationEnabled(d.code)) reason = 0x79;
      if (reason !== undefined || !d) { this.rejects++; this.reject(reason ?? 0x76); return; }
      this.note = { seq: ++this.seq, code: d.code, value };
      this.enter('escrow');
      this.armHold();
    });
    return true;
  }

  /** The note in the path jams in the acceptor (customer side). */
  jamAcceptor(): void { this.jam = 'acceptor'; this.freeze(); }
  /** The next stacking jams: before VEND VALID (not money) or after the host's ACK (money). */
  armStackerJam(when: 'before-vend' | 'after-vend'): void { this.jamPlan = when; }
  /** A service person clears the jam; a note that never reached VEND VALID is taken out by hand. */
  clearJam(): void {
    if (!this.jam) return;
    this.jam = undefined;
    if (this.note && (this.st === 'stacking' || this.st === 'accepting' || this.st === 'escrow' || this.st === 'holding' || this.st === 'returning')) {
      this.jammed.push(this.note);
    }
    this.note = undefined;
    this.enter('idle');
  }
  removeStacker(): void { this.stackerOut = true; }
  replaceStacker(): void { this.stackerOut = false; this.full = false; }
  setStackerFull(full: boolean): void { this.full = full; }
  /** The unit sees a fraud attempt (string, light): CHEATED for `ms`. */
  cheat(ms = 1000): void { this.cheating = true; this.timedOverlay(ms, () => { this.cheating = false; }); }
  /** A second note pushed in while busy: PAUSE for `ms`. */
  pause(ms = 1000): void { this.pausing = true; this.timedOverlay(ms, () => { this.pausing = false; }); }
  fail(code: number): void { this.failure = code; this.freeze(); }
  clearFailure(): void { this.failure = undefined; }
  setReplyDelay(ms: number): void { this.replyDelayMs = ms; }
  dropReplies(n: number): void { this.dropCount = n; }
  /** The next `n` answers go out with a broken CRC. */
  garbleReplies(n: number): void { this.garbleCount = n; }
  /** No answers at all (a dead unit with its USB-serial adapter still plugged). */
  setSilent(silent: boolean): void { this.silent = silent; }
  /** Every answer comes wrapped in line noise, and nothing valid ever gets through. */
  setNoisy(noisy: boolean): void { this.noisy = noisy; }
  /** Sends stray bytes now. */
  noise(bytes: ArrayLike<number> = [0x00, 0xfc, 0x02, 0x13, 0x55, 0xaa, 0xfc]): void { this.send?.(Buffer.from(Array.from(bytes))); }

  /** Power cut and back: settings are lost; a note in the path ends in the acceptor or in the stacker. */
  powerCycle(): void {
    this.clearTimers();
    const n = this.note;
    let next: SimState = 'power-up';
    if (n && (this.st === 'stacking' || this.st === 'vend-valid')) {
      next = 'power-up-stacker';
      if (this.st === 'stacking') this.stacked.push({ seq: n.seq, code: n.code, value: n.value, vendValid: false, acked: false, confirmed: false, atMs: this.o.clock.monoMs() });
      this.note = undefined;
    } else if (n && this.st !== 'stacked') {
      next = 'power-up-acceptor';
    } else {
      this.note = undefined;
    }
    this.resetSettings();
    this.cheating = false;
    this.pausing = false;
    this.jamPlan = undefined;
    this.enter(next);
  }

  // ---- inspection -------------------------------------------------------------------------------

  state(): SimState { return this.st; }
  /** What would be answered to STATUS REQUEST now. */
  statusCode(): number { return this.statusFrame()[0]!; }
  /** Notes that passed VEND VALID (or were pushed into the stacker by a power cut): the truth for reconciliation. */
  stackedNotes(): readonly StackedNote[] { return this.stacked; }
  returnedNotes(): readonly ReturnedNote[] { return this.returned; }
  jammedNotes(): readonly { value: number }[] { return this.jammed; }
  rejectedCount(): number { return this.rejects; }
  /** Every host command byte received, in order. */
  commands(): readonly number[] { return this.log; }
  isInhibited(): boolean { return this.inhibited; }
  /** The barcode settings (C6/C7) as last written, for tests of ticket-capable hosts. */
  barcodeSettings(): { readonly fn: readonly [number, number]; readonly inhibit: number } { return { fn: this.barcode, inhibit: this.barInhibit }; }
  enableMask(): number { return this.enables; }
  badFrames(): number { return this.scanner.rejected; }

  // ---- internals --------------------------------------------------------------------------------

  private valueOf(d: SimDenomination): number { return d.base * 10 ** (d.exp + this.o.minorExponent); }

  private denominationEnabled(code: number): boolean {
    const first = Math.min(...this.o.table.map((d) => d.code));
    const bit = (this.enables >> (code - first)) & 1;
    return this.o.enablePolarity === '1-inhibits' ? bit === 0 : bit === 1;
  }

  private blocked(): boolean { return this.jam !== undefined || this.stackerOut || this.failure !== undefined || this.cheating; }

  private enter(s: SimState): void {
    this.st = s;
    this.shownSinceEnter = false;
    this.stepDue = false;
  }

  private after(ms: number, fn: () => void): void {
    this.o.timers.clearTimeout(this.stepTimer);
    this.stepTimer = this.o.timers.setTimeout(() => { this.stepTimer = undefined; if (!this.jam && this.failure === undefined) fn(); }, ms);
  }

  private timedOverlay(ms: number, end: () => void): void {
    this.o.timers.clearTimeout(this.overlayTimer);
    this.overlayTimer = this.o.timers.setTimeout(() => { this.overlayTimer = undefined; end(); }, ms);
  }

  private freeze(): void {
    this.o.timers.clearTimeout(this.stepTimer);
    this.o.timers.clearTimeout(this.holdTimer);
    this.stepTimer = undefined;
    this.holdTimer = undefined;
  }

  private clearTimers(): void {
    this.freeze();
    this.o.timers.clearTimeout(this.overlayTimer);
    this.overlayTimer = undefined;
  }

  private resetSettings(): void {
    this.inhibited = true;
    this.enables = 0;
    this.security = 0;
    this.commMode = 0;
    this.direction = 0;
    this.optional = [0, 0];
  }

  private armHold(): void {
    this.o.timers.clearTimeout(this.holdTimer);
    this.holdTimer = this.o.timers.setTimeout(() => {
      this.holdTimer = undefined;
      if (this.st === 'escrow' || this.st === 'holding') this.returnNote('hold-timeout');
    }, this.o.holdTimeoutMs);
  }

  private reject(reason: number): void {
    this.enter('rejecting');
    this.rejectReason = reason;
    this.after(this.o.rejectMs, () => this.enter('idle'));
  }

  private returnNote(why: ReturnedNote['why']): void {
    this.o.timers.clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const n = this.note;
    this.enter('returning');
    this.after(this.o.returnMs, () => {
      if (n) this.returned.push({ value: n.value, why });
      this.note = undefined;
      this.enter('idle');
    });
  }

  private startStacking(): void {
    this.o.timers.clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.enter('stacking');
    this.after(this.o.stackMs, () => {
      const n = this.note;
      if (!n) { this.enter('idle'); return; }
      if (this.jamPlan === 'before-vend') { this.jamPlan = undefined; this.jam = 'stacker'; return; }
      this.stacked.push({ seq: n.seq, code: n.code, value: n.value, vendValid: true, acked: false, confirmed: false, atMs: this.o.clock.monoMs() });
      this.enter('vend-valid');
    });
  }

  private afterVend(): void {
    if (this.jamPlan === 'after-vend') { this.jamPlan = undefined; this.jam = 'stacker'; this.note = undefined; return; }
    this.enter('stacked');
    this.after(this.o.stackedMs, () => { this.stepDue = true; this.leaveStackedIfShown(); });
  }

  private leaveStackedIfShown(): void {
    if (this.st !== 'stacked' || !this.stepDue || !this.shownSinceEnter) return;
    const rec = this.stacked[this.stacked.length - 1];
    if (rec) rec.confirmed = true;
    this.note = undefined;
    if (this.stacked.length >= this.o.capacity) this.full = true;
    this.enter('idle');
  }

  /** The status byte and its data, as answered to STATUS REQUEST. */
  private statusFrame(): number[] {
    switch (this.st) {
      case 'power-up': return [0x40];
      case 'power-up-acceptor': return [0x41];
      case 'power-up-stacker': return [0x42];
      case 'initializing': return [0x1b];
      default: break;
    }
    if (this.failure !== undefined) return [0x49, this.failure];
    if (this.stackerOut) return [0x44];
    if (this.jam === 'acceptor') return [0x45];
    if (this.jam === 'stacker') return [0x46];
    if (this.cheating) return [0x48];
    if (this.pausing) return [0x47];
    switch (this.st) {
      case 'idle': return this.full ? [0x43] : [this.inhibited ? 0x1a : 0x11];
      case 'accepting': return [0x12];
      case 'escrow': return [0x13, this.note?.code ?? 0];
      case 'holding': return [0x19];
      case 'stacking': return [0x14];
      case 'vend-valid': return [0x15];
      case 'stacked': return [0x16];
      case 'rejecting': return [0x17, this.rejectReason];
      case 'returning': return [0x18];
    }
  }

  private answerStatus(): void {
    const [code, ...data] = this.statusFrame();
    this.reply(code!, data);
    this.shownSinceEnter = true;
    if (this.st === 'vend-valid' && !this.o.vendValidRepeats && code === 0x15) {
      // Single-shot variant: shown once, then the unit carries on without the host's ACK.
      this.afterVend();
      return;
    }
    this.leaveStackedIfShown();
  }

  private ackIf(ok: boolean, then?: () => void): void {
    if (!ok) { this.reply(INVALID); return; }
    this.reply(ACK);
    then?.();
  }

  private onPacket(code: number, payload: Buffer): void {
    this.log.push(code);
    const inEscrow = (this.st === 'escrow' || this.st === 'holding') && !this.blocked();
    switch (code) {
      case 0x11: this.answerStatus(); return;
      case 0x50: // ACK from the host: only VEND VALID waits for one
        if (this.st === 'vend-valid') {
          const rec = this.stacked[this.stacked.length - 1];
          if (rec) rec.acked = true;
          this.afterVend();
        }
        return;
      case 0x40:
        this.reply(ACK);
        this.clearTimers();
        if (this.st === 'power-up-acceptor' && this.note) { this.returned.push({ value: this.note.value, why: 'power-up' }); }
        this.note = undefined;
        this.resetSettings();
        this.enter('initializing');
        this.o.timers.clearTimeout(this.stepTimer);
        this.stepTimer = this.o.timers.setTimeout(() => { this.stepTimer = undefined; this.enter('idle'); }, this.o.initMs);
        return;
      case 0x41: case 0x42: this.ackIf(inEscrow, () => this.startStacking()); return;
      case 0x43: this.ackIf(inEscrow, () => this.returnNote('host')); return;
      case 0x44: this.ackIf(inEscrow, () => { this.st = 'holding'; this.armHold(); }); return;
      case 0x45: this.reply(ACK); return;
      case 0xc0: if (payload.length === 2) this.enables = payload.readUInt16LE(0); return this.echo(code, payload, 2);
      case 0xc1: if (payload.length === 2) this.security = payload.readUInt16LE(0); return this.echo(code, payload, 2);
      case 0xc2: if (payload.length === 1) this.commMode = payload[0]!; return this.echo(code, payload, 1);
      case 0xc3: if (payload.length === 1) this.inhibited = payload[0] !== 0; return this.echo(code, payload, 1);
      case 0xc4: if (payload.length === 1) this.direction = payload[0]!; return this.echo(code, payload, 1);
      case 0xc5: if (payload.length === 2) this.optional = [payload[0]!, payload[1]!]; return this.echo(code, payload, 2);
      case 0xc6: if (payload.length === 2) this.barcode = [payload[0]!, payload[1]!]; return this.echo(code, payload, 2);
      case 0xc7: if (payload.length === 1) this.barInhibit = payload[0]!; return this.echo(code, payload, 1);
      case 0x80: this.reply(code, [this.enables & 0xff, this.enables >> 8]); return;
      case 0x81: this.reply(code, [this.security & 0xff, this.security >> 8]); return;
      case 0x82: this.reply(code, [this.commMode]); return;
      case 0x83: this.reply(code, [this.inhibited ? 1 : 0]); return;
      case 0x84: this.reply(code, [this.direction]); return;
      case 0x85: this.reply(code, this.optional); return;
      case 0x88: this.reply(code, [...Buffer.from(this.o.version, 'ascii')]); return;
      case 0x89:
        if (this.o.bootVersion === undefined) this.reply(INVALID);
        else this.reply(code, [...Buffer.from(this.o.bootVersion, 'ascii')]);
        return;
      case 0x8a: this.reply(code, this.o.table.flatMap((d) => [d.code, d.country, d.base, d.exp])); return;
      default: this.reply(INVALID);
    }
  }

  private echo(code: number, payload: Buffer, size: number): void {
    if (payload.length !== size) { this.reply(INVALID); return; }
    this.reply(code, [...payload]);
  }

  private reply(code: number, data: ArrayLike<number> = []): void {
    if (this.silent) return;
    if (this.dropCount > 0) { this.dropCount--; return; }
    let bytes = packet(code, data);
    if (this.garbleCount > 0) { this.garbleCount--; bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x5a; }
    if (this.noisy) bytes = Buffer.from([0x13, 0x00, 0xfc, 0x03, ...bytes.subarray(0, bytes.length - 1), bytes[bytes.length - 1]! ^ 0xff]);
    const out = bytes;
    if (this.replyDelayMs > 0) this.o.timers.setTimeout(() => this.send?.(out), this.replyDelayMs);
    else this.send?.(out);
  }
}
