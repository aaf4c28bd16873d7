import type { Logger } from 'pino';
import { KioskError, toKioskError } from '../../errors/index.js';
import {
  STATUS_CLOSED, TypedEmitter, isUsable,
  type Clock, type DeviceHealth, type DeviceIdentity, type DeviceStatistics, type DeviceStatus, type TimerHandle, type Timers,
} from '../../hal/index.js';
import type { Scanner, ScannerEvents } from '../../hal/scanner.js';
import type { ScanDecoder, ScanResult } from './scan-text.js';

/** One open connection to a scanner: a byte link or a HID device, seen as a stream of inputs. */
export interface ScanSource<I> {
  subscribe(fn: (input: I) => void): () => void;
  onClose(fn: (err?: Error) => void): () => void;
  close(): Promise<void>;
  /** When known: false once the source closed (its close listeners may already have run). */
  readonly isOpen?: boolean;
}

export interface ScannerShellOptions<I> {
  readonly id: string;
  readonly identity: DeviceIdentity;
  /** Opens the transport; called again after every loss. Rejects with a KioskError (`details.reason` becomes the status reason). */
  readonly openSource: () => Promise<ScanSource<I>>;
  readonly decoder: ScanDecoder<I>;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger?: Logger;
  /** A partial read older than this is dropped. Defaults to 200 ms. */
  readonly interCharTimeoutMs?: number;
  /** First reconnect delay, doubled per failure up to `reconnectMaxMs`. Defaults to 500 / 30000 ms. */
  readonly reconnectBaseMs?: number;
  readonly reconnectMaxMs?: number;
}

const COUNTERS = ['goodReads', 'ignoredReads', 'oversize', 'garbage', 'malformed', 'linkLosses', 'reconnectAttempts', 'reconnects'] as const;

const st = (state: DeviceStatus['state'], reason: string, text: string): DeviceStatus => ({ state, reason, text });

/**
 * The imperative shell shared by every scanner driver: opens the source, feeds the pure decoder, arms the
 * inter-character timer, counts rejections, emits scans only while enabled, and reopens a lost source
 * with exponential backoff. Scanners take no commands, so enable()/disable() only gate delivery and
 * work while offline too.
 */
export class ScannerShell<I> implements Scanner {
  readonly kind = 'scanner' as const;
  readonly id: string;
  private readonly emitter: TypedEmitter<ScannerEvents>;
  private readonly log: Logger | undefined;
  private readonly interCharMs: number;
  private readonly reconnectBaseMs: number;
  private readonly reconnectMaxMs: number;
  private readonly stats: Record<string, number> = Object.fromEntries(COUNTERS.map((c) => [c, 0]));
  private current: DeviceStatus = STATUS_CLOSED;
  private wanted = false;
  private enabled = false;
  private source: ScanSource<I> | undefined;
  private unsubscribe: (() => void) | undefined;
  private interCharTimer: TimerHandle | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private backoffMs: number;
  /** Bumped by close(): a connect that finishes after it belongs to an old generation and is dropped. */
  private generation = 0;

  constructor(private readonly opts: ScannerShellOptions<I>) {
    this.id = opts.id;
    this.log = opts.logger?.child({ device: opts.id, protocol: opts.identity.protocol });
    this.emitter = new TypedEmitter((err, event) => this.log?.error({ err, event }, 'scanner listener threw'));
    this.interCharMs = opts.interCharTimeoutMs ?? 200;
    this.reconnectBaseMs = opts.reconnectBaseMs ?? 500;
    this.reconnectMaxMs = opts.reconnectMaxMs ?? 30_000;
    this.backoffMs = this.reconnectBaseMs;
  }

  on<K extends keyof ScannerEvents & string>(event: K, listener: (payload: ScannerEvents[K]) => void): () => void {
    return this.emitter.on(event, listener);
  }

  async open(): Promise<void> {
    if (this.wanted) return;
    this.wanted = true;
    try {
      await this.connect(this.generation);
    } catch (err) {
      this.wanted = false;
      const e = toKioskError(err, 'KIOSK_E_DEVICE_OFFLINE');
      this.setStatus(st('offline', reasonOf(e, 'open-failed'), 'scanner did not open'));
      throw e;
    }
  }

  async close(): Promise<void> {
    this.wanted = false;
    this.generation++;
    this.opts.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const src = this.source;
    if (src) await this.dropSource(src);
    this.setStatus(STATUS_CLOSED);
  }

  async enable(): Promise<void> { this.enabled = true; }
  async disable(): Promise<void> { this.enabled = false; }

  status(): DeviceStatus { return this.current; }

