import { describe, expect, it } from 'vitest';
import type { ScanResult } from '../serial-scanner/index.js';
import { COMPACT_LAYOUT, HONEYWELL_LAYOUT, HidPosDecoder, parseHidPosReport } from './hid-pos-report.js';

/** Hand-built report: id, count, AIM bytes, data padded to 56, vendor bytes, flags. */
function report(data: string | number[], opts: { aim?: number[]; flags?: number; id?: number; vendor?: number; count?: number } = {}): Uint8Array {
  const d = typeof data === 'string' ? [...Buffer.from(data, 'latin1')] : data;
  const vendor = opts.vendor ?? 2;
  const r = new Uint8Array(1 + 1 + 3 + 56 + vendor + 1);
  r[0] = opts.id ?? 2;
  r[1] = opts.count ?? d.length;
  r.set(opts.aim ?? [0x5d, 0x58, 0x30], 2);
  r.set(d.slice(0, 56), 5);
  r[r.length - 1] = opts.flags ?? 0;
  return r;
}
const view = (rs: ScanResult[]): unknown[] => rs.map((r) => (r.scan ? r.scan : { reason: r.reason, code: r.error.code, detail: r.error.details['detail'] }));

describe('HID POS report parsing', () => {
  it('reads the observed Honeywell layout: [2, 9, 93, 88, 48, data…, 0, 0, flags]', () => {
    const p = parseHidPosReport(report('123456789'));
    expect(p.report).toMatchObject({ reportId: 2, symbology: ']X0', continued: false, layout: HONEYWELL_LAYOUT });
    expect(Buffer.from(p.report!.data).toString('latin1')).toBe('123456789');
    expect(report('1').length).toBe(64);
    expect(parseHidPosReport(report('1', { vendor: 0 })).report?.layout).toBe(COMPACT_LAYOUT);
  });

  it('flags wrong report ids, unknown lengths and counts beyond the data area', () => {
    expect(view([parseHidPosReport(report('1', { id: 4 })).error!])).toEqual([{ reason: 'malformed', code: 'KIOSK_E_FRAME_SYNTAX', detail: 'report-id' }]);
    expect(view([parseHidPosReport(report('1').subarray(0, 40)).error!])).toEqual([{ reason: 'malformed', code: 'KIOSK_E_FRAME_LENGTH', detail: 'length' }]);
    expect(view([parseHidPosReport(report('1', { count: 57 })).error!])).toEqual([{ reason: 'malformed', code: 'KIOSK_E_FRAME_LENGTH', detail: 'count' }]);
    expect(parseHidPosReport(new Uint8Array(0)).error?.reason).toBe('malformed');
    // Zero symbology bytes: no identifier.
    expect(parseHidPosReport(report('1', { aim: [0, 0, 0] })).report?.symbology).toBeUndefined();
  });
});

describe('HidPosDecoder', () => {
  const GS1 = ']C1'.split('').map((c) => c.charCodeAt(0));
  const gs1Data = '4156901234000016' + '8020E0012345678202506\x1d390223850';

  it('reassembles a read split over continued reports and keeps GS', () => {
    const d = new HidPosDecoder();
    const head = gs1Data.slice(0, 20);
    const tail = gs1Data.slice(20);
    expect(d.push(report(head, { aim: GS1, flags: 1 }))).toEqual([]);
    expect(d.pending).toBe(true);
    expect(view(d.push(report(tail, { aim: GS1 })))).toEqual([{ data: gs1Data, symbology: ']C1' }]);
    expect(d.pending).toBe(false);
  });

  it('drops malformed reports and still decodes the next read', () => {
    const d = new HidPosDecoder();
    expect(view(d.push(report('x', { id: 1 })))).toMatchObject([{ reason: 'malformed' }]);
    expect(view(d.push(report('134567890123456789', { aim: [0x5d, 0x51, 0x31] })))).toEqual([{ data: '134567890123456789', symbology: ']Q1' }]);
  });

  it('treats a part with other symbology bytes as a broken continuation and starts over', () => {
    const d = new HidPosDecoder();
    d.push(report('1234', { aim: GS1, flags: 1 }));
    expect(view(d.push(report('5678', { aim: [0x5d, 0x45, 0x30] })))).toEqual([
      { reason: 'malformed', code: 'KIOSK_E_FRAME_SYNTAX', detail: 'continuation' }, { data: '5678', symbology: ']E0' },
    ]);
    expect(view(d.push(report('', { flags: 1 })))).toMatchObject([{ reason: 'malformed', detail: 'continuation' }]);
  });

  it('refuses a read beyond maxLength once and skips its remaining parts', () => {
    const d = new HidPosDecoder({ maxLength: 512 });
    const part = '9'.repeat(56);
    const out: ScanResult[] = [];
    for (let i = 0; i < 73; i++) out.push(...d.push(report(part, { flags: 1 })));
    out.push(...d.push(report('9', { flags: 0 })));
    expect(view(out)).toEqual([{ reason: 'oversize', code: 'KIOSK_E_FRAME_LENGTH', detail: 'max-length' }]);
    expect(d.pending).toBe(false);
    expect(view(d.push(report('42')))).toEqual([{ data: '42', symbology: ']X0' }]);
  });

  it('flush() drops an unfinished read as malformed; control bytes in data are garbage', () => {
    const d = new HidPosDecoder();
    d.push(report('12', { flags: 1 }));
    expect(view(d.flush())).toEqual([{ reason: 'malformed', code: 'KIOSK_E_FRAME_SYNTAX', detail: 'timeout' }]);
    expect(d.flush()).toEqual([]);
    expect(view(d.push(report([0x31, 0x00, 0x32])))).toMatchObject([{ reason: 'garbage' }]);
  });
});
