import { SerialPortMock } from 'serialport';
import { describe, expect, it } from 'vitest';
import { isKioskError } from '../../errors/index.js';
import { openFirmataIo } from './firmata.js';

describe('firmata-io over a serialport-13 port', () => {
  it('fails fast as offline when the port does not exist', async () => {
    const err = await openFirmataIo({ path: '/dev/kioskd-no-such-arduino', baudRate: 57600, binding: 'mock' }).catch((e: unknown) => e);
    expect(isKioskError(err, 'KIOSK_E_DEVICE_OFFLINE')).toBe(true);
    expect(isKioskError(err) && err.disconnected).toBe(true);
  });

  it('opens the port after firmata-io subscribed, so johnny-five gets `connect`; close() releases it', async () => {
    const path = '/dev/kioskd-firmata-test';
    SerialPortMock.binding.createPort(path);
    const handle = await openFirmataIo({ path, baudRate: 57600, binding: 'mock' });
    const connected = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 1000);
      handle.io.once('connect', () => { clearTimeout(t); resolve(true); });
    });
    expect(connected).toBe(true);
    expect(handle.io.name).toBe('Firmata');
    expect(handle.io.isReady).toBe(false);
    await handle.close();
    await handle.close();
  });
});