  async checkHealth(): Promise<DeviceHealth> { return { ok: isUsable(this.current), status: this.current }; }

  async identify(): Promise<DeviceIdentity> { return this.opts.identity; }

  statistics(): DeviceStatistics { return { ...this.stats }; }

  // ---- plumbing ---------------------------------------------------------------------------------

  private count(key: string): void { this.stats[key] = (this.stats[key] ?? 0) + 1; }

  private setStatus(s: DeviceStatus): void {
    if (s.state === this.current.state && s.reason === this.current.reason) return;
    this.current = s;
    this.emitter.emit('status', s);
  }

  private async connect(gen: number): Promise<void> {
    const src = await this.opts.openSource();
    if (gen !== this.generation || !this.wanted) { await src.close().catch(() => {}); return; }
    const offs: (() => void)[] = [];
    this.unsubscribe = () => { for (const off of offs.splice(0)) off(); };
    this.source = src;
    this.opts.decoder.reset();
    offs.push(src.subscribe((input) => this.onInput(src, input)));
    offs.push(src.onClose((err) => this.onSourceLost(src, err)));
    // Lost while subscribing: the drop ran before every listener was in place.
    if (this.source !== src) { for (const off of offs.splice(0)) off(); return; }
    if (src.isOpen === false) { this.onSourceLost(src); return; }
    this.backoffMs = this.reconnectBaseMs;
    this.setStatus(st('online', 'ok', 'ready'));
  }

  private onInput(src: ScanSource<I>, input: I): void {
    if (this.source !== src) return;
    let results: ScanResult[];
    try {
      results = this.opts.decoder.push(input);
    } catch (err) {
      // The decoders do not throw on device input; this is a bug, but one read must not stop the scanner.
      this.log?.error({ code: toKioskError(err).code }, 'scanner decoder threw');
      this.opts.decoder.reset();
      this.count('garbage');
      results = [];
    }
    this.deliver(results);
    this.armInterChar();
  }

  private armInterChar(): void {
    this.opts.timers.clearTimeout(this.interCharTimer);
    this.interCharTimer = undefined;
    if (!this.opts.decoder.pending) return;
    this.interCharTimer = this.opts.timers.setTimeout(() => {
      this.interCharTimer = undefined;
      this.deliver(this.opts.decoder.flush());
    }, this.interCharMs);
  }

  private deliver(results: readonly ScanResult[]): void {
    for (const r of results) {
      if (r.error) {
        this.count(r.reason);
        // The sub-reason only: scan content is personal data.
        this.log?.debug({ reason: r.reason, detail: r.error.details['detail'] }, 'scanner read dropped');
        continue;
      }
      if (!this.enabled) { this.count('ignoredReads'); continue; }
      this.count('goodReads');
      this.emitter.emit('scan', r.scan);
    }
  }

  private onSourceLost(src: ScanSource<I>, err?: Error): void {
    if (this.source !== src) return;
    this.log?.warn({ err: err?.message }, 'scanner link lost');
    this.count('linkLosses');
    this.setStatus(st('offline', 'link-down', 'scanner disconnected'));
    void this.dropSource(src);
    this.scheduleReconnect();
  }

  private async dropSource(src: ScanSource<I>): Promise<void> {
    if (this.source === src) {
      this.source = undefined;
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      this.opts.timers.clearTimeout(this.interCharTimer);
      this.interCharTimer = undefined;
      this.opts.decoder.reset();
    }
    await src.close().catch((err: unknown) => { this.log?.debug({ code: toKioskError(err).code }, 'scanner close failed'); });
  }

  private scheduleReconnect(): void {
    if (!this.wanted || this.reconnectTimer !== undefined) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.reconnectMaxMs);
    const gen = this.generation;
    this.reconnectTimer = this.opts.timers.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.wanted || this.source || gen !== this.generation) return;
      this.count('reconnectAttempts');
      this.connect(gen).then(
        () => { if (this.source) this.count('reconnects'); },
        (err: unknown) => {
          const e = toKioskError(err, 'KIOSK_E_DEVICE_OFFLINE');
          this.log?.warn({ code: e.code, reason: reasonOf(e, 'reconnecting') }, 'scanner reconnect failed');
          if (gen === this.generation) this.setStatus(st('offline', reasonOf(e, 'reconnecting'), 'scanner not connected'));
          this.scheduleReconnect();
        },
      );
    }, delay);
  }
}

/** The status reason an opener put in `details.reason`, else the fallback. */
function reasonOf(e: KioskError, fallback: string): string {
  const r = e.details['reason'];
  return typeof r === 'string' && r.length > 0 ? r : fallback;
}
