import { randomBytes } from 'node:crypto';
import type { Clock, Timers } from '../../../src/hal/index.js';
import { systemTimers } from '../../../src/hal/index.js';
import type { DeviceSide } from '../serial/device-side.js';
import { aesKey, le64, open, powMod, probablyPrime, seal, toLe64 } from './crypto.js';
import { PacketReader, buildPacket } from './wire.js';

/**
 * An ITL banknote validator (NV9-like, unit type 0) as the host sees it over SSP/eSSP. It keeps its own
 * rules on the injected clock (self-disable after 10 s without a command, escrow timeout → reject 0x13)
 * and its own record of the notes that passed the point of no return (`stackedNotes()`).
 * It never imports src/drivers: CRC, framing and encryption are written again in ./wire.ts and ./crypto.ts.
 */
export interface SspSimOptions {
  readonly clock: Clock;
  /** For delayed replies only; defaults to the system timers. */
  readonly timers?: Timers;
  readonly address?: number;
  /** ISO code of the dataset; default CNY. */
  readonly currency?: string;
  /** Channel values in major units, channel 1 first; default CNY 1/5/10/20/50/100. */
  readonly notes?: readonly number[];
  /** Minor units per major unit (the SETUP "real value multiplier"); default 100. */
  readonly minorPerMajor?: number;
  readonly serial?: number;
  readonly firmware?: string;
  readonly dataset?: string;
  readonly maxProtocolVersion?: number;
  /** §8 Q1: GA138 says 10 s, GA973 5 s. Default 10 000. */
  readonly escrowTimeoutMs?: number;
  /** GA973 §7.4: disabled after this long without any command. Default 10 000. */
  readonly idleDisableMs?: number;
  /** §8 Q1: reply to HOLD/REJECT without a note: 0xF5 (GA973, default) or 0xF8 (GA138). */
  readonly noNoteReply?: 0xf5 | 0xf8;
  /** §1.11: after reset report `F1 F8` (GA138 erratum) instead of `F1 E8`. */
  readonly resetErratumF8?: boolean;
  /** Answer every plain command except SYNC and key exchange with 0xFA until keys are negotiated. */
  readonly forceEncryption?: boolean;
  readonly fixedKey?: bigint;
  readonly random?: (n: number) => Buffer;
  /** Initial value of the stacked counter. */
  readonly stackedCounter?: number;
  /** Most received commands kept in the log (oldest dropped first); default 100 000. */
  readonly logLimit?: number;
}

export interface StackedNote {
  readonly channel: number;
  readonly value: number;
  readonly currency: string;
  /** How it got there: normal credit, or cleared into the cash box at power-up. */
  readonly via: 'credit' | 'power-up';
}

export interface ReceivedCommand {
  readonly at: number;
  readonly code: number;
  readonly name: string;
  readonly encrypted: boolean;
  /** Same sequence bit as the previous packet: the device re-sent its last reply instead. */
  readonly repeat: boolean;
}

type Stage = 'reading' | 'escrow' | 'stacking' | 'rejecting' | 'rejected';
interface Note { readonly channel: number; readonly genuine: boolean; stage: Stage }

const NAMES: Readonly<Record<number, string>> = {
  0x01: 'RESET', 0x02: 'SET_INHIBITS', 0x05: 'SETUP_REQUEST', 0x06: 'HOST_PROTOCOL_VERSION', 0x07: 'POLL',
  0x08: 'REJECT', 0x09: 'DISABLE', 0x0a: 'ENABLE', 0x0c: 'GET_SERIAL_NUMBER', 0x11: 'SYNC', 0x17: 'LAST_REJECT_CODE',
  0x18: 'HOLD', 0x20: 'GET_FIRMWARE_VERSION', 0x21: 'GET_DATASET_VERSION', 0x4a: 'SET_GENERATOR', 0x4b: 'SET_MODULUS',
  0x4c: 'REQUEST_KEY_EXCHANGE', 0x56: 'POLL_WITH_ACK', 0x57: 'EVENT_ACK', 0x58: 'GET_COUNTERS',
};
const NEEDS_ACK = new Set([0xee, 0xe6, 0xe2, 0xd1]);
const OK = 0xf0;

