import type { Clock, Timers } from '../../../src/hal/index.js';
import { apdu, ascii, bcd, panBcd, tlv, tlvContainer, unbcd, varLen, type SimApdu } from './wire.js';

/**
 * How the next authorisation goes:
 * - approve: card read, approved; then the vending confirmation (book on 80 00 00, reverse on 84 66 00,
 *   auto-reverse when the last status information is not confirmed);
 * - decline: the host declines (result 05);
 * - timeout: the terminal never answers the command (not even 80 00 00);
 * - customer-abort: the customer cancels at the terminal (06 1E 6C);
 * - lost-reply: approved, but the first `lostStatusCopies` status informations never reach the kiosk.
 */
export type ZvtSimMode = 'approve' | 'decline' | 'timeout' | 'customer-abort' | 'lost-reply';

/** Test PANs the leaky terminal sends in full (Visa, Mastercard, 19-digit UnionPay). */
export const TEST_PANS = ['4111111111111111', '5500005555555559', '6212345678901234567'] as const;

export interface ZvtSimOptions {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly mode?: ZvtSimMode;
  /** Interval between repeated status informations; also the wait for the ECR's answer. Defaults to 2000 ms. */
  readonly statusRepeatMs?: number;
  /** Pause between the terminal's steps (card read, PIN, host). Defaults to 50 ms. */
  readonly stepMs?: number;
  readonly password?: string;
  /** ISO 4217 numeric currency of the terminal. Defaults to 156 (CNY). */
  readonly currency?: number;
  readonly terminalId?: string;
  /** Sends full PANs in BMP 22, track data, TLV, print lines, text blocks and display texts. */
  readonly leaky?: boolean;
  /** lost-reply mode: how many status informations are lost. Defaults to 3. */
  readonly lostStatusCopies?: number;
  /** The next authorisation's first status information is malformed (a BMP runs past the APDU). */
  readonly malformedStatus?: boolean;
  /** Completes a booking without waiting for the ECR (a terminal not configured for vending). */
  readonly noVending?: boolean;
}

export type SimTxState = 'authorising' | 'awaiting-confirmation' | 'booked' | 'reversed' | 'declined' | 'aborted';

export interface SimLedgerEntry {
  readonly seq: number;
  readonly label: string;
  readonly amount: number;
  readonly trace: number;
  readonly receiptNo: number;
  state: SimTxState;
  /** Who reversed it: `auto` (no confirmation in time), `ecr-negative` (84 66 / abort), `reversal` (06 30). */
  reversedBy?: 'auto' | 'ecr-negative' | 'reversal';
  statusInfosSent: number;
  pan: string;
}

export interface SimLedger {
  readonly entries: readonly SimLedgerEntry[];
  /** The truth a crash harness checks: booked amount per label (booked and not reversed). */
  readonly bookedByRef: Readonly<Record<string, number>>;
  readonly authorisations: number;
  readonly bookings: number;
  readonly reversals: number;
  readonly endOfDays: readonly { total: number; count: number }[];
}

type Answer = { cls: number; ins: number } | undefined;

/**
 * A ZVT payment terminal (PT) at APDU level. Transports (serial DeviceSide, TCP server) feed it the
 * ECR's APDUs and carry its APDUs back. It enforces the vending flow on the injected clock and keeps a
 * ledger of what it authorised, booked and reversed.
 */
export class ZvtTerminalSim {
  private mode: ZvtSimMode;
  private readonly repeatMs: number;
  private readonly stepMs: number;
  private readonly password: string;
  private readonly currency: number;
  private readonly terminalId: string;
  private leaky: boolean;
  private lostCopies: number;
  private malformedNext: boolean;
  private noVending: boolean;
  private out: ((bytes: Buffer) => void) | undefined;
  private busy = false;
  /** The flow sent its last message (completion/abort) and only waits for the ECR's answer. */
  private finishing = false;
  private deferred: SimApdu | undefined;
  private waiter: ((a: Answer) => void) | undefined;
  private abortRequested = false;
  private cur: SimLedgerEntry | undefined;
  private readonly entries: SimLedgerEntry[] = [];
  private readonly eods: { total: number; count: number }[] = [];
  private eodFrom = 0;
  private trace = 100;
  private receiptNo = 0;
  private nextLabel: string | undefined;
  private panIndex = 0;
  private registered = false;
  private readonly received: SimApdu[] = [];
  private configByte: number | undefined;
  private maxStatusSeen: number | undefined;

