import { describe, it, expect } from 'vitest';
import { KioskError } from '../../src/errors/index.js';
import { Id003Validator } from '../../src/drivers/id003/index.js';
import { ManualClock, type ByteLink } from '../../src/hal/index.js';
import { Id003Simulator } from '../sim/id003/index.js';

/** An in-memory line: bytes hop one microtask each way, so a ManualClock alone decides the timing. */
class MemLink implements ByteLink {
  isOpen = true;
  private readonly data = new Set<(c: Buffer) => void>();
  private readonly closed = new Set<(e?: Error) => void>();
  constructor(private readonly sim: Id003Simulator) {
    sim.attach((b) => { if (this.isOpen) queueMicrotask(() => { for (const f of this.data) f(b); }); });
  }
  async write(d: Uint8Array): Promise<void> {
    if (!this.isOpen) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'closed', { disconnected: true });
    const copy = Buffer.from(d);
    queueMicrotask(() => this.sim.receive(copy));
  }
  onData(f: (c: Buffer) => void): () => void { this.data.add(f); return () => this.data.delete(f); }
  onClose(f: (e?: Error) => void): () => void { this.closed.add(f); return () => this.closed.delete(f); }
  async close(): Promise<void> { this.unplug(); }
  unplug(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.sim.attach(undefined);
    for (const f of this.closed) f();
  }
}

const settle = async (): Promise<void> => { for (let i = 0; i < 20; i++) await Promise.resolve(); };

async function run(clock: ManualClock, ms: number, step = 10): Promise<void> {
  for (let t = 0; t < ms; t += step) { clock.advance(step); await settle(); }
}

describe('ID-003 reconnect backoff (ManualClock)', () => {
  it('doubles the reconnect delay from 500 ms up to the 30 s cap and resets it after a good connect', async () => {
    const clock = new ManualClock();
    const sim = new Id003Simulator({ clock, timers: clock });
    let link: MemLink | undefined;
    let plugged = true;
    const attempts: number[] = [];
    const v = new Id003Validator({
      id: 'bv-backoff', clock, timers: clock, currency: 'CNY', pollMs: 200,
      openLink: async () => {
        attempts.push(clock.monoMs());
        if (!plugged) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'unplugged', { retryable: true, disconnected: true });
        link = new MemLink(sim);
        return link;
      },
    });
    const opened = v.open();
    let done = false;
    void opened.then(() => { done = true; });
    while (!done) await run(clock, 100);
    expect(v.status().state).toBe('online');

    plugged = false;
    attempts.length = 0;
    const lostAt = clock.monoMs();
    link!.unplug();
    await settle();
    expect(v.status()).toMatchObject({ state: 'offline', reason: 'link-down' });
    await run(clock, 160_000, 100);
    const gaps = attempts.map((t, i) => Math.round((t - (i === 0 ? lostAt : attempts[i - 1]!)) / 100) * 100);
    expect(gaps.slice(0, 8)).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);

    plugged = true;
    await run(clock, 31_000, 100);
    expect(v.status().state).toBe('online');
    attempts.length = 0;
    const lost2 = clock.monoMs();
    link!.unplug();
    await run(clock, 1000, 50);
    expect(attempts.length).toBe(1);
    expect(Math.round((attempts[0]! - lost2) / 50) * 50).toBe(500);
    await v.close();
  });

  it('validates pollMs', () => {
    const clock = new ManualClock();
    const base = { id: 'x', clock, timers: clock, currency: 'CNY', openLink: () => Promise.reject(new Error('unused')) };
    expect(() => new Id003Validator({ ...base, pollMs: 50 })).toThrow(expect.objectContaining({ code: 'KIOSK_E_CONFIG_INVALID' }));
    expect(() => new Id003Validator({ ...base, pollMs: 1001 })).toThrow(expect.objectContaining({ code: 'KIOSK_E_CONFIG_INVALID' }));
  });
});