export class SspValidatorSim implements DeviceSide {
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly address: number;
  private readonly currency: string;
  private readonly notes: readonly number[];
  private readonly minorPerMajor: number;
  private readonly random: (n: number) => Buffer;
  private send: ((b: Buffer) => void) | undefined;
  private readonly reader = new PacketReader();

  // Device state (reset on power-up).
  private lastSeqId: number | undefined;
  private lastReply: Buffer | undefined;
  private pv: number;
  private enabled = false;
  private inhibitMask = 0;
  private gen: bigint | undefined;
  private mod: bigint | undefined;
  private key: Buffer | undefined;
  private count = 0;
  private unacked: number[] | undefined;
  private queued: number[][] = [];
  private note: Note | undefined;
  private jam: 'safe' | 'unsafe' | undefined;
  private lastCmdAt: number;
  private poweredOffUntil = -Infinity;

  // Persistent state (survives power cycles).
  private readonly inserted: { channel: number; genuine: boolean }[] = [];
  private readonly stacked: StackedNote[] = [];
  private readonly log: ReceivedCommand[] = [];
  private counters = { stacked: 0, rejected: 0 };
  private lastReject = 0;
  private cashboxOut = false;
  private full = false;
  private armedJam: { safe: boolean } | undefined;

  // Line faults (scripted).
  private dropCount = 0;
  private corruptCount = 0;
  private delayMs = 0;
  private mute = false;

  constructor(private readonly opts: SspSimOptions) {
    this.clock = opts.clock;
    this.timers = opts.timers ?? systemTimers;
    this.address = opts.address ?? 0;
    this.currency = opts.currency ?? 'CNY';
    this.notes = opts.notes ?? [1, 5, 10, 20, 50, 100];
    this.minorPerMajor = opts.minorPerMajor ?? 100;
    this.random = opts.random ?? randomBytes;
    this.pv = opts.maxProtocolVersion ?? 8;
    this.counters.stacked = opts.stackedCounter ?? 0;
    this.lastCmdAt = this.clock.monoMs();
    this.queued.push(this.resetEvents());
  }

  // ── DeviceSide ──────────────────────────────────────────────────────────────────────────────────

  attach(send: ((bytes: Buffer) => void) | undefined): void { this.send = send; }

  receive(chunk: Buffer): void {
    if (this.mute || this.clock.monoMs() < this.poweredOffUntil) return;
    for (const p of this.reader.feed(chunk)) this.onPacket(p.seqId, p.data);
  }

  // ── script ──────────────────────────────────────────────────────────────────────────────────────

