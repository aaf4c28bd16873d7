import { afterEach, describe, expect, it } from 'vitest';
import { startSimKiosk, type SimKiosk } from '../harness.js';
import { createActionQueue, createActor } from './actions.js';
import type { EmbeddedBroker } from './broker.js';

let sim: SimKiosk | undefined;
afterEach(async () => { await sim?.close(); sim = undefined; });

function stubBroker(): EmbeddedBroker & { calls: string[] } {
  let up = true;
  const calls: string[] = [];
  return {
    host: '127.0.0.1', port: 1, url: 'mqtt://127.0.0.1:1', calls,
    running: () => up,
    stop: async () => { up = false; calls.push('stop'); },
    start: async () => { up = true; calls.push('start'); },
    handleStream: () => false,
  };
}

describe('launcher actions (shared by the terminal UI and the web panel)', () => {
  it('toggles the fault switches on the simulators and says what happened', async () => {
    sim = await startSimKiosk();
    await sim.runtime.kiosk.start();
    const lines: string[] = [];
    const broker = stubBroker();
    const act = createActionQueue(createActor({ sim, broker, log: (l) => lines.push(l), quit: async () => {} }), sim, (c) => lines.push(`error ${c}`));

    await act({ kind: 'jam' });
    expect(sim.devices.billValidator.status().reason).toBe('jam');
    await act({ kind: 'jam' });
    expect(sim.devices.billValidator.status().reason).toBe('ok');
    await act({ kind: 'paper' });
    expect(sim.devices.receiptPrinter.status().reason).toBe('paper-out');
    expect(sim.runtime.kiosk.serviceState().service).toBe('out-of-service');
    await act({ kind: 'paper' });
    await act({ kind: 'broker' });
    await act({ kind: 'broker' });
    expect(broker.calls).toEqual(['stop', 'start']);
    expect(lines).toEqual(['note jammed in the validator', 'jam cleared', 'paper ran out', 'paper loaded', 'broker stopped', 'broker started']);
  });

  it('runs queued actions one after another: a note is inserted after the previous one settled', async () => {
    sim = await startSimKiosk();
    await sim.runtime.kiosk.start();
    const lines: string[] = [];
    const act = createActionQueue(createActor({ sim, broker: stubBroker(), log: (l) => lines.push(l), quit: async () => {} }), sim, (c) => lines.push(`error ${c}`));
    const bill = sim.biller.sampleBarcodes().find((b) => b.account === 'E0012345678' && b.period === '202507')!;
    // Fired without awaiting, as clicks arrive: the queue keeps their order and each waits for the last.
    const all = [
      act({ kind: 'scan', sample: bill }), act({ kind: 'button', button: 'cash' }),
      act({ kind: 'note', value: 10_000 }), act({ kind: 'note', value: 5_000 }), act({ kind: 'note', value: 5_000 }),
    ];
    await Promise.all(all);
    expect(lines.filter((l) => l.startsWith('error') || l.includes('not taken'))).toEqual([]);
    expect(sim.runtime.journal.cashbox()).toEqual([{ currency: 'CNY', value: 20_000, count: 3 }]);
  });
});