  constructor(private readonly opts: ZvtSimOptions) {
    this.mode = opts.mode ?? 'approve';
    this.repeatMs = opts.statusRepeatMs ?? 2000;
    this.stepMs = opts.stepMs ?? 50;
    this.password = opts.password ?? '000000';
    this.currency = opts.currency ?? 156;
    this.terminalId = opts.terminalId ?? '52500038';
    this.leaky = opts.leaky ?? false;
    this.lostCopies = opts.lostStatusCopies ?? 3;
    this.malformedNext = opts.malformedStatus ?? false;
    this.noVending = opts.noVending ?? false;
  }

  // ---- test controls ----

  setMode(mode: ZvtSimMode): void { this.mode = mode; }
  setLeaky(on: boolean): void { this.leaky = on; }
  setLostStatusCopies(n: number): void { this.lostCopies = n; }
  setMalformedStatus(on: boolean): void { this.malformedNext = on; }
  setNoVending(on: boolean): void { this.noVending = on; }
  /** Labels the next authorisation (ZVT carries no ECR reference on the wire, so the harness names it). */
  labelNext(ref: string): void { this.nextLabel = ref; }
  isRegistered(): boolean { return this.registered; }
  lastConfigByte(): number | undefined { return this.configByte; }
  lastMaxStatusInfos(): number | undefined { return this.maxStatusSeen; }
  /** Instruction pairs (cls, ins) the ECR sent, in order, answers included. */
  commands(): string[] { return this.received.map((a) => `${hex(a.cls)}${hex(a.ins)}`); }
  isBusy(): boolean { return this.busy; }

  ledger(): SimLedger {
    const bookedByRef: Record<string, number> = {};
    for (const e of this.entries) if (e.state === 'booked') bookedByRef[e.label] = (bookedByRef[e.label] ?? 0) + e.amount;
    return {
      entries: this.entries.map((e) => ({ ...e })),
      bookedByRef,
      authorisations: this.entries.length,
      bookings: this.entries.filter((e) => e.state === 'booked' || e.reversedBy === 'reversal').length,
      reversals: this.entries.filter((e) => e.state === 'reversed').length,
      endOfDays: [...this.eods],
    };
  }

  /** Sends raw bytes as if they were an APDU (malformed-message tests). */
  injectApdu(bytes: readonly number[]): void { this.send(Buffer.from(bytes)); }

  // ---- transport side ----

  /** The transport's way to carry the PT's APDUs; `undefined` while disconnected. */
  attach(out: ((bytes: Buffer) => void) | undefined): void { this.out = out; }

  receive(a: SimApdu): void {
    this.received.push(a);
    if (a.cls === 0x80 || a.cls === 0x84) {
      const w = this.waiter;
      this.waiter = undefined;
      w?.({ cls: a.cls, ins: a.ins });
      return;
    }
    this.onCommand(a);
  }

  // ---- internals ----

