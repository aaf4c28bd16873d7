import { afterEach, describe, expect, it } from 'vitest';
import { SerialLink } from '../../src/drivers/serial/index.js';
import { ZvtCardTerminal } from '../../src/drivers/zvt/index.js';
import { attachToPty, openPtyPair, socatAvailable } from '../sim/serial/pty.js';
import { ZvtSerialSide, ZvtTerminalSim } from '../sim/zvt/index.js';
import { fastTime } from './rig.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

describe('ZVT over a socat PTY pair with the real serialport binding', () => {
  it.runIf(socatAvailable() || process.env.CI === 'true')('registers, authorises and books one payment', async () => {
    const time = fastTime();
    const pair = await openPtyPair();
    cleanups.push(() => pair.close());
    const sim = new ZvtTerminalSim({ ...time });
    const side = new ZvtSerialSide(sim, { ...time, ackTimeoutMs: 5000 });
    const dev = await attachToPty(pair.devicePath, side);
    cleanups.push(() => dev.close());
    const t = new ZvtCardTerminal({
      id: 'card-pty', transport: 'serial', ...time, currency: 'CNY', password: '000000', commandAckTimeoutMs: 10_000,
      ackTimeoutMs: 5000, idleTimeoutMs: 10_000,
      openLink: () => SerialLink.open({ path: pair.hostPath, baudRate: 9600, stopBits: 2 }),
    });
    cleanups.push(() => t.close());
    await t.open();
    await t.enable();
    sim.labelNext('pty-1');
    expect(await t.authorize({ amount: 8800, currency: 'CNY', ref: 'pty-1' })).toMatchObject({ outcome: 'approved', last4: '1111' });
    await t.commit('pty-1');
    expect(sim.ledger().bookedByRef).toEqual({ 'pty-1': 8800 });
    expect(side.stats().badFrames).toBe(0);
    expect(t.statistics()).toMatchObject({ crcErrors: 0 });
  });
});
