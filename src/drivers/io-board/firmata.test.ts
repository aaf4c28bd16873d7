import { SerialPortMock } from 'serialport';
import { describe, expect, it } from 'vitest';
import { isKioskError } from '../../errors/index.js';
import { ManualClock } from '../../hal/clock.js';
import { openFirmataIo } from './firmata.js';

async function untilSettled<T>(p: Promise<T>, clock: ManualClock, stepMs: number): Promise<T> {
  let done = false;
  const w = p.finally(() => { done = true; });
  w.catch(() => undefined);
  for (let i = 0; i < 50 && !done; i++) {
    await new Promise((r) => setImmediate(r));
    if (!done) clock.advance(stepMs);
  }
  return w;
}

describe('firmata-io over a serialport-13 port', () => {
  it('fails fast as offline when the port does not exist', async () => {
    const clock = new ManualClock();
    const err = await openFirmataIo({ path: '/dev/kioskd-no-such-arduino', baudRate: 57600, binding: 'mock' }, { timers: clock, readyTimeoutMs: 5000 })
      .catch((e: unknown) => e);
    expect(isKioskError(err, 'KIOSK_E_DEVICE_OFFLINE')).toBe(true);
    expect(isKioskError(err) && err.disconnected).toBe(true);
  });

  it('gives up at the ready timeout when no Firmata answers, and releases the port', async () => {
    const path = '/dev/kioskd-firmata-silent';
    SerialPortMock.binding.createPort(path);
    const clock = new ManualClock();
    const err = await untilSettled(openFirmataIo({ path, baudRate: 57600, binding: 'mock' }, { timers: clock, readyTimeoutMs: 3000 }), clock, 500)
      .catch((e: unknown) => e);
    expect(isKioskError(err, 'KIOSK_E_DEVICE_OFFLINE')).toBe(true);
    expect(clock.monoMs()).toBeGreaterThanOrEqual(3000);
    expect(clock.pendingCount()).toBe(0);
    // A mock port that was left open would refuse this second open as locked.
    const again = await untilSettled(openFirmataIo({ path, baudRate: 57600, binding: 'mock' }, { timers: clock, readyTimeoutMs: 1000 }), clock, 500)
      .catch((e: unknown) => e);
    expect(isKioskError(again, 'KIOSK_E_DEVICE_OFFLINE')).toBe(true);
    expect(isKioskError(again) && String(again.message)).toContain('no StandardFirmata answer');
  });
});
