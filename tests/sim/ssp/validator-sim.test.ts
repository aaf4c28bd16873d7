import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../../src/hal/index.js';
import { SspValidatorSim } from './validator-sim.js';
import { PacketReader, buildPacket } from './wire.js';

/** Talks to the simulator with its own wire helpers (no driver involved). */
function host(sim: SspValidatorSim) {
  const reader = new PacketReader();
  const replies: Buffer[] = [];
  sim.attach((b) => { for (const p of reader.feed(b)) replies.push(p.data); });
  let seq = 0;
  return {
    replies,
    cmd(...data: number[]): string {
      if (data[0] === 0x11) seq = 1;
      sim.receive(buildPacket(seq ? 0x80 : 0x00, data));
      seq ^= 1;
      return replies[replies.length - 1]?.toString('hex') ?? '';
    },
    resendLast(data: number[]): string {
      sim.receive(buildPacket(seq ? 0x00 : 0x80, data)); // the previous sequence bit again
      return replies[replies.length - 1]?.toString('hex') ?? '';
    },
  };
}

function ready(o: ConstructorParameters<typeof SspValidatorSim>[0]) {
  const sim = new SspValidatorSim(o);
  const h = host(sim);
  h.cmd(0x11);
  // reset + disabled, as GA973 expects at start-up (GA138's erratum F8 on option)
  expect(h.cmd(0x07)).toBe(o.resetErratumF8 ? 'f0f1f8' : 'f0f1e8');
  h.cmd(0x02, 0xff, 0xff);
  h.cmd(0x0a);
  return { sim, h };
}

describe('SSP validator simulator rules', () => {
  it('walks a note through read → escrow → (POLL accepts) → stacking → credit + stacked', () => {
    const clock = new ManualClock();
    const { sim, h } = ready({ clock });
    expect(sim.insert(2000)).toBe(true);
    expect(h.cmd(0x07)).toBe('f0ef00');
    expect(h.cmd(0x07)).toBe('f0ef04');
    expect(sim.noteInEscrow()).toBe(4);
    expect(h.cmd(0x07)).toBe('f0cc');
    expect(h.cmd(0x07)).toBe('f0ee04eb');
    expect(sim.stackedNotes()).toEqual([{ channel: 4, value: 2000, currency: 'CNY', via: 'credit' }]);
  });

  it('returns a note held in escrow longer than the timeout with reject code 0x13; HOLD extends it', () => {
    const clock = new ManualClock();
    const { sim, h } = ready({ clock, escrowTimeoutMs: 10_000 });
    sim.insert(100);
    h.cmd(0x07); h.cmd(0x07);
    clock.advance(9_000); expect(h.cmd(0x18)).toBe('f0');
    clock.advance(9_000); expect(h.cmd(0x18)).toBe('f0');
    clock.advance(10_001);
    expect(h.cmd(0x18)).toBe('f5'); // GA973: no note in escrow any more
    // It also disabled itself after 10 s without a command (E8).
    expect(h.cmd(0x07)).toBe('f0ede8');
    expect(h.cmd(0x07)).toBe('f0ece8');
    expect(h.cmd(0x17)).toBe('f013');
    expect(sim.stackedNotes()).toEqual([]);
  });

  it('disables itself after 10 s without a command; HOLD without a note answers per option (F8 = GA138)', () => {
    const clock = new ManualClock();
    const { sim, h } = ready({ clock, noNoteReply: 0xf8 });
    expect(sim.isEnabled()).toBe(true);
    clock.advance(10_001);
    expect(h.cmd(0x07)).toBe('f0e8');
    expect(sim.isEnabled()).toBe(false);
    expect(h.cmd(0x18)).toBe('f8');
  });

  it('re-sends its last reply for a repeated sequence bit without executing again', () => {
    const clock = new ManualClock();
    const { sim, h } = ready({ clock });
    sim.insert(500);
    expect(h.cmd(0x07)).toBe('f0ef00');
    expect(h.resendLast([0x07])).toBe('f0ef00');
    expect(h.cmd(0x07)).toBe('f0ef02');
    expect(sim.commands().filter((c) => c.repeat)).toHaveLength(1);
  });

  it('reports E1 for a note in escrow at power loss and E2 (money) for one being stacked; F1 F8 erratum on option', () => {
    const clock = new ManualClock();
    const a = ready({ clock });
    a.sim.insert(500); a.h.cmd(0x07); a.h.cmd(0x07);
    a.sim.powerCycle();
    expect(a.h.cmd(0x11)).toBe('f0');
    expect(a.h.cmd(0x07)).toBe('f0f1e102e8');
    const b = ready({ clock, resetErratumF8: true });
    b.sim.insert(500); b.h.cmd(0x07); b.h.cmd(0x07); b.h.cmd(0x07);
    b.sim.powerCycle();
    b.h.cmd(0x11);
    expect(b.h.cmd(0x07)).toBe('f0f1e202f8');
    expect(b.sim.stackedNotes()).toEqual([expect.objectContaining({ value: 500, via: 'power-up' })]);
  });

  it('refuses non-prime key exchange values and plain POLL WITH ACK', () => {
    const clock = new ManualClock();
    const { h } = ready({ clock });
    expect(h.cmd(0x4a, 4, 0, 0, 0, 0, 0, 0, 0)).toBe('f4');
    expect(h.cmd(0x4c, 1, 0, 0, 0, 0, 0, 0, 0)).toBe('f8');
    expect(h.cmd(0x56)).toBe('fa');
    expect(h.cmd(0x02, 0xff)).toBe('f3');
    expect(h.cmd(0x06, 9)).toBe('f8');
    expect(h.cmd(0x99)).toBe('f2');
  });
});
