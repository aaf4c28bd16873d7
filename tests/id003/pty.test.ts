import { afterEach, describe, it, expect, vi } from 'vitest';
import { SerialLink } from '../../src/drivers/serial/index.js';
import { Id003Validator } from '../../src/drivers/id003/index.js';
import type { NoteCredit } from '../../src/hal/index.js';
import { Id003Simulator } from '../sim/id003/index.js';
import { attachToPty, openPtyPair, socatAvailable } from '../sim/serial/pty.js';
import { fastTime } from './rig.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

const wait = { timeout: 15_000, interval: 10 };

describe('ID-003 over a socat PTY pair with the real serialport binding', () => {
  it.runIf(socatAvailable() || process.env.CI === 'true')('takes three notes and credits each once', async () => {
    const time = fastTime();
    const pair = await openPtyPair();
    cleanups.push(() => pair.close());
    const sim = new Id003Simulator({ ...time });
    const dev = await attachToPty(pair.devicePath, sim);
    cleanups.push(() => dev.close());
    const v = new Id003Validator({
      id: 'bv-pty', ...time, currency: 'CNY', pollMs: 100, replyTimeoutMs: 3000,
      openLink: () => SerialLink.open({ path: pair.hostPath, baudRate: 9600, parity: 'even' }),
    });
    cleanups.push(() => v.close());
    const credits: NoteCredit[] = [];
    v.setCreditHandler(async (c) => { credits.push(c); });
    let stacked = 0;
    v.on('stacked', () => { stacked++; });
    await v.open();
    await v.enable();
    expect((await v.identify()).protocol).toBe('id003');
    for (const value of [100, 5000, 10000]) {
      await vi.waitFor(() => expect(sim.insert(value)).toBe(true), wait);
      await vi.waitFor(() => expect(v.escrowNote()?.value).toBe(value), wait);
      await v.accept();
      await vi.waitFor(() => expect(credits.at(-1)?.value).toBe(value), wait);
    }
    await vi.waitFor(() => expect(stacked).toBe(3), wait);
    expect(credits.map((c) => c.value)).toEqual([100, 5000, 10000]);
    expect(sim.stackedNotes().map((n) => [n.value, n.acked])).toEqual([[100, true], [5000, true], [10000, true]]);
    expect(sim.badFrames()).toBe(0);
  });
});
