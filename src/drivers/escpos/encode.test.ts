import { describe, it, expect } from 'vitest';
import type { PrintDocument } from '../../hal/index.js';
import { displayWidth } from '../../hal/index.js';
import * as cmd from './commands.js';
import { COPY_BANNER, encodeDocument, encodeText, pairRows, qrModulesFor, textRows } from './encode.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').replace(/(..)/g, '$1 ').trim();
const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('ESC/POS command bytes (PROTOCOLS.md §4)', () => {
  it('basic commands', () => {
    expect(hex(cmd.initialize())).toBe('1b 40');
    expect(hex(cmd.chineseOn())).toBe('1c 26');
    expect(hex(cmd.chineseOff())).toBe('1c 2e');
    expect(hex(cmd.align('left'))).toBe('1b 61 00');
    expect(hex(cmd.align('center'))).toBe('1b 61 01');
    expect(hex(cmd.align('right'))).toBe('1b 61 02');
    expect(hex(cmd.bold(true))).toBe('1b 45 01');
    expect(hex(cmd.bold(false))).toBe('1b 45 00');
    expect(hex(cmd.charSize(2, 2))).toBe('1d 21 11');
    expect(hex(cmd.charSize(1, 1))).toBe('1d 21 00');
    expect(hex(cmd.charSize(3, 1))).toBe('1d 21 20');
    expect(hex(cmd.feedLines(3))).toBe('1b 64 03');
    expect(hex(cmd.feedLines(999))).toBe('1b 64 ff');
    expect(hex(cmd.feedAndPartialCut())).toBe('1d 56 42 00');
    expect(hex(cmd.partialCut())).toBe('1d 56 01');
    expect(hex(cmd.STATUS_QUERY)).toBe('10 04 01 10 04 02 10 04 03 10 04 04');
    expect(hex(cmd.transmitPaperStatus())).toBe('1d 72 01');
    expect(hex(cmd.automaticStatusBack(0))).toBe('1d 61 00');
    expect(hex(cmd.printerId(0x43))).toBe('1d 49 43');
  });

  it('QR code "HELLO", module 6, EC M is byte-exact with the §4.3 example', () => {
    expect(cmd.qrCode(Buffer.from('HELLO'), { moduleSize: 6, ec: 'M' })).toEqual(h(`
      1D 28 6B 04 00 31 41 32 00
      1D 28 6B 03 00 31 43 06
      1D 28 6B 03 00 31 45 31
      1D 28 6B 08 00 31 50 30 48 45 4C 4C 4F
      1D 28 6B 03 00 31 51 30`));
  });

  it('QR store command carries pL/pH = k + 3 across the 256 boundary', () => {
    const data = Buffer.alloc(300, 0x41);
    const bytes = cmd.qrCode(data, { moduleSize: 3 });
    const store = bytes.subarray(9 + 8 + 8);
    expect(hex(store.subarray(0, 8))).toBe('1d 28 6b 2f 01 31 50 30'); // 303 = 0x012F
    expect(store.length).toBe(5 + 303 + 8); // store, then the 8-byte print command
    expect(() => cmd.qrCode(Buffer.alloc(0), { moduleSize: 3 })).toThrow(RangeError);
    expect(() => cmd.qrCode(data, { moduleSize: 17 })).toThrow(RangeError);
  });

  it('CODE128 function B (m = 73) with code set {B and doubled literal braces (§4.4)', () => {
    expect(cmd.code128B('K7QF-2M9X')).toEqual(h('1D 6B 49 0B 7B 42 4B 37 51 46 2D 32 4D 39 58'));
    expect(cmd.code128B('a{b')).toEqual(h('1D 6B 49 06 7B 42 61 7B 7B 62'));
    expect(() => cmd.code128B('汉字')).toThrow(RangeError);
    expect(cmd.code128BModules('ABCD')).toBe(35 + 44);
  });
});

describe('text encoding', () => {
  it('sends ASCII single-byte and wraps each GB18030 run in FS & … FS .', () => {
    expect(encodeText('缴费 OK')).toEqual(h('1C 26 BD C9 B7 D1 1C 2E 20 4F 4B'));
    expect(encodeText('A¥B')).toEqual(h('41 1C 26 81 30 84 36 1C 2E 42'));
    expect(encodeText('AB')).toEqual(h('41 42'));
  });

  it('drops control characters so text can never become a command', () => {
    expect(encodeText('A\x1b@\x10\x04\x01B')).toEqual(h('41 40 42'));
  });
});

