import type { Logger } from 'pino';
import { KioskError, toKioskError } from '../../errors/index.js';
import {
  STATUS_CLOSED, TypedEmitter, isUsable,
  type ByteLink, type Clock, type DeviceHealth, type DeviceIdentity, type DeviceStatistics, type DeviceStatus, type LinkFactory,
  type PrintDocument, type PrintResult, type ReceiptPrinter, type ReceiptPrinterEvents, type TimerHandle, type Timers,
} from '../../hal/index.js';
import * as cmd from './commands.js';
import { PAPER, encodeDocument, type PrinterColumns, type ReceiptLanguage } from './encode.js';
import { ReplyReader, type Expectation, type ReplyItem } from './reply-reader.js';
import {
  CLEAN_CONDITION, STATUS_DISCONNECTED, STATUS_NO_REPLY, STATUS_PROTOCOL_ERROR, canPrint, conditionStatus,
  type PrinterCondition,
} from './status.js';

export interface EscposPrinterOptions {
  readonly id: string;
  /** Opens the link (SerialLink, UsbLpLink); called again to reconnect after the link dropped. */
  readonly openLink: LinkFactory;
  readonly clock: Clock;
  readonly timers: Timers;
  /** 32 (58 mm paper) or 48 (80 mm). */
  readonly columns: PrinterColumns;
  readonly language: ReceiptLanguage;
  /** Wait for the four DLE EOT replies (and each GS I reply). Defaults to 1000 ms. */
  readonly statusTimeoutMs?: number;
  /** Status poll period while idle. Defaults to 5000 ms. */
  readonly statusPollMs?: number;
  /** Longest wait for the printer to take and work through one receipt. Defaults to 20000 ms. */
  readonly printTimeoutMs?: number;
  /** Reconnect backoff: first delay and cap. Defaults 1000 ms and 30000 ms. */
  readonly reconnect?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Longest wait for `openLink`. Defaults to 5000 ms. */
  readonly openTimeoutMs?: number;
  /** Unanswered status polls in a row before the link is reopened. Defaults to 3. */
  readonly maxMissedPolls?: number;
  readonly logger?: Logger;
}

type Phase = 'closed' | 'opening' | 'open' | 'reconnecting';

interface Pending {
  readonly items: ReplyItem[];
  remaining: number;
  invalid: number;
  settle(err?: KioskError): void;
}

interface Connection {
  readonly link: ByteLink;
  readonly reader: ReplyReader;
  readonly gen: number;
  readonly off: (() => void)[];
}

const offlineErr = (message: string): KioskError => new KioskError('KIOSK_E_DEVICE_OFFLINE', message, { disconnected: true, retryable: true });

/**
 * An ESC/POS receipt printer (Epson TM and the many Chinese-market clones) as a ReceiptPrinter.
 *
 * Status comes from the real-time DLE EOT 1..4 requests (§4.6), polled while idle and asked before and
 * after every receipt. After the cut the driver sends GS r 1, which the printer answers only once it has
 * worked through everything before it; a printer that never answers GS r (found out once per connection)
 * gets a fixed settle time instead. `printed: true` only when that is done and the status after it is clean.
 */
export class EscposPrinter implements ReceiptPrinter {
  readonly kind = 'receiptPrinter' as const;
  readonly id: string;

  private readonly o: EscposPrinterOptions;
  private readonly log: Logger | undefined;
  private readonly emitter: TypedEmitter<ReceiptPrinterEvents>;
  private readonly statusTimeoutMs: number;
  private readonly pollMs: number;
  private readonly printTimeoutMs: number;
  private readonly maxMissed: number;
  private st: DeviceStatus = STATUS_CLOSED;
  private cond: PrinterCondition | undefined;
  private phase: Phase = 'closed';
  private conn: Connection | undefined;
  private generation = 0;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private opening: Promise<void> | undefined;
  private attempt: Promise<void> | undefined;
  private pollTimer: TimerHandle | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private backoffMs: number;
  private missed = 0;
  /** Whether the printer answers GS r 1; probed once per connection, before the first receipt. */
  private syncSupported: boolean | undefined;
  private identity: DeviceIdentity | undefined;

  private readonly stats: Record<string, number> = {
    receipts: 0, cuts: 0, paperOuts: 0, commErrors: 0, noReplies: 0, refused: 0, failed: 0, reconnects: 0, unsolicitedBytes: 0,
  };

