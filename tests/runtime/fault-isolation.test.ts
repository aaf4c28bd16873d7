import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BillInfo } from '../../src/fsm/index.js';
import { insertNote, startSimKiosk, type SimKiosk } from '../sim/harness.js';

let sim: SimKiosk | undefined;
afterEach(async () => { await sim?.close(); sim = undefined; });

const bill: BillInfo = { billerId: 'water-city', billerName: 'City Water Works', account: '000123456789', period: '202506', due: 4_560, currency: 'CNY', billRef: 'R1' };

describe('an exception in one part never takes the service down silently', () => {
  it('a biller client that throws a plain TypeError → "service unavailable", logged with a code, kiosk stays up', async () => {
    sim = await startSimKiosk({ billerClient: { lookup: () => { throw new TypeError('boom'); }, post: () => Promise.reject(new Error('unused')) } });
    const faults: string[] = [];
    await sim.runtime.kiosk.start();
    sim.runtime.kiosk.on('fault', (f) => faults.push(f.code));
    sim.devices.scanner.scan('anything');
    await sim.runtime.kiosk.settle();
    expect(sim.runtime.kiosk.state().name).toBe('idle');
    expect(sim.devices.display.current().lines[0]).toBe('暂停服务');
    expect(sim.logLines.join('')).toContain('KIOSK_E_BILLER_UNAVAILABLE');
    expect(sim.runtime.kiosk.serviceState().service).toBe('in-service');
  });

  it('a throwing screen listener is logged and the payment goes on', async () => {
    sim = await startSimKiosk({ billerClient: { lookup: async () => bill, post: async () => ({ billerRef: 'X' }) } });
    await sim.runtime.kiosk.start();
    sim.runtime.kiosk.on('screen', () => { throw new Error('listener bug'); });
    sim.devices.scanner.scan('x');
    await vi.waitFor(() => expect(sim!.runtime.kiosk.state().name).toBe('bill-shown'));
    sim.devices.panel.press('cash');
    await sim.runtime.kiosk.settle();
    await insertNote(sim, 5_000);
    await vi.waitFor(() => expect(sim!.runtime.kiosk.state().name).toBe('done'));
    expect(sim.logLines.join('')).toContain('kiosk listener failed');
  });

  it('a printer that throws mid-print: the money is still posted and the transaction closed, the receipt marked not printed', async () => {
    sim = await startSimKiosk({ billerClient: { lookup: async () => bill, post: async () => ({ billerRef: 'X' }) }, newTxId: () => 'PF-1' });
    await sim.runtime.kiosk.start();
    sim.devices.receiptPrinter.print = () => Promise.reject(new Error('usb gone'));
    sim.devices.scanner.scan('x');
    await vi.waitFor(() => expect(sim!.runtime.kiosk.state().name).toBe('bill-shown'));
    sim.devices.panel.press('cash');
    await sim.runtime.kiosk.settle();
    await insertNote(sim, 5_000);
    await vi.waitFor(() => expect(sim!.runtime.kiosk.state().name).toBe('done'));
    expect(sim.runtime.journal.transaction('PF-1')).toMatchObject({ outcome: 'paid', receiptPrinted: false });
  });
});
