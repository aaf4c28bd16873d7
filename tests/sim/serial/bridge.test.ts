import { describe, it, expect } from 'vitest';
import { SerialLink } from '../../../src/drivers/serial/index.js';
import { attachToMockPort, unplugMockPort } from './mock-bridge.js';
import { attachToPty, openPtyPair, socatAvailable } from './pty.js';
import type { DeviceSide } from './device-side.js';

/** An echo device that answers every chunk with its bytes reversed: enough to prove both directions. */
function reverser(): DeviceSide & { got: Buffer[] } {
  let send: ((b: Buffer) => void) | undefined;
  const got: Buffer[] = [];
  return {
    got,
    receive(chunk) { got.push(chunk); send?.(Buffer.from(chunk).reverse()); },
    attach(s) { send = s; },
  };
}

function nextData(link: SerialLink, bytes: number): Promise<Buffer> {
  return new Promise((resolve) => {
    let acc = Buffer.alloc(0);
    const off = link.onData((c) => { acc = Buffer.concat([acc, c]); if (acc.length >= bytes) { off(); resolve(acc); } });
  });
}

describe('serial bridges', () => {
  it('carries bytes both ways over SerialPortMock and reports an unplug', async () => {
    const sim = reverser();
    attachToMockPort('/dev/sim-bridge-test', sim);
    const link = await SerialLink.open({ path: '/dev/sim-bridge-test', baudRate: 9600, binding: 'mock' });
    const reply = nextData(link, 3);
    await link.write(Uint8Array.from([1, 2, 3]));
    expect([...(await reply)]).toEqual([3, 2, 1]);
    const closed = new Promise<void>((r) => link.onClose(() => r()));
    await unplugMockPort('/dev/sim-bridge-test');
    await closed;
    expect(link.isOpen).toBe(false);
    await expect(link.write(Uint8Array.from([1]))).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_OFFLINE', disconnected: true });
  });

  it.runIf(socatAvailable() || process.env.CI === 'true')('carries bytes both ways over a socat PTY pair with the real binding', async () => {
    const pair = await openPtyPair();
    const sim = reverser();
    const dev = await attachToPty(pair.devicePath, sim);
    const link = await SerialLink.open({ path: pair.hostPath, baudRate: 9600 });
    const reply = nextData(link, 4);
    await link.write(Uint8Array.from([9, 8, 7, 6]));
    expect([...(await reply)].sort()).toEqual([6, 7, 8, 9]);
    await link.close();
    await dev.close();
    await pair.close();
  });
});
