import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseIntelHex, toIntelHex } from '../../src/cli/flash/intel-hex.js';
import { progressBar } from '../../src/cli/commands/flash.js';
import { run } from '../../src/cli/run.js';
import { isKioskError } from '../../src/errors/index.js';
import { attachToMockPort } from '../sim/serial/mock-bridge.js';
import { Stk500BootloaderSim } from '../sim/stk500/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kioskctl-flash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const detach: (() => void)[] = [];
afterEach(() => { for (const d of detach.splice(0)) d(); });

const firmware = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7 + 3) & 0xff);
const hexFile = join(dir, 'io-board.hex');
writeFileSync(hexFile, toIntelHex({ start: 0, data: firmware }));
let n = 0;

describe('Intel HEX', () => {
  it('parses data, extended linear addresses and the EOF record, with gaps erased to 0xFF', () => {
    const text = [':020000040001F9', ':0400100001020304E2', ':00000001FF'].join('\n');
    const img = parseIntelHex(text);
    expect(img.start).toBe(0x10010);
    expect([...img.data]).toEqual([1, 2, 3, 4]);
    const round = parseIntelHex(toIntelHex({ start: 0, data: firmware }));
    expect([...round.data]).toEqual([...firmware]);
  });

  it('refuses a bad checksum, a missing EOF and text that is not HEX, with KIOSK_E_FIRMWARE_INVALID', () => {
    for (const bad of [':0400100001020304E3\n:00000001FF', ':0400100001020304E2', 'hello world\n', ':04001000010203\n:00000001FF']) {
      let err: unknown;
      try { parseIntelHex(bad); } catch (e) { err = e; }
      expect(isKioskError(err, 'KIOSK_E_FIRMWARE_INVALID')).toBe(true);
    }
  });

  it('draws a progress bar', () => {
    expect(progressBar({ phase: 'write', done: 4, total: 8 }, 10)).toBe('[#####-----]  50% writing   4/8 pages');
  });
});

describe('kioskctl flash io-board (STK500v1 bootloader simulator)', () => {
  it('writes every page and verifies it by reading back', async () => {
    const port = `/dev/arduino-${++n}`;
    const sim = new Stk500BootloaderSim();
    detach.push(attachToMockPort(port, sim));
    const r = await run(['flash', 'io-board', hexFile, '--port', port, '--binding', 'mock', '--json']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ mcu: 'ATmega328P', bytes: 1000, pages: 8, verified: true });
    expect([...sim.flash.subarray(0, 1000)]).toEqual([...firmware]);
    expect(sim.flash[1000]).toBe(0xff);
    expect(sim.commands.filter((c) => c === 0x64)).toHaveLength(8);
    expect(sim.commands.filter((c) => c === 0x74)).toHaveLength(8);
  });

  it('a flash cell that reads back wrong: verification fails with exit 74', async () => {
    const port = `/dev/arduino-${++n}`;
    detach.push(attachToMockPort(port, new Stk500BootloaderSim({ stuckBit: 300 })));
    const r = await run(['flash', 'io-board', hexFile, '--port', port, '--binding', 'mock', '--json']);
    expect(r.code).toBe(74);
    expect(r.json).toMatchObject({ error: 'verify-failed', mismatchAt: 300 });
  });

  it('no bootloader answering: exit 69 with advice; not Intel HEX: 65; missing file: 66; too big for the chip: 65', async () => {
    const port = `/dev/arduino-${++n}`;
    detach.push(attachToMockPort(port, new Stk500BootloaderSim({ silent: true })));
    const silent = await run(['flash', 'io-board', hexFile, '--port', port, '--binding', 'mock', '--timeout-ms', '50']);
    expect(silent.code).toBe(69);
    expect(silent.text).toContain('no STK500 bootloader answered');
    const notHex = join(dir, 'firmware.bin');
    writeFileSync(notHex, Buffer.from([0x0c, 0x94, 0x5c, 0x00, 0x0c, 0x94]));
    const r65 = await run(['flash', 'io-board', notHex, '--port', port, '--binding', 'mock']);
    expect(r65.code).toBe(65);
    expect(r65.text).toContain('not valid Intel HEX');
    expect((await run(['flash', 'io-board', join(dir, 'nope.hex'), '--port', port])).code).toBe(66);
    const big = join(dir, 'big.hex');
    writeFileSync(big, toIntelHex({ start: 0, data: new Uint8Array(33_000) }));
    const port2 = `/dev/arduino-${++n}`;
    detach.push(attachToMockPort(port2, new Stk500BootloaderSim()));
    expect((await run(['flash', 'io-board', big, '--port', port2, '--binding', 'mock'])).code).toBe(65);
    expect((await run(['flash', 'io-board', hexFile])).code).toBe(64);
    expect((await run(['flash', 'io-board', hexFile, '--port', '/dev/no-such-arduino'])).code).toBe(66);
  });
});