  constructor(opts: EscposPrinterOptions) {
    if (opts.columns !== 32 && opts.columns !== 48) throw new KioskError('KIOSK_E_CONFIG_INVALID', `columns must be 32 or 48, got ${String(opts.columns)}`);
    this.o = opts;
    this.id = opts.id;
    this.log = opts.logger;
    this.statusTimeoutMs = opts.statusTimeoutMs ?? 1000;
    this.pollMs = opts.statusPollMs ?? 5000;
    this.printTimeoutMs = opts.printTimeoutMs ?? 20_000;
    this.maxMissed = opts.maxMissedPolls ?? 3;
    this.backoffMs = opts.reconnect?.initialMs ?? 1000;
    this.emitter = new TypedEmitter<ReceiptPrinterEvents>((err, event) => this.log?.error({ err, event }, 'escpos listener threw'));
  }

  // ── contract ────────────────────────────────────────────────────────────────────────────────────

  on<K extends keyof ReceiptPrinterEvents & string>(event: K, listener: (payload: ReceiptPrinterEvents[K]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  columns(): number { return this.o.columns; }
  status(): DeviceStatus { return this.st; }
  statistics(): DeviceStatistics { return { ...this.stats }; }

  /** Printing needs an open printer only; there is no customer input to enable. */
  async enable(): Promise<void> {}
  async disable(): Promise<void> {}

  /** Resolves once the printer answered a status request. While reconnecting it tries again at once. */
  open(): Promise<void> {
    if (this.phase === 'open') return Promise.resolve();
    if (this.phase === 'reconnecting') {
      this.o.timers.clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
      return this.tryReconnect();
    }
    this.opening ??= this.doOpen().finally(() => { this.opening = undefined; });
    return this.opening;
  }

  private async doOpen(): Promise<void> {
    this.phase = 'opening';
    try {
      await this.exclusive(() => this.connect());
    } catch (e) {
      const err = toKioskError(e, 'KIOSK_E_DEVICE_OFFLINE');
      this.dropLink();
      if (this.phase === 'opening') {
        this.phase = 'closed';
        this.setStatus(err.disconnected ? STATUS_DISCONNECTED : err.code === 'KIOSK_E_DEVICE_PROTOCOL' ? STATUS_PROTOCOL_ERROR : STATUS_NO_REPLY);
      }
      throw err;
    }
    if (this.phase !== 'opening') { this.dropLink(); throw offlineErr('printer closed while opening'); }
    this.phase = 'open';
    this.backoffMs = this.o.reconnect?.initialMs ?? 1000;
    this.schedulePoll();
  }

  async close(): Promise<void> {
    this.phase = 'closed';
    this.o.timers.clearTimeout(this.pollTimer);
    this.o.timers.clearTimeout(this.reconnectTimer);
    this.pollTimer = this.reconnectTimer = undefined;
    this.dropLink();
    this.setStatus(STATUS_CLOSED);
  }

  async checkHealth(): Promise<DeviceHealth> {
    if (this.phase === 'open') await this.exclusive(() => this.refreshStatus()).catch(() => undefined);
    return { ok: isUsable(this.st), status: this.st };
  }

  async identify(): Promise<DeviceIdentity> {
    if (this.identity) return this.identity;
    if (this.phase !== 'open') throw offlineErr('printer not open');
    return this.exclusive(async () => {
      const model = await this.askText(cmd.PRINTER_ID.MODEL);
      const modelId = model === undefined ? await this.askByte(cmd.PRINTER_ID.MODEL_ID) : undefined;
      const answered = model !== undefined || modelId !== undefined;
      const firmware = !answered ? undefined : model !== undefined ? await this.askText(cmd.PRINTER_ID.FIRMWARE) : await this.askByte(cmd.PRINTER_ID.VERSION_ID);
      const maker = model !== undefined ? await this.askText(cmd.PRINTER_ID.MAKER) : undefined;
      const serial = model !== undefined ? await this.askText(cmd.PRINTER_ID.SERIAL) : undefined;
      const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
      const id: DeviceIdentity = {
        model: model || (modelId !== undefined ? `model-id ${hex(modelId)}` : 'unknown'),
        serial: serial || 'unknown',
        firmware: typeof firmware === 'string' ? firmware || 'unknown' : firmware !== undefined ? `version-id ${hex(firmware)}` : 'unknown',
        protocol: 'escpos',
        ...(maker ? { vendor: maker } : {}),
        extra: { columns: this.o.columns, paperWidthMm: PAPER[this.o.columns].widthMm, language: this.o.language },
      };
      // A printer that answered nothing may just be busy or offline: ask again next time.
      if (answered) this.identity = id;
      return id;
    });
  }

  print(doc: PrintDocument): Promise<PrintResult> {
    return this.exclusive(() => this.doPrint(doc));
  }

  // ── printing ────────────────────────────────────────────────────────────────────────────────────

  private async doPrint(doc: PrintDocument): Promise<PrintResult> {
    if (this.phase !== 'open' || !this.conn) return this.refuse(this.st.state === 'offline' ? this.st.reason : 'disconnected');
    let bytes: Buffer;
    try {
      bytes = encodeDocument(doc, { columns: this.o.columns, language: this.o.language, onWarning: (m) => this.log?.warn(m) });
    } catch (e) {
      this.log?.error({ code: toKioskError(e).code }, 'escpos document not encodable');
      return this.refuse('invalid-document');
    }
    // Refuse before printing anything when the printer cannot finish a receipt (fresh status, not the last poll).
    try { await this.refreshStatus(); } catch { return this.refuse(this.st.reason); }
    if (!canPrint(this.st)) return this.refuse(this.st.reason);
    if (this.syncSupported === undefined) {
      try { await this.request(cmd.transmitPaperStatus(), [{ kind: 'sync' }], this.statusTimeoutMs); this.syncSupported = true; } catch (e) {
        if (toKioskError(e).disconnected) return this.fail('disconnected');
        this.syncSupported = false;
        this.log?.info('escpos printer does not answer GS r; receipts are confirmed after a settle time');
      }
    }

    try {
      await this.writeBounded(bytes, this.printTimeoutMs);
    } catch (e) {
      const err = toKioskError(e);
      this.stats.commErrors!++;
      return this.fail(err.disconnected ? 'disconnected' : 'write-timeout');
    }

    let done = false;
    if (this.syncSupported) {
      try { await this.request(cmd.transmitPaperStatus(), [{ kind: 'sync' }], this.printTimeoutMs); done = true; } catch (e) {
        const err = toKioskError(e);
        if (err.disconnected) return this.fail('disconnected');
        // The printer stopped inside the receipt (paper out, cutter, cover) or went silent: the status says which.
      }
    } else {
      await this.delay(settleMs(bytes));
      done = true;
    }

    try { await this.refreshStatus(); } catch { return this.fail(this.st.reason); }
    if (!canPrint(this.st)) return this.fail(this.st.reason);
    if (!done) return this.fail('not-confirmed');
    this.stats.receipts!++;
    this.stats.cuts!++;
    return this.st.state === 'degraded' ? { printed: true, reason: this.st.reason } : { printed: true };
  }

  private refuse(reason: string): PrintResult {
    this.stats.refused!++;
    return { printed: false, reason };
  }

  private fail(reason: string): PrintResult {
    this.stats.failed!++;
    this.log?.warn({ reason }, 'escpos receipt not confirmed');
    return { printed: false, reason };
  }

  // ── status ──────────────────────────────────────────────────────────────────────────────────────

  /** DLE EOT 1..4; updates the status. Throws (after setting an offline status) when the printer does not answer. */
  private async refreshStatus(): Promise<void> {
    let items: ReplyItem[];
    try {
      items = await this.request(cmd.STATUS_QUERY, [1, 2, 3, 4].map((n) => ({ kind: 'status', n }) as Expectation), this.statusTimeoutMs);
    } catch (e) {
      const err = toKioskError(e);
      if (err.disconnected) { this.lost(err); throw err; }
      this.missed++;
      this.stats.noReplies!++;
      this.setStatus(err.code === 'KIOSK_E_DEVICE_PROTOCOL' ? STATUS_PROTOCOL_ERROR : STATUS_NO_REPLY);
      throw err;
    }
    this.missed = 0;
    let c: PrinterCondition = { ...CLEAN_CONDITION };
    let paperOut = false;
    for (const it of items) if (it.kind === 'status') { c = { ...c, ...it.flags }; paperOut ||= it.flags.paperOut === true; }
    this.applyCondition({ ...c, paperOut });
  }

  private applyCondition(c: PrinterCondition): void {
    const before = this.cond;
    this.cond = c;
    if (c.paperOut && !before?.paperOut) this.stats.paperOuts!++;
    this.setStatus(conditionStatus(c));
    if (c.paperNearEnd && !c.paperOut && !(before?.paperNearEnd && !before.paperOut)) this.emitter.emit('paperLow', {});
  }

  private setStatus(s: DeviceStatus): void {
    if (s.state === this.st.state && s.reason === this.st.reason) return;
    this.st = s;
    this.log?.info({ state: s.state, reason: s.reason }, 'escpos printer status');
    this.emitter.emit('status', s);
  }

  // ── link and requests ───────────────────────────────────────────────────────────────────────────

  private async connect(): Promise<void> {
    let link: ByteLink;
    try {
      link = await this.openLinkBounded();
    } catch (e) {
      const err = toKioskError(e, 'KIOSK_E_DEVICE_OFFLINE');
      throw err.disconnected ? err : new KioskError(err.code === 'KIOSK_E_INTERNAL' ? 'KIOSK_E_DEVICE_OFFLINE' : err.code, err.message, { disconnected: true, retryable: true, cause: e });
    }
    const gen = ++this.generation;
    const reader = new ReplyReader();
    const conn: Connection = { link, reader, gen, off: [] };
    conn.off.push(link.onData((chunk) => { if (gen === this.generation) this.onChunk(reader, chunk); }));
    conn.off.push(link.onClose(() => { if (gen === this.generation) this.lost(offlineErr('printer link closed')); }));
    this.conn = conn;
    this.syncSupported = undefined;
    this.identity = undefined;
    this.cond = undefined;
    // ESC @ resets modes; GS a 0 turns Automatic Status Back off so only our requests produce bytes.
    await this.writeBounded(Buffer.concat([cmd.initialize(), cmd.automaticStatusBack(0)]), this.statusTimeoutMs);
    try {
      await this.refreshStatus();
    } catch (e) {
      const err = toKioskError(e);
      throw err.disconnected ? err : new KioskError(err.code === 'KIOSK_E_DEVICE_PROTOCOL' ? err.code : 'KIOSK_E_DEVICE_TIMEOUT', 'printer does not answer DLE EOT', { retryable: true, cause: e });
    }
  }

  /** openLink bounded by a timer; a link that opens after we gave up is closed again. */
  private openLinkBounded(): Promise<ByteLink> {
    return new Promise<ByteLink>((resolve, reject) => {
      let settled = false;
      const timer = this.o.timers.setTimeout(() => {
        settled = true;
        reject(new KioskError('KIOSK_E_DEVICE_TIMEOUT', 'opening the printer link timed out', { retryable: true, disconnected: true }));
      }, this.o.openTimeoutMs ?? 5000);
      this.o.openLink().then((link) => {
        if (settled) { void link.close().catch(() => undefined); return; }
        settled = true;
        this.o.timers.clearTimeout(timer);
        resolve(link);
      }, (e: unknown) => {
        if (settled) return;
        settled = true;
        this.o.timers.clearTimeout(timer);
        reject(e);
      });
    });
  }

  private onChunk(reader: ReplyReader, chunk: Buffer): void {
    const p = this.pending;
    for (const it of reader.push(chunk)) {
      if (it.kind === 'unsolicited') { this.stats.unsolicitedBytes! += it.bytes.length; continue; }
      if (it.kind === 'invalid') {
        this.stats.commErrors!++;
        this.log?.debug({ expected: it.expected, bytes: it.bytes.toString('hex') }, 'escpos reply rejected');
        if (p) { p.invalid++; if (it.consumed) p.settle(it.error); }
        continue;
      }
      if (!p) continue;
      p.items.push(it);
      if (--p.remaining === 0) p.settle();
    }
  }

  /** Sends `bytes` and waits for the replies `expects`, bounded by `timeoutMs`. One request at a time. */
  private request(bytes: Buffer, expects: Expectation[], timeoutMs: number): Promise<ReplyItem[]> {
    const conn = this.conn;
    if (!conn || !conn.link.isOpen) return Promise.reject(offlineErr('printer link is down'));
    return new Promise<ReplyItem[]>((resolve, reject) => {
      const timer = this.o.timers.setTimeout(() => {
        const code = p.invalid > 0 ? 'KIOSK_E_DEVICE_PROTOCOL' : 'KIOSK_E_DEVICE_TIMEOUT';
        this.stats.commErrors!++;
        p.settle(new KioskError(code, code === 'KIOSK_E_DEVICE_TIMEOUT' ? 'printer did not answer' : 'printer answered garbage', { retryable: true }));
      }, timeoutMs);
      const p: Pending = {
        items: [], remaining: expects.length, invalid: 0,
        settle: (err) => {
          if (this.pending !== p) return;
          this.pending = undefined;
          this.o.timers.clearTimeout(timer);
          conn.reader.cancel();
          if (err) reject(err); else resolve(p.items);
        },
      };
      conn.reader.cancel();
      this.pending = p;
      conn.reader.expect(...expects);
      conn.link.write(bytes).catch((e: unknown) => {
        const err = toKioskError(e, 'KIOSK_E_DEVICE_OFFLINE');
        p.settle(err.disconnected ? err : offlineErr(err.message));
      });
    });
  }

  private async askText(n: number): Promise<string | undefined> {
    try {
      const [it] = await this.request(cmd.printerId(n), [{ kind: 'id-text' }], this.statusTimeoutMs);
      return it?.kind === 'id-text' ? it.text : undefined;
    } catch { return undefined; }
  }

  private async askByte(n: number): Promise<number | undefined> {
    try {
      const [it] = await this.request(cmd.printerId(n), [{ kind: 'id-byte' }], this.statusTimeoutMs);
      return it?.kind === 'id-byte' ? it.byte : undefined;
    } catch { return undefined; }
  }

  /** link.write bounded by a timer: flow control or a wedged driver must not hang a receipt. */
  private writeBounded(bytes: Buffer, timeoutMs: number): Promise<void> {
    const conn = this.conn;
    if (!conn || !conn.link.isOpen) return Promise.reject(offlineErr('printer link is down'));
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = this.o.timers.setTimeout(() => {
        if (settled) return;
        settled = true;
        reject(new KioskError('KIOSK_E_DEVICE_TIMEOUT', 'printer does not take data', { retryable: true }));
      }, timeoutMs);
      conn.link.write(bytes).then(() => {
        if (settled) return;
        settled = true;
        this.o.timers.clearTimeout(timer);
        resolve();
      }, (e: unknown) => {
        if (settled) return;
        settled = true;
        this.o.timers.clearTimeout(timer);
        reject(toKioskError(e, 'KIOSK_E_DEVICE_OFFLINE'));
      });
    });
  }

