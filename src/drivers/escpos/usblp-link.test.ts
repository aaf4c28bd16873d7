import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../hal/index.js';
import { UsbLpLink, type LpHandle } from './usblp-link.js';

const errnoErr = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });
const flush = async (): Promise<void> => { for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r)); };

/** A fake usblp fd: scripted read results and a write that may refuse (EAGAIN) or take part of the data. */
class FakeLp implements LpHandle {
  readonly written: number[] = [];
  reads: (Buffer | string)[] = [];
  writePlan: (number | string)[] = [];
  closed = false;
  async read(buffer: Buffer): Promise<{ bytesRead: number }> {
    const next = this.reads.shift() ?? 'EAGAIN';
    if (typeof next === 'string') throw errnoErr(next);
    next.copy(buffer);
    return { bytesRead: next.length };
  }
  async write(buffer: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }> {
    const plan = this.writePlan.shift();
    if (typeof plan === 'string') throw errnoErr(plan);
    const n = Math.min(length, plan ?? length);
    this.written.push(...buffer.subarray(offset, offset + n));
    return { bytesWritten: n };
  }
  async close(): Promise<void> { this.closed = true; }
}

async function open(fake: FakeLp, clock: ManualClock, writeTimeoutMs?: number): Promise<UsbLpLink> {
  return UsbLpLink.open({ path: '/dev/usb/lp9', timers: clock, readPollMs: 20, ...(writeTimeoutMs ? { writeTimeoutMs } : {}), openHandle: async () => fake });
}

describe('UsbLpLink', () => {
  it('writes everything across EAGAIN and partial writes', async () => {
    const clock = new ManualClock();
    const fake = new FakeLp();
    fake.writePlan = ['EAGAIN', 2, 0, 'EAGAIN'];
    const link = await open(fake, clock);
    let done = false;
    const w = link.write(Uint8Array.from([1, 2, 3, 4, 5])).then(() => { done = true; });
    for (let i = 0; i < 10 && !done; i++) { await flush(); clock.advance(20); }
    await w;
    expect(fake.written).toEqual([1, 2, 3, 4, 5]);
    await link.close();
  });

  it('a printer that never takes data fails the write with DEVICE_TIMEOUT', async () => {
    const clock = new ManualClock();
    const fake = new FakeLp();
    fake.writePlan = Array<string>(100).fill('EAGAIN');
    const link = await open(fake, clock, 200);
    let err: unknown;
    const w = link.write(Uint8Array.of(1)).catch((e: unknown) => { err = e; });
    for (let i = 0; i < 30 && err === undefined; i++) { await flush(); clock.advance(20); }
    await w;
    expect(err).toMatchObject({ code: 'KIOSK_E_DEVICE_TIMEOUT', retryable: true });
    expect(link.isOpen).toBe(true);
    await link.close();
  });

  it('polls reads: EAGAIN and 0 bytes mean nothing yet; replies reach onData', async () => {
    const clock = new ManualClock();
    const fake = new FakeLp();
    fake.reads = ['EAGAIN', Buffer.alloc(0), Buffer.from([0x12, 0x16]), 'EAGAIN', Buffer.from([0x1e])];
    const link = await open(fake, clock);
    const got: number[] = [];
    link.onData((c) => got.push(...c));
    for (let i = 0; i < 8; i++) { clock.advance(20); await flush(); }
    expect(got).toEqual([0x12, 0x16, 0x1e]);
    await link.close();
    expect(fake.closed).toBe(true);
  });

  it('ENODEV on read (unplug) closes the link once; writes then reject disconnected', async () => {
    const clock = new ManualClock();
    const fake = new FakeLp();
    fake.reads = ['ENODEV'];
    const link = await open(fake, clock);
    const closes: (Error | undefined)[] = [];
    link.onClose((e) => closes.push(e));
    clock.advance(20);
    await flush();
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatchObject({ code: 'ENODEV' });
    expect(link.isOpen).toBe(false);
    await expect(link.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_OFFLINE', disconnected: true });
    await link.close();
    expect(closes).toHaveLength(1);
  });

  it('a failing open rejects DEVICE_OFFLINE with disconnected', async () => {
    await expect(UsbLpLink.open({ path: '/dev/usb/lp9', openHandle: async () => { throw errnoErr('ENOENT'); } }))
      .rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_OFFLINE', disconnected: true, retryable: true });
  });
});
