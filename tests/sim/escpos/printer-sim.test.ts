import { describe, it, expect } from 'vitest';
import iconv from 'iconv-lite';
import { EscposPrinterSim, decodeCode128Data } from './printer-sim.js';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const gb = (s: string): Buffer => iconv.encode(s, 'gb18030');

function withReplies(sim: EscposPrinterSim): number[] {
  const out: number[] = [];
  sim.attach((b) => out.push(...b));
  return out;
}

function status(sim: EscposPrinterSim, out: number[]): number[] {
  out.length = 0;
  sim.receive(h('10 04 01 10 04 02 10 04 03 10 04 04'));
  return [...out];
}

describe('ESC/POS simulator: rendering', () => {
  const job = Buffer.concat([
    h('1B 40 1C 2E'),
    h('1B 61 01 1B 45 01 1D 21 11'), h('1C 26'), gb('缴费凭条'), h('1C 2E 0A 1D 21 00 1B 45 00 1B 61 00'),
    Buffer.from('Total'), h('1C 26'), gb('￥'), h('1C 2E'), Buffer.from(' 1.00\n'),
    h('1B 64 02'),
    h('1D 28 6B 04 00 31 41 32 00 1D 28 6B 03 00 31 43 06 1D 28 6B 03 00 31 45 31 1D 28 6B 08 00 31 50 30 48 45 4C 4C 4F 1D 28 6B 03 00 31 51 30'),
    h('1D 6B 49 06 7B 42 41 42 7B 7B'),
    h('1D 56 42 00'),
  ]);

  it('decodes text, Chinese in FS & mode, styles, QR, CODE128 and the cut — in any chunking', () => {
    for (const chunkSize of [job.length, 1, 3]) {
      const sim = new EscposPrinterSim({ columns: 32 });
      for (let i = 0; i < job.length; i += chunkSize) sim.receive(job.subarray(i, i + chunkSize));
      const [r] = sim.receipts();
      expect(r).toEqual({
        lines: [`${' '.repeat(8)}缴费凭条`, 'Total￥ 1.00', '', '', '[QR:HELLO]', '[CODE128:AB{]'],
        styled: expect.any(Array), qr: ['HELLO'], barcodes: ['AB{'], cut: true,
      });
      expect(r!.styled[0]).toEqual({ text: `${' '.repeat(8)}缴费凭条`, bold: true, size: 2, align: 'center' });
      expect(r!.styled[1]).toMatchObject({ bold: false, size: 1, align: 'left' });
      expect(sim.unknownCommands()).toEqual([]);
    }
  });

  it('bytes ≥ 0x80 outside Chinese mode are not Chinese; a printer starting in Chinese mode decodes them', () => {
    const plain = new EscposPrinterSim({ chineseByDefault: false });
    plain.receive(Buffer.concat([gb('汉'), h('0A')]));
    expect(plain.receipts()[0]!.lines).toEqual(['\ufffd\ufffd']);
    const zh = new EscposPrinterSim();
    zh.receive(Buffer.concat([h('1B 40'), gb('汉'), h('0A')]));
    expect(zh.receipts()[0]!.lines).toEqual(['汉']);
  });

  it('wraps at the column count and records unknown commands without stopping', () => {
    const sim = new EscposPrinterSim({ columns: 32 });
    sim.receive(Buffer.concat([h('1B 7A 01 07'), Buffer.from('x'.repeat(40)), h('0A')]));
    expect(sim.receipts()[0]!.lines).toEqual(['x'.repeat(32), 'x'.repeat(8)]);
    expect(sim.unknownCommands().map((c) => c.bytes.toString('hex'))).toEqual(['1b7a', '01', '07']); // an unknown command's parameters cannot be known
  });

  it('decodes CODE128 code sets B and C', () => {
    expect(decodeCode128Data(h('7B 42 41 31'))).toBe('A1');
    expect(decodeCode128Data(h('7B 43 0C 22 05'))).toBe('123405');
    expect(decodeCode128Data(h('41 42'))).toBeUndefined();
  });
});

describe('ESC/POS simulator: status and faults', () => {
  it('answers DLE EOT 1..4 from its state with the fixed bits set', () => {
    const sim = new EscposPrinterSim();
    const out = withReplies(sim);
    expect(status(sim, out)).toEqual([0x12, 0x12, 0x12, 0x12]);
    sim.setPaper('near-end');
    expect(status(sim, out)).toEqual([0x12, 0x12, 0x12, 0x1e]);
    sim.setPaper('out');
    expect(status(sim, out)).toEqual([0x1a, 0x32, 0x12, 0x7e]);
    sim.setPaper('ok');
    sim.openCover();
    expect(status(sim, out)).toEqual([0x1a, 0x16, 0x12, 0x12]);
    sim.closeCover();
    sim.jamCutter();
    sim.receive(Buffer.from('a\n'));
    sim.receive(h('1D 56 01'));
    expect(status(sim, out)).toEqual([0x1a, 0x52, 0x1a, 0x12]);
    expect(sim.receipts()).toMatchObject([{ lines: ['a'], cut: false }]);
    sim.setGarbledReplies(true);
    expect(status(sim, out)).toEqual([0, 0, 0, 0]);
    sim.setSilent(true);
    expect(status(sim, out)).toEqual([]);
  });

  it('answers GS r and GS I only while online; nothing for GS I when it has no identity', () => {
    const sim = new EscposPrinterSim();
    const out = withReplies(sim);
    sim.receive(h('1D 72 01 1D 49 01 1D 49 43'));
    expect(Buffer.from(out)).toEqual(Buffer.concat([h('00 20 5F'), Buffer.from('SIM-T80'), h('00')]));
    out.length = 0;
    sim.openCover();
    sim.receive(h('1D 72 01 1D 49 01'));
    expect(out).toEqual([]);
    const anon = new EscposPrinterSim({ identity: null });
    const o2 = withReplies(anon);
    anon.receive(h('1D 49 43 1D 49 01'));
    expect(o2).toEqual([]);
  });

  it('paper runs out after n lines: the rest of the job is dropped and there is no cut', () => {
    const sim = new EscposPrinterSim();
    sim.runOutOfPaperAfterLines(2);
    sim.receive(Buffer.from('1\n2\n3\n4\n'));
    sim.receive(h('1D 56 42 00'));
    expect(sim.receipts()).toMatchObject([{ lines: ['1', '2'], cut: false }]);
  });

  it('unplugged: takes nothing and says nothing', () => {
    const sim = new EscposPrinterSim();
    const out = withReplies(sim);
    sim.unplug();
    sim.receive(Buffer.from('x\n'));
    expect(status(sim, out)).toEqual([]);
    expect(sim.receipts()).toEqual([]);
    sim.replug();
    expect(status(sim, out)).toEqual([0x12, 0x12, 0x12, 0x12]);
  });
});
