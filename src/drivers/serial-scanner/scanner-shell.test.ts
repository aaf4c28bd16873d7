import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../hal/index.js';
import { ScanFramer } from './frames.js';
import { ScannerShell, type ScanSource } from './scanner-shell.js';
import type { ScanDecoder } from './scan-text.js';

class FakeSource implements ScanSource<Uint8Array> {
  private readonly data = new Set<(i: Uint8Array) => void>();
  private readonly closes = new Set<(err?: Error) => void>();
  closed = 0;
  subscribe(fn: (i: Uint8Array) => void): () => void { this.data.add(fn); return () => { this.data.delete(fn); }; }
  onClose(fn: (err?: Error) => void): () => void { this.closes.add(fn); return () => { this.closes.delete(fn); }; }
  async close(): Promise<void> { this.closed++; }
  send(s: string): void { for (const fn of [...this.data]) fn(Buffer.from(s, 'latin1')); }
  drop(): void { for (const fn of [...this.closes]) fn(new Error('gone')); }
}

const identity = { model: 'm', serial: '', firmware: '', protocol: 'test' };

describe('ScannerShell', () => {
  it('closes a source whose open finishes after close()', async () => {
    const clock = new ManualClock();
    const src = new FakeSource();
    let release: (s: FakeSource) => void = () => {};
    const shell = new ScannerShell({ id: 's', identity, clock, timers: clock, decoder: new ScanFramer(), openSource: () => new Promise<FakeSource>((r) => { release = r; }) });
    const opening = shell.open();
    await shell.close();
    release(src);
    await opening;
    expect(src.closed).toBe(1);
    expect(shell.status().reason).toBe('closed');
  });

  it('survives a throwing listener and a throwing decoder', async () => {
    const clock = new ManualClock();
    const src = new FakeSource();
    let explode = false;
    const framer = new ScanFramer();
    const decoder: ScanDecoder<Uint8Array> = {
      push: (i) => { if (explode) throw new Error('bug'); return framer.push(i); },
      flush: () => framer.flush(), reset: () => framer.reset(),
      get pending() { return framer.pending; }, get steps() { return framer.steps; },
    };
    const shell = new ScannerShell({ id: 's', identity, clock, timers: clock, decoder, openSource: async () => src });
    const got: string[] = [];
    shell.on('scan', () => { throw new Error('listener bug'); });
    shell.on('scan', (s) => got.push(s.data));
    await shell.open();
    await shell.enable();
    src.send('12\r');
    explode = true;
    src.send('34\r');
    explode = false;
    src.send('56\r');
    expect(got).toEqual(['12', '56']);
    expect(shell.statistics()).toMatchObject({ goodReads: 2, garbage: 1 });
    expect(shell.status().state).toBe('online');
  });

  it('backs off 500, 1000, 2000 ms between failed reconnects and stops after close()', async () => {
    const clock = new ManualClock();
    const first = new FakeSource();
    let opens = 0;
    const shell = new ScannerShell({
      id: 's', identity, clock, timers: clock, decoder: new ScanFramer(),
      openSource: async () => { opens++; if (opens === 1) return first; throw new Error('not there'); },
    });
    await shell.open();
    first.drop();
    const settle = async (): Promise<void> => { for (let i = 0; i < 5; i++) await Promise.resolve(); };
    for (const wait of [500, 1000, 2000]) {
      clock.advance(wait - 1);
      await settle();
      const before = opens;
      clock.advance(1);
      await settle();
      expect(opens).toBe(before + 1);
    }
    await shell.close();
    clock.advance(60_000);
    await settle();
    expect(opens).toBe(4);
    expect(shell.status().reason).toBe('closed');
  });
});
