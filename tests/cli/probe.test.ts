import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/run.js';
import { probePort } from '../../src/cli/probe.js';
import { systemClock, systemTimers } from '../../src/hal/index.js';
import { EscposPrinterSim } from '../sim/escpos/index.js';
import { Id003Simulator } from '../sim/id003/index.js';
import { SerialScannerSim } from '../sim/scanner/index.js';
import { attachToMockPort } from '../sim/serial/mock-bridge.js';
import { SspValidatorSim } from '../sim/ssp/index.js';
import { ZvtSerialSide, ZvtTerminalSim } from '../sim/zvt/index.js';

const detach: (() => void)[] = [];
afterEach(() => { for (const d of detach.splice(0)) d(); });
let n = 0;
const port = (): string => `/dev/probe-${++n}`;

describe('kioskctl probe (device simulators on mock serial ports)', () => {
  it('identifies an ITL validator by SSP: model, serial, firmware, currency', async () => {
    const path = port();
    detach.push(attachToMockPort(path, new SspValidatorSim({ clock: systemClock, timers: systemTimers, serial: 12345678, currency: 'CNY' })));
    const r = await run(['probe', path, '--binding', 'mock', '--timeout-ms', '300', '--json']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ found: true, protocol: 'ssp', serial: '12345678', currency: 'CNY', model: 'ITL banknote validator' });
  });

  it('identifies a JCM validator by ID-003 after SSP got no answer', async () => {
    const path = port();
    detach.push(attachToMockPort(path, new Id003Simulator({ clock: systemClock, timers: systemTimers })));
    const r = await probePort({ path, binding: 'mock', timeoutMs: 300 });
    expect(r.attempts.map((a) => [a.protocol, a.answered])).toEqual([['ssp', false], ['id003', true]]);
    expect(r.finding).toMatchObject({ protocol: 'id003', model: 'UBA-10-SS(CHN)', currency: 'CNY' });
    expect(r.finding?.firmware).toContain('ID003-05V100');
  });

  it('identifies an ESC/POS printer by DLE EOT and GS I', async () => {
    const path = port();
    detach.push(attachToMockPort(path, new EscposPrinterSim()));
    const r = await probePort({ path, binding: 'mock', timeoutMs: 300, only: ['escpos'] });
    expect(r.finding).toMatchObject({ protocol: 'escpos', model: 'KIOSKSIM SIM-T80', serial: 'SIM0001', firmware: '1.07 ESC/POS' });
  });

  it('identifies a ZVT card terminal by its status enquiry: terminal id and currency', async () => {
    const path = port();
    const sim = new ZvtTerminalSim({ clock: systemClock, timers: systemTimers, terminalId: '52500001' });
    detach.push(attachToMockPort(path, new ZvtSerialSide(sim, { timers: systemTimers })));
    const r = await probePort({ path, binding: 'mock', timeoutMs: 300, only: ['zvt'] });
    expect(r.finding).toMatchObject({ protocol: 'zvt', serial: '52500001', currency: 'CNY' });
  });

  it('hears a serial scanner during the listen window, without showing the scanned data', async () => {
    const path = port();
    const sim = new SerialScannerSim({ suffix: 'crlf' });
    detach.push(attachToMockPort(path, sim));
    const scanned = setInterval(() => sim.scan('370012345678901234', { aim: ']C0' }), 50);
    try {
      const r = await run(['probe', path, '--binding', 'mock', '--only', 'scanner', '--listen-ms', '2000', '--json']);
      expect(r.code).toBe(0);
      expect(r.json).toMatchObject({ protocol: 'scanner', details: { suffix: 'crlf', symbology: ']C0', length: 18 } });
      expect(JSON.stringify(r.json)).not.toContain('370012345678901234');
    } finally {
      clearInterval(scanned);
    }
  });

  it('nothing answering: a clear message and exit 69; a missing port: 66; a bad protocol name: 64', async () => {
    const path = port();
    detach.push(attachToMockPort(path, new SerialScannerSim()));
    const r = await run(['probe', path, '--binding', 'mock', '--timeout-ms', '100', '--listen-ms', '100']);
    expect(r.code).toBe(69);
    expect(r.text).toContain('nothing answered');
    expect((await run(['probe', '/dev/no-such-tty-here'])).code).toBe(66);
    expect((await run(['probe', '/etc/hostname'])).code).toBe(66);
    const notTty = await run(['probe', '/dev/null', '--timeout-ms', '50', '--listen-ms', '50']);
    expect(notTty.code).not.toBe(0);
    expect(notTty.text).toContain('/dev/null');
    expect(notTty.text).not.toMatch(/\n\s+at /);
    expect((await run(['probe', path, '--only', 'morse'])).code).toBe(64);
    expect((await run(['probe'])).code).toBe(64);
  });
});