  /** A customer feeds a note of `valueMinor`; false when the device is not taking notes. */
  insert(valueMinor: number, o: { genuine?: boolean } = {}): boolean {
    if (!this.enabled || this.jam || this.cashboxOut || this.full) return false;
    const idx = this.notes.findIndex((v) => v * this.minorPerMajor === valueMinor);
    this.inserted.push({ channel: idx + 1, genuine: (o.genuine ?? true) && idx >= 0 });
    return true;
  }
  /** Jam now (note path blocked), or arm it for the next note right after its credit. */
  jamNow(safe: boolean): void { this.jam = safe ? 'safe' : 'unsafe'; }
  jamAfterNextCredit(safe: boolean): void { this.armedJam = { safe }; }
  removeCashbox(): void { this.cashboxOut = true; }
  replaceCashbox(): void { if (this.cashboxOut) { this.cashboxOut = false; this.queued.push([0xe4]); } }
  setStackerFull(full: boolean): void { this.full = full; }
  fraudAttempt(channel = 0): void { this.queued.push([0xe6, channel]); }
  /** Drops the next n replies (the commands are still executed). */
  dropReplies(n: number): void { this.dropCount += n; }
  /** Corrupts the CRC of the next n replies (0 stops it). */
  corruptReplies(n: number): void { this.corruptCount = n; }
  /** Delays every reply by ms (on the injected timers). */
  setReplyDelay(ms: number): void { this.delayMs = ms; }
  /** Stops answering (and hearing) anything, as a dead or unpowered board would. */
  setSilent(silent: boolean): void { this.mute = silent; }
  /** Sends garbage on the line. */
  lineNoise(bytes: Buffer = this.random(16)): void { this.send?.(Buffer.from(bytes)); }
  /**
   * Power loss and restart: a note in the head or in escrow goes back to the customer (E1), one past
   * the point of no return goes into the cash box (E2, money); keys, inhibits and enable are lost.
   */
  powerCycle(offMs = 0): void {
    const events = this.resetEvents();
    const n = this.note;
    if (n && n.genuine && (n.stage === 'reading' || n.stage === 'escrow')) events.splice(1, 0, 0xe1, n.stage === 'escrow' ? n.channel : 0);
    if (n && n.stage === 'stacking') { events.splice(1, 0, 0xe2, n.channel); this.record(n.channel, 'power-up'); }
    this.note = undefined;
    this.jam = undefined;
    this.inserted.length = 0;
    this.enabled = false;
    this.inhibitMask = 0;
    this.key = undefined; this.gen = undefined; this.mod = undefined; this.count = 0;
    this.unacked = undefined;
    this.lastSeqId = undefined;
    this.lastReply = undefined;
    this.pv = this.opts.maxProtocolVersion ?? 8;
    this.queued = [events];
    this.poweredOffUntil = this.clock.monoMs() + offMs;
    this.lastCmdAt = this.clock.monoMs() + offMs;
  }

  // ── inspection ──────────────────────────────────────────────────────────────────────────────────

  stackedNotes(): readonly StackedNote[] { return [...this.stacked]; }
  commands(): readonly ReceivedCommand[] { return [...this.log]; }
  isEnabled(): boolean { return this.enabled; }
  noteInEscrow(): number | undefined { return this.note?.stage === 'escrow' ? this.note.channel : undefined; }
  encrypted(): boolean { return this.key !== undefined; }
  badPackets(): number { return this.reader.badCrc; }
  lastRejectCode(): number { return this.lastReject; }

  // ── protocol ────────────────────────────────────────────────────────────────────────────────────

  private resetEvents(): number[] { return [0xf1]; }

  private onPacket(seqId: number, data: Buffer): void {
    if ((seqId & 0x7f) !== this.address) return;
    const now = this.clock.monoMs();
    const isSync = data[0] === 0x11;
    const repeat = !isSync && seqId === this.lastSeqId && this.lastReply !== undefined;
    let code = data[0]!;
    let plain: Buffer | undefined = data;
    let encrypted = false;
    if (!repeat && data[0] === 0x7e) {
      encrypted = true;
      if (!this.key) { plain = undefined; this.log.push({ at: now, code: 0x7e, name: 'ENCRYPTED', encrypted, repeat }); this.reply(seqId, [0xfa]); return; }
      const opened = open(this.key, data);
      // Wrong key, wrong count or a broken packet: discarded, no answer (§1.10).
      if (!opened || opened.count !== this.count || opened.data.length === 0) return;
      plain = Buffer.from(opened.data);
      code = plain[0]!;
    }
    this.log.push({ at: now, code, name: NAMES[code] ?? `0x${code.toString(16)}`, encrypted, repeat });
    if (this.log.length > (this.opts.logLimit ?? 100_000)) this.log.splice(0, this.log.length >> 1);
    if (repeat) { this.transmit(this.lastReply!); return; }
    this.applyTime(now);
    this.lastCmdAt = now;
    const answer = this.execute(plain!, encrypted);
    if (encrypted) {
      this.count = (this.count + 1) >>> 0;
      this.reply(seqId, seal(this.key!, this.count, answer, this.random));
    } else {
      this.reply(seqId, answer);
    }
  }

