import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock, systemTimers } from '../../src/hal/index.js';
import { SerialScannerConfigSchema, createSerialScanner } from '../../src/drivers/serial-scanner/index.js';
import { SerialScannerSim } from '../sim/scanner/index.js';
import { attachToPty, openPtyPair, socatAvailable } from '../sim/serial/pty.js';
import { GS1_SLIP, WALLET_CODE, record, silentLogger } from './fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

describe('SerialScanner over a socat PTY pair with the real serialport binding', () => {
  it.runIf(socatAvailable() || process.env.CI === 'true')('reads a GS1-128 slip and a wallet code, and drops garbage', async () => {
    const pair = await openPtyPair();
    cleanups.push(() => pair.close());
    const sim = new SerialScannerSim({ suffix: 'crlf', chunkSize: 5 });
    const dev = await attachToPty(pair.devicePath, sim);
    cleanups.push(() => dev.close());
    const scanner = createSerialScanner(SerialScannerConfigSchema.parse({ driver: 'serial', port: { path: pair.hostPath }, suffix: 'crlf', interCharTimeoutMs: 2000 }), {
      clock: systemClock, timers: systemTimers, logger: silentLogger,
    });
    cleanups.push(() => scanner.close());
    const rec = record(scanner);
    await scanner.open();
    await scanner.enable();
    sim.scan(GS1_SLIP, { aim: ']C1' });
    sim.sendGarbage([0x00, 0xfe, 0x07]);
    sim.scan(WALLET_CODE, { aim: ']Q1' });
    await vi.waitFor(() => expect(rec.scans).toHaveLength(2), { timeout: 10_000, interval: 10 });
    expect(rec.scans).toEqual([{ data: GS1_SLIP, symbology: ']C1' }, { data: WALLET_CODE, symbology: ']Q1' }]);
    expect(scanner.statistics()).toMatchObject({ garbage: 1, goodReads: 2 });
  });
});
