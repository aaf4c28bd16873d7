import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { PrintDocument, PrintResult } from '../../src/hal/index.js';
import { FakePrinter, renderDocument } from '../sim/fakes/index.js';

/** One receipt as the printer put it on paper. */
export interface PrintedReceipt {
  /** The transaction id the receipt's barcode carries ('' when it has none). */
  readonly txId: string;
  readonly text: string;
}

/**
 * The printer's own record, standing in until the ESC/POS driver and simulator land: every receipt that
 * came out is appended to a file as one JSON line and fsync'd before print() resolves, so the record
 * survives a SIGKILL of kioskd exactly as paper in the tray would.
 */
export class RecordingPrinter extends FakePrinter {
  constructor(private readonly recordPath: string) {
    super({ columns: 48 });
  }

  override async print(doc: PrintDocument): Promise<PrintResult> {
    const r = await super.print(doc);
    if (r.printed) {
      const barcode = doc.lines.find((l) => l.kind === 'barcode');
      const entry: PrintedReceipt = { txId: barcode?.kind === 'barcode' ? barcode.data : '', text: renderDocument(doc, this.columns()).join('\n') };
      const fd = openSync(this.recordPath, 'a');
      try {
        writeSync(fd, `${JSON.stringify(entry)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    return r;
  }
}

/** Reads the printer record; a torn last line (the writer died mid-write) is ignored. */
export function readPrinterRecord(path: string): PrintedReceipt[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const out: PrintedReceipt[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as PrintedReceipt);
    } catch {
      // torn tail
    }
  }
  return out;
}
