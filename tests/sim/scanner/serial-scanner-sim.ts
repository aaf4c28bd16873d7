import type { DeviceSide } from '../serial/device-side.js';

export type SimSuffix = 'cr' | 'lf' | 'crlf' | 'none';

export interface SerialScannerSimOptions {
  /** Line end appended to every read. Defaults to `cr`. */
  readonly suffix?: SimSuffix;
  /** AIM identifier sent before the data when a scan names none; undefined: no prefix. */
  readonly aim?: string;
  /** Splits every transmission into writes of at most this many bytes (tests reassembly). */
  readonly chunkSize?: number;
}

const SUFFIX_BYTES: Readonly<Record<SimSuffix, readonly number[]>> = { cr: [0x0d], lf: [0x0a], crlf: [0x0d, 0x0a], none: [] };

/**
 * A serial / USB-CDC barcode scanner as the host's serial line sees it: every read is
 * `[AIM identifier] data suffix`. It ignores what the host writes (records it only).
 */
export class SerialScannerSim implements DeviceSide {
  readonly received: Buffer[] = [];
  private send: ((bytes: Buffer) => void) | undefined;

  constructor(private readonly opts: SerialScannerSimOptions = {}) {}

  get connected(): boolean { return this.send !== undefined; }

  receive(chunk: Buffer): void { this.received.push(Buffer.from(chunk)); }

  attach(send: ((bytes: Buffer) => void) | undefined): void { this.send = send; }

  /** Sends one read; `aim: ''` sends none even when the sim has a default. False when unplugged. */
  scan(text: string, opts: { readonly aim?: string; readonly suffix?: SimSuffix } = {}): boolean {
    const aim = opts.aim ?? this.opts.aim ?? '';
    return this.transmit([...Buffer.from(aim + text, 'utf8'), ...this.suffixBytes(opts.suffix)]);
  }

  /** Sends `bytes` as one read (suffix appended), e.g. line noise or a wrong baud rate. */
  sendGarbage(bytes: ArrayLike<number>, opts: { readonly suffix?: SimSuffix } = {}): boolean {
    return this.transmit([...Array.from(bytes), ...this.suffixBytes(opts.suffix)]);
  }

  /** Sends an `n`-byte digit run and then the suffix: a read longer than any kiosk accepts. */
  sendOversize(n: number, opts: { readonly suffix?: SimSuffix } = {}): boolean {
    const run = Array.from({ length: n }, (_, i) => 0x30 + (i % 10));
    return this.transmit([...run, ...this.suffixBytes(opts.suffix)]);
  }

  /** Sends exactly these bytes. */
  sendRaw(bytes: ArrayLike<number>): boolean { return this.transmit(Array.from(bytes)); }

  private suffixBytes(s: SimSuffix | undefined): readonly number[] { return SUFFIX_BYTES[s ?? this.opts.suffix ?? 'cr']; }

  private transmit(bytes: readonly number[]): boolean {
    const send = this.send;
    if (!send) return false;
    const size = Math.max(1, this.opts.chunkSize ?? bytes.length);
    for (let i = 0; i < bytes.length; i += size) send(Buffer.from(bytes.slice(i, i + size)));
    return true;
  }
}
