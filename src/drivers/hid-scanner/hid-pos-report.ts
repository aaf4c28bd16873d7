import {
  DEFAULT_MAX_LENGTH, decodeScanText, isAimIdentifier, rejectScan, type ScanDecoder, type ScanResult,
} from '../serial-scanner/index.js';

/**
 * One HID POS (usage page 0x8C) scanned-data input report layout:
 * `reportId | count | AIM1 AIM2 AIM3 | data[dataBytes] | vendor[vendorBytes] | flags`, flags bit 0 =
 * more data follows in the next report. node-hid cannot read report descriptors, so the layout is
 * recognised by the report's length.
 */
export interface HidPosLayout {
  readonly name: string;
  readonly reportLength: number;
  readonly dataBytes: number;
  readonly vendorBytes: number;
}

/** Honeywell-style: 64 bytes with the report ID, 56 data bytes, 2 vendor bytes (Code ID, reserved). */
export const HONEYWELL_LAYOUT: HidPosLayout = { name: 'honeywell', reportLength: 64, dataBytes: 56, vendorBytes: 2 };
/** The same without the vendor bytes: 62 bytes. */
export const COMPACT_LAYOUT: HidPosLayout = { name: 'compact', reportLength: 62, dataBytes: 56, vendorBytes: 0 };

export const HID_POS_REPORT_ID = 0x02;
export const HID_POS_USAGE_PAGE = 0x8c;
const FLAG_CONTINUED = 0x01;

export interface HidPosReport {
  readonly reportId: number;
  /** AIM identifier from the three symbology bytes; undefined when they are zero or not an identifier. */
  readonly symbology: string | undefined;
  /** The raw symbology bytes, to check that continuation reports belong to the same read. */
  readonly aimKey: number;
  readonly data: Uint8Array;
  readonly continued: boolean;
  readonly layout: HidPosLayout;
}

export interface HidPosDecoderOptions {
  /** Defaults to 2. */
  readonly reportId?: number;
  /** Accepted layouts, told apart by length. Defaults to Honeywell (64) and compact (62). */
  readonly layouts?: readonly HidPosLayout[];
  /** Longest reassembled read in bytes. Defaults to 512. */
  readonly maxLength?: number;
}

export type ParsedHidPosReport =
  | { readonly report: HidPosReport; readonly error?: undefined }
  /** A `malformed` rejection. */
  | { readonly report?: undefined; readonly error: ScanResult };

const malformed = (detail: string, message: string, details: Record<string, unknown> = {}): ParsedHidPosReport => ({
  error: rejectScan('malformed', detail, message, details, detail === 'count' || detail === 'length' ? 'KIOSK_E_FRAME_LENGTH' : 'KIOSK_E_FRAME_SYNTAX'),
});

/** Parses one input report; never throws. */
export function parseHidPosReport(raw: Uint8Array, opts: HidPosDecoderOptions = {}): ParsedHidPosReport {
  const reportId = opts.reportId ?? HID_POS_REPORT_ID;
  const layouts = opts.layouts ?? [HONEYWELL_LAYOUT, COMPACT_LAYOUT];
  if (raw.length === 0) return malformed('length', 'empty report');
  if (raw[0] !== reportId) return malformed('report-id', `report id ${raw[0]} is not ${reportId}`, { reportId: raw[0] });
  const layout = layouts.find((l) => l.reportLength === raw.length);
  if (!layout) return malformed('length', `no report layout is ${raw.length} bytes long`, { length: raw.length });
  const count = raw[1]!;
  if (count > layout.dataBytes) return malformed('count', `byte count ${count} beyond the ${layout.dataBytes} data bytes`, { count });
  const a1 = raw[2]!, a2 = raw[3]!, a3 = raw[4]!;
  const aim = String.fromCharCode(a1, a2, a3);
  const flags = raw[5 + layout.dataBytes + layout.vendorBytes]!;
  return {
    report: {
      reportId,
      symbology: isAimIdentifier(aim) ? aim : undefined,
      aimKey: (a1 << 16) | (a2 << 8) | a3,
      data: raw.subarray(5, 5 + count),
      continued: (flags & FLAG_CONTINUED) !== 0,
      layout,
    },
  };
}

/**
 * Reassembles HID POS reads from input reports: parts are joined until a report without the
 * continuation flag. A part whose symbology bytes differ from the read in progress means the earlier
 * read was cut short: it is dropped as malformed and the new part starts a read.
 */
export class HidPosDecoder implements ScanDecoder<Uint8Array> {
  private readonly opts: HidPosDecoderOptions;
  private readonly maxLength: number;
  private parts: Uint8Array[] = [];
  private total = 0;
  private aimKey = 0;
  private symbology: string | undefined;
  private inRead = false;
  /** Skipping the remaining parts of an oversize or broken read until its last report. */
  private discarding = false;
  steps = 0;

  constructor(opts: HidPosDecoderOptions = {}) {
    this.opts = opts;
    this.maxLength = opts.maxLength ?? DEFAULT_MAX_LENGTH;
  }

  get pending(): boolean { return this.inRead || this.discarding; }

  reset(): void {
    this.parts = [];
    this.total = 0;
    this.inRead = false;
    this.discarding = false;
    this.symbology = undefined;
  }

  push(raw: Uint8Array): ScanResult[] {
    this.steps += 1 + raw.length;
    const parsed = parseHidPosReport(raw, this.opts);
    if (parsed.error) return [parsed.error];
    const r = parsed.report;
    const out: ScanResult[] = [];
    if (this.discarding) {
      if (r.aimKey === this.aimKey) {
        if (!r.continued) this.reset();
        return out;
      }
      this.reset(); // a new read began; the skipped one was already counted
    }
    if (this.inRead && r.aimKey !== this.aimKey) {
      out.push(rejectScan('malformed', 'continuation', 'continued read interrupted by another read'));
      this.reset();
    }
    if (r.continued && r.data.length === 0) {
      out.push(rejectScan('malformed', 'continuation', 'continuation report without data'));
      this.reset();
      return out;
    }
    if (!this.inRead) {
      this.inRead = true;
      this.aimKey = r.aimKey;
      this.symbology = r.symbology;
    }
    if (this.total + r.data.length > this.maxLength) {
      out.push(rejectScan('oversize', 'max-length', `read longer than ${this.maxLength} bytes`, { maxLength: this.maxLength }));
      const key = this.aimKey;
      this.reset();
      if (r.continued) { this.discarding = true; this.aimKey = key; }
      return out;
    }
    this.parts.push(Uint8Array.from(r.data));
    this.total += r.data.length;
    if (r.continued) return out;
    const bytes = this.parts.length === 1 ? this.parts[0]! : concat(this.parts, this.total);
    const symbology = this.symbology;
    this.reset();
    out.push(decodeScanText(bytes, symbology === undefined ? { aim: false } : { aim: false, symbology }));
    return out;
  }

  flush(): ScanResult[] {
    const broken = this.inRead;
    this.reset();
    return broken ? [rejectScan('malformed', 'timeout', 'continued read never finished')] : [];
  }
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
