import type { DeviceStatus, PrintDocument, PrintResult, ReceiptPrinter, ReceiptPrinterEvents } from '../../../src/hal/index.js';
import { FakeDevice, type FakeDeviceOptions } from './fake-device.js';
import { renderDocument } from './printer-render.js';
import { remember } from './history.js';

export type PaperState = 'ok' | 'near-end' | 'out';

export interface FakePrinterOptions extends FakeDeviceOptions {
  /** Characters per line at normal size: 32 (58 mm) or 48 (80 mm). Defaults to 48. */
  readonly columns?: 32 | 48;
}

/**
 * A receipt printer that renders each document into plain text lines (`printed`, one array per receipt).
 * Paper out or an open cover is an `error` status and print() resolves `{ printed: false, reason }`;
 * paper near end is `degraded` (and a `paperLow` event) and still prints, with `reason: 'paper-near-end'`.
 * Printing needs an open printer, not an enabled one: enable() is about customer input.
 */
export class FakePrinter extends FakeDevice<ReceiptPrinterEvents> implements ReceiptPrinter {
  readonly kind = 'receiptPrinter' as const;
  /** Receipts printed and cut, each as its text lines. */
  readonly printed: string[][] = [];
  /** Receipts torn off unfinished because the paper ran out mid-print. */
  readonly failed: string[][] = [];
  private readonly cols: 32 | 48;
  private paper: PaperState = 'ok';
  private coverOpen = false;
  private linesLeft: number | undefined;

  constructor(opts: FakePrinterOptions = {}) {
    const cols = opts.columns ?? 48;
    super(opts, {
      id: 'fake-receiptPrinter',
      identity: {
        model: `FakePrinter ${cols === 32 ? '58' : '80'}mm`, serial: 'FAKE-PR-0001', firmware: '1.0.0',
        protocol: 'fake-hal', vendor: 'kioskd', extra: { columns: cols },
      },
      counters: ['receipts', 'lines', 'cuts', 'failures'],
    });
    this.cols = cols;
  }

  columns(): number { return this.cols; }

  async print(doc: PrintDocument): Promise<PrintResult> {
    this.requireOpen('print');
    const fault = this.faultStatus();
    if (fault?.state === 'error') {
      this.bump('failures');
      return { printed: false, reason: fault.reason };
    }
    const lines = renderDocument(doc, this.cols);
    if (this.linesLeft !== undefined && lines.length > this.linesLeft) {
      remember(this.failed, lines.slice(0, this.linesLeft));
      this.bump('lines', this.linesLeft);
      this.bump('failures');
      this.linesLeft = undefined;
      this.setPaper('out');
      return { printed: false, reason: 'paper-out' };
    }
    if (this.linesLeft !== undefined) this.linesLeft -= lines.length;
    remember(this.printed, lines);
    this.bump('receipts');
    this.bump('lines', lines.length);
    this.bump('cuts');
    return this.paper === 'near-end' ? { printed: true, reason: 'paper-near-end' } : { printed: true };
  }

  // ---- test controls ----

  setPaper(state: PaperState): void {
    if (this.paper === state) return;
    const wasLow = this.paper !== 'ok';
    this.paper = state;
    if (state === 'ok') this.linesLeft = undefined;
    if (state === 'near-end' && !wasLow && this.listening) this.events.emit('paperLow', {});
    this.refreshStatus();
  }

  setCover(open: boolean): void {
    this.coverOpen = open;
    this.refreshStatus();
  }

  /** The paper runs out after this many more lines: the receipt that crosses it is torn off unfinished. */
  runOutOfPaperAfter(lines: number): void { this.linesLeft = Math.max(0, lines); }

  /** Text of the last receipt printed, lines joined by `\n`. */
  lastText(): string | undefined { return this.printed.at(-1)?.join('\n'); }

  protected override faultStatus(): DeviceStatus | undefined {
    if (this.coverOpen) return { state: 'error', reason: 'cover-open', text: 'printer cover open' };
    if (this.paper === 'out') return { state: 'error', reason: 'paper-out', text: 'paper out' };
    if (this.paper === 'near-end') return { state: 'degraded', reason: 'paper-near-end', text: 'paper near end' };
    return undefined;
  }
}