  private send(bytes: Buffer): void { this.out?.(bytes); }
  private ack(): void { this.send(apdu(0x80, 0x00)); }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => { this.opts.timers.setTimeout(r, ms); });
  }

  /** Sends a message and waits for the ECR's answer (undefined: none within the answer time). */
  private ask(bytes: Buffer | undefined): Promise<Answer> {
    if (bytes && bytes[0] === 0x06 && (bytes[1] === 0x0f || bytes[1] === 0x1e)) this.finishing = true;
    return new Promise((resolve) => {
      const h = this.opts.timers.setTimeout(() => { if (this.waiter === done) this.waiter = undefined; resolve(undefined); }, this.repeatMs);
      const done = (a: Answer): void => { this.opts.timers.clearTimeout(h); resolve(a); };
      this.waiter = done;
      if (bytes) this.send(bytes);
    });
  }

  private passwordOk(data: number[]): boolean {
    return data.length >= 3 && bcd(this.password, 3).every((b, i) => data[i] === b);
  }

  private onCommand(a: SimApdu): void {
    const key = (a.cls << 8) | a.ins;
    if (key === 0x06b0) {
      this.ack();
      if (this.busy) this.abortRequested = true;
      return;
    }
    if (this.busy) {
      // The ECR may send its next command right behind its answer to our last message: that command
      // is taken once the running flow has wound down; a second one is refused as busy.
      if (this.deferred === undefined && this.finishing) this.deferred = a;
      else this.send(apdu(0x84, 0xa0));
      return;
    }
    switch (key) {
      case 0x0600: void this.run(() => this.register(a.data)); return;
      case 0x0601: if (this.mode === 'timeout') return; void this.run(() => this.authorise(a.data)); return;
      case 0x0630: void this.run(() => this.reverse(a.data)); return;
      case 0x0650: void this.run(() => this.endOfDay(a.data)); return;
      case 0x0620: void this.run(() => this.repeatReceipt(a.data)); return;
      case 0x0501: void this.run(() => this.statusEnquiry(a.data)); return;
      default: this.send(apdu(0x84, 0x83)); return;
    }
  }

  private async run(flow: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.finishing = false;
    this.abortRequested = false;
    try { await flow(); } finally {
      this.busy = false;
      this.finishing = false;
      const next = this.deferred;
      this.deferred = undefined;
      if (next) this.onCommand(next);
    }
  }

  private completion(extra: number[] = []): Buffer {
    return apdu(0x06, 0x0f, [0x19, 0x00, 0x29, ...bcd(this.terminalId, 4), 0x49, ...bcd(this.currency, 2), ...extra]);
  }

  private async register(data: number[]): Promise<void> {
    if (!this.passwordOk(data)) { this.ack(); await this.ask(apdu(0x06, 0x1e, [0x6b])); return; }
    this.configByte = data[3];
    this.ack();
    this.registered = true;
    await this.ask(this.completion());
  }

  private async statusEnquiry(data: number[]): Promise<void> {
    this.ack();
    if (!this.passwordOk(data)) { await this.ask(apdu(0x06, 0x1e, [0x6b])); return; }
    await this.ask(this.completion());
  }

  private nextPan(): string {
    const pan = TEST_PANS[this.panIndex % TEST_PANS.length]!;
    this.panIndex++;
    return pan;
  }

  private hhmmss(): { time: number[]; date: number[] } {
    const d = new Date(this.opts.clock.wallMs());
    const p = (n: number): string => String(n).padStart(2, '0');
    return {
      time: bcd(`${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`, 3),
      date: bcd(`${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}`, 2),
    };
  }

  /** Status information for `e`: approval (result 00), decline, or — with `original` — a reversal record. */
  private statusInfo(e: SimLedgerEntry, result: number, opts: { reversalTrace?: number } = {}): Buffer {
    const { time, date } = this.hhmmss();
    const brand = e.pan.startsWith('4') ? { id: 10, name: 'VISA' } : e.pan.startsWith('5') ? { id: 6, name: 'MASTERCARD' } : { id: 198, name: 'UNIONPAY' };
    const d: number[] = [
      0x27, result,
      0x04, ...bcd(e.amount, 6),
      0x0b, ...bcd(opts.reversalTrace ?? e.trace, 3),
      ...(opts.reversalTrace === undefined ? [] : [0x37, ...bcd(e.trace, 3)]),
      0x0c, ...time, 0x0d, ...date,
      0x29, ...bcd(this.terminalId, 4),
      0x49, ...bcd(this.currency, 2),
      0x87, ...bcd(e.receiptNo, 2),
      0x8a, brand.id,
    ];
    if (result === 0 && opts.reversalTrace === undefined) d.push(0x3b, ...ascii(`A${String(e.trace).padStart(7, '0')}`));
    if (this.leaky) {
      const pan = panBcd(e.pan);
      const track2 = panBcd(`${e.pan}D2812101123456789`);
      d.push(0x22, ...varLen(pan.length, 2), ...pan);
      d.push(0x0e, ...bcd('2812', 2));
      d.push(0x23, ...varLen(track2.length, 2), ...track2);
      const track3 = panBcd(`01${e.pan}D28121011`);
      d.push(0x24, ...varLen(track3.length, 3), ...track3);
      const t1 = ascii(`B${e.pan}^TEST/CARD^2812101`);
      d.push(0x2d, ...varLen(t1.length, 2), ...t1);
      const name = ascii(`${brand.name} ${e.pan}`);
      d.push(0x8b, ...varLen(name.length, 2), ...name);
      const text = ascii(`Karte ${groups(e.pan, '-')}`);
      d.push(0x3c, ...varLen(text.length, 3), ...text);
      d.push(...tlvContainer([
        ...tlv(0x5a, panBcd(e.pan)),
        ...tlv(0x57, track2),
        ...tlv(0x5f20, ascii('TEST/CARDHOLDER')),
        ...tlv(0x9f6b, track2),
        ...tlv(0x24, tlv(0x07, ascii(`PAN ${e.pan}`))),
      ]));
    } else {
      const pan = panBcd(e.pan, { keepHead: 0, keepTail: 4 });
      d.push(0x22, ...varLen(pan.length, 2), ...pan);
      const name = ascii(brand.name);
      d.push(0x8b, ...varLen(name.length, 2), ...name);
    }
    return apdu(0x04, 0x0f, d);
  }

  private receiptLines(e: SimLedgerEntry, title: string): string[] {
    const lines = [title, `TID ${this.terminalId}`, `Trace ${e.trace}  Beleg ${e.receiptNo}`, `Betrag ${(e.amount / 100).toFixed(2)}`];
    if (this.leaky) lines.push(`Karte: ${e.pan}`, `PAN ${groups(e.pan, ' ')}`, `${groups(e.pan, '-')} EXP 12/28`);
    else lines.push(`Karte: ************${e.pan.slice(-4)}`);
    return lines;
  }

  private async printReceipt(e: SimLedgerEntry, title: string): Promise<void> {
    const lines = this.receiptLines(e, title);
    for (const l of lines.slice(0, 3)) await this.ask(apdu(0x06, 0xd1, [0x00, ...ascii(l)]));
    // The rest as one text block (06 D3: TLV with receipt type and text lines).
    const textLines = lines.slice(3).flatMap((l) => tlv(0x07, ascii(l)));
    await this.ask(apdu(0x06, 0xd3, tlvContainer([...tlv(0x1f07, [0x01]), ...tlv(0x25, textLines)])));
  }

  private intermediate(code: number): Buffer {
    const e = this.cur;
    if (this.leaky && e && code === 0x0e) {
      return apdu(0x04, 0xff, [0xff, 0x00, ...tlvContainer(tlv(0x24, [...tlv(0x07, ascii(`Card ${e.pan} read`)), ...tlv(0x07, ascii(groups(e.pan, ' ')))]))]);
    }
    return apdu(0x04, 0xff, [code, 0x00]);
  }

  private parseBmps(data: number[]): Map<number, number[]> {
    const m = new Map<number, number[]>();
    const fixed: Record<number, number> = { 0x04: 6, 0x49: 2, 0x02: 1, 0x01: 1, 0x03: 1, 0x19: 1, 0x87: 2, 0x0b: 3 };
    let i = 0;
    while (i < data.length) {
      const tag = data[i++]!;
      const n = fixed[tag];
      if (n === undefined) break;
      m.set(tag, data.slice(i, i + n));
      i += n;
    }
    return m;
  }

  private async authorise(data: number[]): Promise<void> {
    const b = this.parseBmps(data);
    const amountBytes = b.get(0x04);
    const currency = b.get(0x49);
    const max = b.get(0x02)?.[0] ?? 1;
    this.maxStatusSeen = b.get(0x02)?.[0];
    this.ack();
    if (!amountBytes) { await this.ask(apdu(0x06, 0x1e, [0x9a])); return; }
    if (currency && unbcd(currency) !== this.currency) { await this.ask(apdu(0x06, 0x1e, [0x6f])); return; }
    const e: SimLedgerEntry = {
      seq: this.entries.length + 1, label: this.nextLabel ?? `#${this.entries.length + 1}`, amount: unbcd(amountBytes),
      trace: ++this.trace, receiptNo: ++this.receiptNo, state: 'authorising', statusInfosSent: 0, pan: this.nextPan(),
    };
    this.nextLabel = undefined;
    this.entries.push(e);
    this.cur = e;
    const aborted = async (): Promise<boolean> => {
      if (!this.abortRequested) return false;
      e.state = 'aborted';
      await this.ask(apdu(0x06, 0x1e, [0x6c]));
      return true;
    };
    await this.ask(this.intermediate(0x0a)); // insert card
    await this.sleep(this.stepMs);
    if (await aborted()) return;
    await this.ask(this.intermediate(0x0e)); // please wait (leaky: shows the card number)
    await this.sleep(this.stepMs);
    if (await aborted()) return;
    if (this.mode === 'customer-abort') { e.state = 'aborted'; await this.ask(apdu(0x06, 0x1e, [0x6c])); return; }
    if (this.mode === 'decline') {
      e.state = 'declined';
      await this.ask(this.statusInfo(e, 0x05));
      await this.ask(apdu(0x06, 0x1e, [0x05]));
      return;
    }
    await this.ask(this.intermediate(0x04)); // waiting for the host
    await this.sleep(this.stepMs);
    if (await aborted()) return;
    e.state = 'awaiting-confirmation';
    const lost = this.mode === 'lost-reply' ? this.lostCopies : 0;
    for (;;) {
      e.statusInfosSent++;
      let status = this.statusInfo(e, 0x00);
      if (this.malformedNext) {
        this.malformedNext = false;
        status = Buffer.from([...status.subarray(0, 3), 0x04, 0x00, 0x00]); // amount BMP cut short
        status[2] = 3;
      }
      const answer = await this.ask(e.statusInfosSent <= lost ? undefined : status);
      if (this.noVending || (answer && answer.cls === 0x80)) {
        e.state = 'booked';
        await this.printReceipt(e, 'ZAHLUNG');
        await this.ask(this.completion());
        return;
      }
      if (this.abortRequested || (answer && answer.cls === 0x84 && answer.ins === 0x66)) {
        e.state = 'reversed';
        e.reversedBy = 'ecr-negative';
        await this.ask(this.intermediate(0x05));
        await this.ask(apdu(0x06, 0x1e, [0x6c]));
        return;
      }
      if (e.statusInfosSent >= max) {
        e.state = 'reversed';
        e.reversedBy = 'auto';
        await this.ask(this.intermediate(0x05));
        await this.ask(apdu(0x06, 0x1e, [0x6c]));
        return;
      }
      if (answer) await this.sleep(this.repeatMs);
    }
  }

  private async reverse(data: number[]): Promise<void> {
    this.ack();
    if (!this.passwordOk(data)) { await this.ask(apdu(0x06, 0x1e, [0x6b])); return; }
    const b = this.parseBmps(data.slice(3));
    const rn = b.get(0x87);
    const e = rn ? this.entries.find((x) => x.receiptNo === unbcd(rn)) : undefined;
    if (!e || (e.state !== 'booked' && e.state !== 'reversed')) { await this.ask(apdu(0x06, 0x1e, [0xb5])); return; }
    if (e.state === 'reversed') { await this.ask(apdu(0x06, 0x1e, [0xb4])); return; }
    e.state = 'reversed';
    e.reversedBy = 'reversal';
    this.cur = e;
    await this.ask(this.statusInfo(e, 0x00, { reversalTrace: ++this.trace }));
    await this.printReceipt(e, 'STORNO');
    await this.ask(this.completion());
  }

  private async endOfDay(data: number[]): Promise<void> {
    this.ack();
    if (!this.passwordOk(data)) { await this.ask(apdu(0x06, 0x1e, [0x6b])); return; }
    const batch = this.entries.slice(this.eodFrom).filter((e) => e.state === 'booked');
    const total = batch.reduce((s, e) => s + e.amount, 0);
    this.eodFrom = this.entries.length;
    this.eods.push({ total, count: batch.length });
    const { time, date } = this.hhmmss();
    await this.ask(this.intermediate(0x0e));
    await this.ask(apdu(0x04, 0x0f, [0x27, 0x00, 0x04, ...bcd(total, 6), 0x0b, ...bcd(++this.trace, 3), 0x0c, ...time, 0x0d, ...date]));
    await this.ask(apdu(0x06, 0xd1, [0x00, ...ascii(`KASSENSCHNITT ${batch.length} ${(total / 100).toFixed(2)}`)]));
    await this.ask(this.completion());
  }

  private async repeatReceipt(data: number[]): Promise<void> {
    this.ack();
    if (!this.passwordOk(data)) { await this.ask(apdu(0x06, 0x1e, [0x6b])); return; }
    const e = this.cur;
    if (!e) { await this.ask(apdu(0x06, 0x1e, [0x83])); return; }
    const result = e.state === 'declined' ? 0x05 : e.state === 'aborted' ? 0x6c : 0x00;
    await this.ask(this.statusInfo(e, result, e.state === 'reversed' ? { reversalTrace: e.trace + 1 } : {}));
    if (e.state === 'booked' || e.state === 'reversed') await this.printReceipt(e, 'KOPIE');
    await this.ask(this.completion());
  }
}

const hex = (n: number): string => n.toString(16).padStart(2, '0');
const groups = (pan: string, sep: string): string => pan.match(/.{1,4}/g)!.join(sep);
