import { describe, it, expect, vi } from 'vitest';
import { SerialLink } from '../../src/drivers/serial/index.js';
import { SspValidator } from '../../src/drivers/ssp/index.js';
import { systemClock, systemTimers, type NoteCredit } from '../../src/hal/index.js';
import { attachToPty, openPtyPair, socatAvailable } from '../sim/serial/pty.js';
import { SspValidatorSim } from '../sim/ssp/index.js';

describe('SSP over a socat PTY pair with the real serialport binding', () => {
  it.runIf(socatAvailable() || process.env.CI === 'true')('takes three notes (eSSP), holding one in escrow with HOLD only until accepted', async () => {
    const pair = await openPtyPair();
    const sim = new SspValidatorSim({ clock: systemClock, timers: systemTimers });
    const dev = await attachToPty(pair.devicePath, sim);
    const v = new SspValidator({
      id: 'bv-pty', clock: systemClock, timers: systemTimers, currency: 'CNY', pollMs: 200, holdIntervalMs: 600,
      openLink: () => SerialLink.open({ path: pair.hostPath, baudRate: 9600, stopBits: 2 }),
      encryption: { enabled: true },
    });
    const credits: NoteCredit[] = [];
    const escrows: number[] = [];
    v.setCreditHandler(async (c) => { credits.push(c); });
    v.on('escrow', (e) => escrows.push(e.value));
    try {
      await v.open();
      await v.enable();
      expect(sim.isEnabled()).toBe(true);

      sim.insert(1000);
      await vi.waitFor(() => expect(escrows).toEqual([1000]), { timeout: 10_000, interval: 20 });
      await v.accept();
      await vi.waitFor(() => expect(credits.map((c) => c.value)).toEqual([1000]), { timeout: 10_000, interval: 20 });

      sim.insert(5000);
      await vi.waitFor(() => expect(escrows).toEqual([1000, 5000]), { timeout: 10_000, interval: 20 });
      const from = sim.commands().length;
      await vi.waitFor(() => expect(sim.commands().slice(from).filter((c) => c.name === 'HOLD').length).toBeGreaterThanOrEqual(2), { timeout: 10_000, interval: 20 });
      expect(sim.commands().slice(from).map((c) => c.name).filter((n) => n !== 'HOLD')).toEqual([]);
      expect(sim.noteInEscrow()).toBe(5); // channel 5 = 50 yuan
      await v.accept();
      await vi.waitFor(() => expect(credits.map((c) => c.value)).toEqual([1000, 5000]), { timeout: 10_000, interval: 20 });

      sim.insert(100);
      await vi.waitFor(() => expect(escrows).toEqual([1000, 5000, 100]), { timeout: 10_000, interval: 20 });
      await v.accept();
      await vi.waitFor(() => expect(credits.map((c) => c.value)).toEqual([1000, 5000, 100]), { timeout: 10_000, interval: 20 });
      expect(sim.stackedNotes().map((n) => n.value)).toEqual([1000, 5000, 100]);
      expect(new Set(credits.map((c) => c.deviceRef)).size).toBe(3);
      expect(sim.commands().filter((c) => c.name === 'POLL_WITH_ACK').every((c) => c.encrypted)).toBe(true);
    } finally {
      await v.close();
      await dev.close();
      await pair.close();
    }
  }, 30_000);
});