describe('layout', () => {
  it('pairs put the right column flush right, counting CJK as two cells', () => {
    const [row] = pairRows('应缴金额', '12.34 CNY', 32);
    expect(row).toBe(`应缴金额${' '.repeat(15)}12.34 CNY`);
    expect(displayWidth(row!)).toBe(32);
    const rows = pairRows('收费单位', '某某市自来水有限责任公司第二营业所客户服务中心', 32);
    expect(rows[0]).toBe('收费单位');
    for (const r of rows.slice(1)) expect(displayWidth(r)).toBe(32);
  });

  it('double-size text wraps at half the columns', () => {
    expect(textRows('缴费凭条缴费凭条缴费凭条', 32, 2)).toEqual(['缴费凭条缴费凭条', '缴费凭条']);
    expect(textRows('abc', 48)).toEqual(['abc']);
  });

  it('QR sizes come from the EC M capacity table', () => {
    expect(qrModulesFor(14)).toBe(21);
    expect(qrModulesFor(15)).toBe(25);
    expect(qrModulesFor(2331)).toBe(177);
    expect(qrModulesFor(2332)).toBeUndefined();
  });
});

describe('encodeDocument', () => {
  it('pins a small receipt byte for byte (80 mm)', () => {
    const doc: PrintDocument = {
      lines: [
        { kind: 'text', text: 'Hi', align: 'center', bold: true, size: 2 },
        { kind: 'pair', left: 'A', right: 'B', bold: true },
        { kind: 'rule' },
        { kind: 'feed', lines: 2 },
        { kind: 'qr', data: 'HELLO' },
        { kind: 'barcode', data: 'AB', symbology: 'CODE128' },
      ],
    };
    const expected = Buffer.concat([
      h('1B 40 1C 2E'),
      h('1B 61 01 1B 45 01 1D 21 11 48 69 0A 1D 21 00 1B 45 00 1B 61 00'),
      h('1B 45 01'), Buffer.from(`A${' '.repeat(46)}B\n`, 'latin1'), h('1B 45 00'),
      Buffer.from(`${'-'.repeat(48)}\n`, 'latin1'),
      h('1B 64 02'),
      h('1B 61 01'), cmd.qrCode(Buffer.from('HELLO'), { moduleSize: 6, ec: 'M' }), h('1B 61 00'),
      h('1B 61 01 1D 68 50 1D 77 03 1D 48 02 1D 66 00 1D 6B 49 04 7B 42 41 42 1B 61 00'),
      h('1D 56 42 00'),
    ]);
    expect(hex(encodeDocument(doc, { columns: 48, language: 'en' }))).toBe(hex(expected));
  });

  it('58 mm: smaller QR modules and a narrower bar code', () => {
    const doc: PrintDocument = { lines: [{ kind: 'qr', data: 'HELLO' }, { kind: 'barcode', data: 'K7QF-2M9X-PA4C', symbology: 'CODE128' }] };
    const bytes = encodeDocument(doc, { columns: 32, language: 'zh-CN' });
    expect(bytes.includes(h('1D 28 6B 03 00 31 43 05'))).toBe(true);
    expect(bytes.includes(h('1D 77 02'))).toBe(true); // 189 modules × 2 = 378 dots ≤ 384
    expect(bytes.includes(cmd.code128B('K7QF-2M9X-PA4C'))).toBe(true);
  });

  it('prints the COPY banner once, in the receipt language', () => {
    const plain = encodeDocument({ lines: [{ kind: 'rule' }], copy: true }, { columns: 32, language: 'zh-CN' });
    expect(plain.includes(encodeText(COPY_BANNER['zh-CN']))).toBe(true);
    const en = encodeDocument({ lines: [{ kind: 'rule' }], copy: true }, { columns: 32, language: 'en' });
    expect(en.includes(Buffer.from('*** COPY ***'))).toBe(true);
    const already = encodeDocument({ lines: [{ kind: 'text', text: COPY_BANNER.en, align: 'center', bold: true }], copy: true }, { columns: 32, language: 'en' });
    expect(already.toString('latin1').split('*** COPY ***').length - 1).toBe(1);
  });

  it('falls back to text for bar codes and QR codes that cannot be printed, and says so', () => {
    const warnings: string[] = [];
    const doc: PrintDocument = {
      lines: [
        { kind: 'barcode', data: '汉字', symbology: 'CODE128' },
        { kind: 'barcode', data: 'X'.repeat(40), symbology: 'CODE128' },
        { kind: 'qr', data: 'Q'.repeat(3000) },
      ],
    };
    const bytes = encodeDocument(doc, { columns: 32, language: 'en', onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(3);
    expect(bytes.includes(h('1D 6B'))).toBe(false);
    expect(bytes.includes(h('1D 28 6B'))).toBe(false);
    expect(bytes.includes(encodeText('汉字'))).toBe(true);
  });

  it('never emits a DLE byte for text, whatever the input', () => {
    const bytes = encodeDocument({ lines: [{ kind: 'text', text: '\x10\x04\x01 汉\x10字' }, { kind: 'pair', left: '\x10', right: '\x04' }] }, { columns: 48, language: 'en' });
    expect(bytes.includes(0x10)).toBe(false);
  });
});