  /** Rules that run on the clock: escrow timeout and self-disable, judged when the next packet arrives. */
  private applyTime(now: number): void {
    const idle = now - this.lastCmdAt;
    if (this.note?.stage === 'escrow' && idle > (this.opts.escrowTimeoutMs ?? 10_000)) {
      this.note.stage = 'rejecting';
      this.lastReject = 0x13;
    }
    if (this.enabled && idle > (this.opts.idleDisableMs ?? 10_000)) this.enabled = false;
  }

  private execute(d: Buffer, encrypted: boolean): number[] {
    const code = d[0]!;
    const keyed = this.key !== undefined;
    const exempt = code === 0x11 || code === 0x4a || code === 0x4b || code === 0x4c;
    if (!encrypted && !exempt && (this.opts.forceEncryption || code === 0x56 || code === 0x57)) return [0xfa];
    void keyed;
    switch (code) {
      case 0x11: return [OK];
      case 0x01: this.powerCycle(0); return [OK];
      case 0x06: {
        const v = d[1] ?? 0;
        if (d.length !== 2) return [0xf3];
        if (v < 1 || v > (this.opts.maxProtocolVersion ?? 8)) return [0xf8];
        this.pv = v;
        return [OK];
      }
      case 0x05: return [OK, ...this.setupBytes()];
      case 0x0c: { const s = this.opts.serial ?? 0x001c962c; return [OK, (s >>> 24) & 0xff, (s >>> 16) & 0xff, (s >>> 8) & 0xff, s & 0xff]; }
      case 0x20: return [OK, ...Buffer.from(this.opts.firmware ?? 'NV02004141498000', 'latin1')];
      case 0x21: return [OK, ...Buffer.from(this.opts.dataset ?? `${this.currency}01610`, 'latin1')];
      case 0x02:
        if (d.length < 3) return [0xf3];
        this.inhibitMask = 0;
        for (let i = 1; i < d.length; i++) this.inhibitMask |= d[i]! << (8 * (i - 1));
        return [OK];
      case 0x0a: this.enabled = true; return [OK];
      case 0x09: this.enabled = false; return [OK];
      case 0x07: return [OK, ...this.pollEvents(false)];
      case 0x56: return [OK, ...this.pollEvents(true)];
      case 0x57: this.unacked = undefined; return [OK];
      case 0x18: return this.note?.stage === 'escrow' ? [OK] : [this.opts.noNoteReply ?? 0xf5];
      case 0x08:
        if (this.note?.stage !== 'escrow') return [this.opts.noNoteReply ?? 0xf5];
        this.note.stage = 'rejecting';
        this.lastReject = 0x08;
        return [OK];
      case 0x17: return [OK, this.lastReject];
      case 0x58: {
        const out = [OK, 5];
        for (const v of [this.counters.stacked, 0, 0, 0, this.counters.rejected]) out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
        return out;
      }
      case 0x4a: case 0x4b: {
        if (d.length !== 9) return [0xf3];
        const v = le64(d, 1);
        if (!probablyPrime(v)) return [0xf4];
        if (code === 0x4a) this.gen = v; else this.mod = v;
        return [OK];
      }
      case 0x4c: {
        if (d.length !== 9) return [0xf3];
        if (this.gen === undefined || this.mod === undefined) return [0xf8];
        const r = le64(this.random(8)) % (1n << 31n) + 1n;
        const inter = powMod(this.gen, r, this.mod);
        const k = powMod(le64(d, 1), r, this.mod);
        this.key = aesKey(this.opts.fixedKey ?? 0x0123456701234567n, k);
        this.count = 0;
        return [OK, ...toLe64(inter)];
      }
      default: return [0xf2];
    }
  }

