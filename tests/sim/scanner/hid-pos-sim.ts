import { SimHidDevice } from './hid-device.js';

export type SimHidPosLayout = 'honeywell' | 'compact';

export interface HidPosSimOptions {
  /** `honeywell`: 64-byte reports with 2 vendor bytes; `compact`: 62 bytes without. Defaults to honeywell. */
  readonly layout?: SimHidPosLayout;
  readonly reportId?: number;
}

const DATA_BYTES = 56;

/**
 * Encodes one read as HID POS scanned-data input reports:
 * `id | count | AIM×3 | data[56] | (Code ID, 0) | flags`, flags bit 0 set on every report but the last.
 */
export function encodeHidPosReports(data: Uint8Array, symbology: string | undefined, opts: HidPosSimOptions = {}): Buffer[] {
  const vendor = (opts.layout ?? 'honeywell') === 'honeywell' ? 2 : 0;
  const id = opts.reportId ?? 2;
  const aim = symbology === undefined ? [0, 0, 0] : [...Buffer.from(symbology.padEnd(3, '\0').slice(0, 3), 'latin1')];
  const out: Buffer[] = [];
  let at = 0;
  do {
    const part = data.subarray(at, at + DATA_BYTES);
    at += part.length;
    const r = Buffer.alloc(1 + 1 + 3 + DATA_BYTES + vendor + 1);
    r[0] = id;
    r[1] = part.length;
    r.set(aim, 2);
    r.set(part, 5);
    if (vendor) r[5 + DATA_BYTES] = aim[1] ?? 0; // a Code ID stand-in; the host ignores it
    r[r.length - 1] = at < data.length ? 1 : 0;
    out.push(r);
  } while (at < data.length);
  return out;
}

/** A HID POS (usage page 0x8C) scanner. */
export class HidPosSim extends SimHidDevice {
  constructor(vendorId: number, productId: number, private readonly opts: HidPosSimOptions & { readonly path?: string } = {}) {
    super(vendorId, productId, opts.path);
  }

  /** Scans `text` (UTF-8) with the AIM identifier `symbology`; long codes span several reports. */
  scan(text: string | Uint8Array, symbology: string | undefined = ']Q1'): number {
    const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    let n = 0;
    for (const r of encodeHidPosReports(data, symbology, this.opts)) n = this.sendReport(r);
    return n;
  }
}
