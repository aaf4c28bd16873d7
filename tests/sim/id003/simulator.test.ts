import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../../src/hal/index.js';
import { Id003Simulator } from './simulator.js';
import { PacketScanner, packet } from './wire.js';

const hex = (b: Buffer): string => [...b].map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join(' ');

function bench(opts: Partial<ConstructorParameters<typeof Id003Simulator>[0]> = {}) {
  const clock = new ManualClock();
  const sim = new Id003Simulator({ clock, timers: clock, ...opts });
  const out: Buffer[] = [];
  sim.attach((b) => out.push(b));
  const scanner = new PacketScanner();
  const ask = (code: number, data: number[] = []): { code: number; payload: number[] } => {
    out.length = 0;
    sim.receive(packet(code, data));
    const got = scanner.feed(Buffer.concat(out));
    expect(got).toHaveLength(1);
    return { code: got[0]!.code, payload: [...got[0]!.payload] };
  };
  return { clock, sim, out, ask };
}

describe('ID-003 simulator (device side)', () => {
  it('frames with its own CRC exactly as PROTOCOLS.md §2.3 lists', () => {
    expect(hex(packet(0x11))).toBe('FC 05 11 27 56');
    expect(hex(packet(0x50))).toBe('FC 05 50 AA 05');
    expect(hex(packet(0xc3, [1]))).toBe('FC 06 C3 01 8D C7');
    expect(hex(packet(0x13, [0x63]))).toBe('FC 06 13 63 A2 D8');
  });

  it('powers up, resets, initialises and accepts a note through VEND VALID (repeated until ACK) and STACKED', () => {
    const { clock, sim, ask } = bench();
    expect(ask(0x11).code).toBe(0x40);
    expect(ask(0x40).code).toBe(0x50);
    expect(ask(0x11).code).toBe(0x1b);
    clock.advance(500);
    expect(ask(0x11).code).toBe(0x1a); // inhibited after reset
    expect(ask(0xc3, [0])).toEqual({ code: 0xc3, payload: [0] });
    expect(ask(0x8a).payload.slice(0, 8)).toEqual([0x61, 0x2d, 1, 0, 0x62, 0x2d, 5, 0]);
    expect(sim.insert(2000)).toBe(true);
    expect(ask(0x11).code).toBe(0x12);
    clock.advance(300);
    expect(ask(0x11)).toEqual({ code: 0x13, payload: [0x64] });
    expect(ask(0x44).code).toBe(0x50);
    expect(ask(0x11).code).toBe(0x19);
    expect(ask(0x41).code).toBe(0x50);
    clock.advance(300);
    expect(ask(0x11).code).toBe(0x15);
    clock.advance(5000);
    expect(ask(0x11).code).toBe(0x15);
    expect(sim.stackedNotes()).toMatchObject([{ value: 2000, vendValid: true, acked: false }]);
    sim.receive(packet(0x50));
    expect(ask(0x11).code).toBe(0x16);
    clock.advance(200);
    expect(ask(0x11).code).toBe(0x11);
    expect(sim.stackedNotes()).toMatchObject([{ value: 2000, acked: true, confirmed: true }]);
  });

  it('returns a note when nobody HOLDs it past the hold timeout, and refuses commands out of place', () => {
    const { clock, sim, ask } = bench({ holdTimeoutMs: 4000 });
    ask(0x40);
    clock.advance(500);
    ask(0xc3, [0]);
    expect(ask(0x41).code).toBe(0x4b); // STACK-1 with nothing in escrow
    sim.insert(100);
    clock.advance(300);
    expect(ask(0x11).code).toBe(0x13);
    clock.advance(4000);
    expect(ask(0x11).code).toBe(0x18);
    clock.advance(300);
    expect(sim.returnedNotes()).toEqual([{ value: 100, why: 'hold-timeout' }]);
    expect(ask(0x99).code).toBe(0x4b);
  });

  it('reports POWER UP WITH BILL IN STACKER after a power cut while stacking, and keeps the note in its book', () => {
    const { clock, sim, ask } = bench();
    ask(0x40);
    clock.advance(500);
    ask(0xc3, [0]);
    sim.insert(10000);
    clock.advance(300);
    ask(0x41);
    sim.powerCycle();
    expect(ask(0x11).code).toBe(0x42);
    expect(sim.stackedNotes()).toMatchObject([{ value: 10000, vendValid: false }]);
  });

  it('honours the 1-enables polarity option for C0', () => {
    const { clock, sim, ask } = bench({ enablePolarity: '1-enables' });
    ask(0x40);
    clock.advance(500);
    ask(0xc3, [0]);
    ask(0xc0, [0, 0]); // with this polarity: nothing enabled
    sim.insert(100);
    clock.advance(300);
    expect(ask(0x11)).toEqual({ code: 0x17, payload: [0x79] });
  });
});