  /** SETUP REQUEST layout of §1.6 (expanded channel section when the set protocol version ≥ 6). */
  private setupBytes(): number[] {
    const n = this.notes.length;
    const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')];
    const be3 = (v: number): number[] => [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
    const out = [0x00, ...ascii('0400'), ...ascii(this.currency), ...be3(1), n];
    for (const v of this.notes) out.push(v > 255 ? 0 : v);
    for (let i = 0; i < n; i++) out.push(2);
    out.push(...be3(this.minorPerMajor), this.pv);
    if (this.pv >= 6) {
      for (let i = 0; i < n; i++) out.push(...ascii(this.currency));
      for (const v of this.notes) out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
    }
    return out;
  }

  /** One poll: advance the note one step, then report queued + standing conditions. */
  private pollEvents(withAck: boolean): number[] {
    if (withAck && this.unacked) return [...this.unacked]; // repeated until EVENT ACK
    const ev: number[] = [];
    for (const q of this.queued.splice(0)) ev.push(...q);
    this.stepNote(ev);
    if (this.cashboxOut) ev.push(0xe3);
    if (this.jam) ev.push(this.jam === 'safe' ? 0xea : 0xe9);
    if (this.full) ev.push(0xe7);
    if (!this.enabled) ev.push(ev[0] === 0xf1 && this.opts.resetErratumF8 ? 0xf8 : 0xe8);
    if (withAck && this.hasAckEvent(ev)) this.unacked = [...ev];
    return ev;
  }

  private hasAckEvent(ev: readonly number[]): boolean {
    for (let i = 0; i < ev.length; i++) {
      const c = ev[i]!;
      if (NEEDS_ACK.has(c)) return true;
      if (c === 0xef || c === 0xe1) i++; // skip data byte so it is not read as a code
    }
    return false;
  }

  private stepNote(ev: number[]): void {
    if (this.jam) return;
    const n = this.note;
    if (!n) {
      if (!this.enabled || this.cashboxOut || this.full) return;
      const next = this.inserted.shift();
      if (!next) return;
      this.note = { channel: next.channel, genuine: next.genuine, stage: 'reading' };
      ev.push(0xef, 0x00);
      return;
    }
    switch (n.stage) {
      case 'reading': {
        const ok = n.genuine && n.channel > 0;
        const allowed = ok && (this.inhibitMask & (1 << (n.channel - 1))) !== 0;
        if (allowed) { n.stage = 'escrow'; ev.push(0xef, n.channel); return; }
        this.lastReject = !ok ? 0x02 : 0x06;
        n.stage = 'rejected';
        ev.push(0xed);
        return;
      }
      case 'escrow': // a POLL while the note waits in escrow accepts it
        n.stage = 'stacking';
        ev.push(0xcc);
        return;
      case 'stacking':
        ev.push(0xee, n.channel);
        this.record(n.channel, 'credit');
        if (this.armedJam) {
          this.jam = this.armedJam.safe ? 'safe' : 'unsafe';
          this.armedJam = undefined;
          this.enabled = false;
        } else {
          ev.push(0xeb);
        }
        this.note = undefined;
        return;
      case 'rejecting':
        n.stage = 'rejected';
        ev.push(0xed);
        return;
      case 'rejected':
        ev.push(0xec);
        this.counters.rejected++;
        this.note = undefined;
        return;
    }
  }

  private record(channel: number, via: StackedNote['via']): void {
    this.stacked.push({ channel, value: this.notes[channel - 1]! * this.minorPerMajor, currency: this.currency, via });
    this.counters.stacked++;
  }

  private reply(seqId: number, data: ArrayLike<number>): void {
    const pkt = buildPacket(seqId, data);
    this.lastSeqId = seqId;
    this.lastReply = pkt;
    this.transmit(pkt);
  }

  private transmit(pkt: Buffer): void {
    if (this.dropCount > 0) { this.dropCount--; return; }
    let out = pkt;
    if (this.corruptCount > 0) {
      this.corruptCount--;
      out = Buffer.from(pkt);
      out[3] = out[3]! ^ 0x01; // first DATA byte (or LEN) flips: the CRC no longer matches
      if (out[3] === 0x7f) out[3] = 0x7e;
    }
    if (this.delayMs > 0) { this.timers.setTimeout(() => this.send?.(out), this.delayMs); return; }
    this.send?.(out);
  }
}