  private delay(ms: number): Promise<void> {
    return new Promise((r) => this.o.timers.setTimeout(r, ms));
  }

  private lost(err: KioskError): void {
    this.pending?.settle(err);
    if (this.phase !== 'open') return;
    this.phase = 'reconnecting';
    this.stats.reconnects!++;
    this.log?.warn({ code: err.code }, 'escpos link lost');
    this.o.timers.clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    this.dropLink();
    if (this.st.reason !== 'no-reply' && this.st.reason !== 'protocol-error') this.setStatus(STATUS_DISCONNECTED);
    this.scheduleReconnect();
  }

  private dropLink(): void {
    const conn = this.conn;
    this.generation++;
    this.conn = undefined;
    this.pending?.settle(offlineErr('printer link dropped'));
    if (!conn) return;
    for (const off of conn.off) off();
    void conn.link.close().catch(() => undefined);
  }

  private scheduleReconnect(): void {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.o.reconnect?.maxMs ?? 30_000);
    this.o.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = this.o.timers.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.phase === 'reconnecting') this.tryReconnect().catch(() => undefined);
    }, delay);
  }

  /** One reconnect attempt (shared by the backoff timer and open()); on failure the next one is scheduled. */
  private tryReconnect(): Promise<void> {
    this.attempt ??= this.exclusive(() => this.connect()).then(() => {
      if (this.phase !== 'reconnecting') { this.dropLink(); throw offlineErr('printer closed while reconnecting'); }
      this.phase = 'open';
      this.backoffMs = this.o.reconnect?.initialMs ?? 1000;
      this.log?.info('escpos printer reconnected');
      this.schedulePoll();
    }, (e: unknown) => {
      const err = toKioskError(e, 'KIOSK_E_DEVICE_OFFLINE');
      this.dropLink();
      if (this.phase === 'reconnecting') {
        if (err.disconnected) this.setStatus(STATUS_DISCONNECTED);
        this.scheduleReconnect();
      }
      throw err;
    }).finally(() => { this.attempt = undefined; });
    return this.attempt;
  }

  private schedulePoll(): void {
    if (this.phase !== 'open') return;
    this.pollTimer = this.o.timers.setTimeout(() => {
      this.pollTimer = undefined;
      if (this.phase !== 'open') return;
      void this.exclusive(() => this.refreshStatus()).catch(() => undefined).finally(() => {
        if (this.phase !== 'open') return;
        // A printer that stays silent gets a fresh link (a USB printer that was power-cycled needs one).
        if (this.missed >= this.maxMissed) { this.missed = 0; this.lost(new KioskError('KIOSK_E_DEVICE_TIMEOUT', 'printer silent', { retryable: true })); return; }
        this.schedulePoll();
      });
    }, this.pollMs);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** Without GS r, wait for the printer to work through a receipt: about 40 ms a line plus a margin. */
function settleMs(bytes: Buffer): number {
  let lines = 0;
  for (const b of bytes) if (b === cmd.LF) lines++;
  return 1500 + 40 * lines;
}
