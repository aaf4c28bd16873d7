import { describe, expect, it } from 'vitest';
import { ScanFramer } from './frames.js';
import { decodeScanText, splitAim, type ScanResult } from './scan-text.js';

const GS = '\x1d';
const GLN = '6901234000016';
const GS1 = `]C1415${GLN}8020E0012345678202506${GS}390223850`;
const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
const scans = (rs: ScanResult[]): unknown[] => rs.map((r) => (r.scan ? r.scan : { reason: r.reason, code: r.error.code, detail: r.error.details['detail'] }));

describe('AIM identifiers and scan text', () => {
  it('splits ]C1, ]Q1, ]E0 and leaves text without one whole', () => {
    expect(splitAim(bytes(']C1415'))).toMatchObject({ symbology: ']C1', body: bytes('415') });
    expect(splitAim(bytes(']e0x')).symbology).toBe(']e0');
    expect(splitAim(bytes('1234')).symbology).toBeUndefined();
    expect(splitAim(bytes(']1A')).symbology).toBeUndefined(); // code char must be a letter
    expect(splitAim(bytes(']C')).symbology).toBeUndefined();
  });

  it('keeps GS and valid UTF-8, rejects other control bytes and broken UTF-8', () => {
    expect(decodeScanText(bytes(`]C1415${GS}3902`), { aim: true })).toEqual({ scan: { data: `415${GS}3902`, symbology: ']C1' } });
    expect(decodeScanText(Uint8Array.from(Buffer.from(']Q1缴费', 'utf8')), { aim: true }).scan).toEqual({ data: '缴费', symbology: ']Q1' });
    expect(scans([decodeScanText(Uint8Array.of(0x31, 0x00, 0x32), { aim: true })])).toEqual([{ reason: 'garbage', code: 'KIOSK_E_FRAME_SYNTAX', detail: 'control-byte' }]);
    expect(scans([decodeScanText(Uint8Array.of(0x31, 0x7f), { aim: true })])[0]).toMatchObject({ reason: 'garbage' });
    expect(scans([decodeScanText(Uint8Array.of(0x31, 0xff, 0xfe), { aim: true })])[0]).toMatchObject({ detail: 'invalid-utf8' });
    expect(scans([decodeScanText(bytes(']C1'), { aim: true })])[0]).toMatchObject({ reason: 'garbage', detail: 'empty' });
    // With AIM splitting off, the identifier stays in the data.
    expect(decodeScanText(bytes(']C1415'), { aim: false }).scan).toEqual({ data: ']C1415' });
  });
});

describe('ScanFramer', () => {
  it('frames a GS1-128 read with ]C1 and GS intact, in any chunking', () => {
    const wire = bytes(`${GS1}\r`);
    for (const size of [1, 2, 7, wire.length]) {
      const f = new ScanFramer();
      const out: ScanResult[] = [];
      for (let i = 0; i < wire.length; i += size) out.push(...f.push(wire.subarray(i, i + size)));
      expect(scans(out)).toEqual([{ data: GS1.slice(3), symbology: ']C1' }]);
      expect(f.pending).toBe(false);
    }
  });

  it('honours each suffix and tolerates CR LF in cr and lf modes', () => {
    expect(scans(new ScanFramer({ suffix: 'lf' }).push(bytes('123\n456\r\n')))).toEqual([{ data: '123' }, { data: '456' }]);
    expect(scans(new ScanFramer({ suffix: 'cr' }).push(bytes('123\r\n456\r')))).toEqual([{ data: '123' }, { data: '456' }]);
    expect(scans(new ScanFramer({ suffix: 'crlf' }).push(bytes('123\r\n456\r\n')))).toEqual([{ data: '123' }, { data: '456' }]);
    // crlf: a lone CR is part of the read, so the read is garbage.
    expect(scans(new ScanFramer({ suffix: 'crlf' }).push(bytes('12\r3\r\n')))).toEqual([{ reason: 'garbage', code: 'KIOSK_E_FRAME_SYNTAX', detail: 'control-byte' }]);
    // cr: an LF elsewhere than right after CR is a control byte.
    expect(scans(new ScanFramer({ suffix: 'cr' }).push(bytes('1\n2\r')))[0]).toMatchObject({ reason: 'garbage' });
    // Bare line ends carry nothing.
    expect(new ScanFramer({ suffix: 'lf' }).push(bytes('\n\n'))).toEqual([]);
  });

  it('passes AIM-less data whole and can be told not to split AIM', () => {
    expect(scans(new ScanFramer().push(bytes('370001234567892025060001\r')))).toEqual([{ data: '370001234567892025060001' }]);
    expect(scans(new ScanFramer({ aim: false }).push(bytes(']Q1123\r')))).toEqual([{ data: ']Q1123' }]);
  });

  it('reports an oversize run once and resynchronises at the next terminator', () => {
    const f = new ScanFramer({ maxLength: 512 });
    const out = [...f.push(bytes('9'.repeat(4096))), ...f.push(bytes('\r]Q1281234567890123456\r'))];
    expect(scans(out)).toEqual([
      { reason: 'oversize', code: 'KIOSK_E_FRAME_LENGTH', detail: 'max-length' },
      { data: '281234567890123456', symbology: ']Q1' },
    ]);
    // Exactly maxLength is fine.
    expect(scans(new ScanFramer({ maxLength: 8 }).push(bytes('12345678\r')))).toEqual([{ data: '12345678' }]);
    expect(scans(new ScanFramer({ maxLength: 8, suffix: 'lf' }).push(bytes('12345678\r\n')))).toEqual([{ data: '12345678' }]);
    expect(scans(new ScanFramer({ maxLength: 8 }).push(bytes('123456789\r')))[0]).toMatchObject({ reason: 'oversize' });
  });

  it('drops binary garbage and keeps the next read', () => {
    const f = new ScanFramer();
    expect(scans(f.push(Uint8Array.of(0x00, 0xff, 0x13, 0x88, 0x0d, 0x31, 0x32, 0x0d)))).toEqual([
      { reason: 'garbage', code: 'KIOSK_E_FRAME_SYNTAX', detail: 'control-byte' }, { data: '12' },
    ]);
  });

  it('flush() turns a partial read into garbage, but not an already reported oversize run', () => {
    const f = new ScanFramer({ maxLength: 4 });
    f.push(bytes('12'));
    expect(f.pending).toBe(true);
    expect(scans(f.flush())).toEqual([{ reason: 'garbage', code: 'KIOSK_E_FRAME_SYNTAX', detail: 'timeout' }]);
    expect(f.pending).toBe(false);
    expect(f.flush()).toEqual([]);
    expect(scans(f.push(bytes('123456')))).toHaveLength(1);
    expect(f.flush()).toEqual([]);
    expect(scans(f.push(bytes('42\r')))).toEqual([{ data: '42' }]);
  });
});
