import { describe, expect, it } from 'vitest';
import type { PrintDocument } from '../../../src/hal/index.js';
import { FakePrinter } from './printer.js';
import { COPY_BANNER, renderDocument } from './printer-render.js';

const receipt: PrintDocument = {
  lines: [
    { kind: 'text', text: 'RECEIPT', align: 'center', size: 2 },
    { kind: 'rule' },
    { kind: 'pair', left: 'Amount', right: '123.00' },
    { kind: 'text', text: '电费', align: 'right' },
    { kind: 'feed', lines: 2 },
    { kind: 'qr', data: 'TX-42' },
  ],
};

describe('renderDocument', () => {
  it('lays out text, pairs, rules, feeds and codes on a 32-column roll', () => {
    expect(renderDocument(receipt, 32)).toEqual([
      `${' '.repeat(9)}RECEIPT`,
      '-'.repeat(32),
      `Amount${' '.repeat(20)}123.00`,
      `${' '.repeat(28)}电费`,
      '',
      '',
      '[QR:TX-42]',
    ]);
  });

  it('wraps long text at the column edge, counting CJK as two cells', () => {
    const lines = renderDocument({ lines: [{ kind: 'text', text: '缴费'.repeat(10) }] }, 32);
    expect(lines).toEqual(['缴费'.repeat(8), '缴费'.repeat(2)]);
  });

  it('splits a pair that does not fit into left, then right flush right', () => {
    const left = 'L'.repeat(30);
    expect(renderDocument({ lines: [{ kind: 'pair', left, right: '9.99' }] }, 32)).toEqual([left, `${' '.repeat(28)}9.99`]);
  });

  it('puts a banner on copies', () => {
    expect(renderDocument({ lines: [], copy: true }, 48)[0]?.trim()).toBe(COPY_BANNER);
  });
});

describe('FakePrinter', () => {
  it('keeps each printed receipt as text and counts cuts', async () => {
    const p = new FakePrinter({ columns: 32 });
    await p.open();
    expect(p.lastText()).toBeUndefined();
    expect(await p.print(receipt)).toEqual({ printed: true });
    expect(p.printed).toHaveLength(1);
    expect(p.lastText()).toContain('123.00');
    expect(p.statistics()).toMatchObject({ receipts: 1, cuts: 1, lines: 7 });
  });

  it('refuses to print with the cover open or no paper, with an error status', async () => {
    const p = new FakePrinter();
    await p.open();
    p.setCover(true);
    expect(p.status()).toMatchObject({ state: 'error', reason: 'cover-open' });
    expect(await p.print(receipt)).toEqual({ printed: false, reason: 'cover-open' });
    p.setCover(false);
    p.setPaper('out');
    expect(await p.print(receipt)).toEqual({ printed: false, reason: 'paper-out' });
    expect(p.status()).toMatchObject({ state: 'error', reason: 'paper-out' });
    expect(p.printed).toEqual([]);
    expect(p.statistics().failures).toBe(2);
  });

  it('prints on near-end paper, degraded, after one paperLow event', async () => {
    const p = new FakePrinter();
    let low = 0;
    p.on('paperLow', () => { low++; });
    await p.open();
    p.setPaper('near-end');
    p.setPaper('near-end');
    expect(low).toBe(1);
    expect(p.status().state).toBe('degraded');
    expect(await p.print(receipt)).toEqual({ printed: true, reason: 'paper-near-end' });
  });

  it('tears off a receipt unfinished when the paper runs out mid-print', async () => {
    const p = new FakePrinter({ columns: 32 });
    await p.open();
    p.runOutOfPaperAfter(3);
    expect(await p.print(receipt)).toEqual({ printed: false, reason: 'paper-out' });
    expect(p.failed).toHaveLength(1);
    expect(p.failed[0]).toHaveLength(3);
    expect(p.status().reason).toBe('paper-out');
    p.setPaper('ok');
    expect((await p.print(receipt)).printed).toBe(true);
  });
});
