import { KioskError } from '../../src/errors/index.js';
import { SerialLink } from '../../src/drivers/serial/index.js';
import { EscposPrinter } from '../../src/drivers/escpos/index.js';
import { systemClock, systemTimers } from '../../src/hal/index.js';
import { deviceContractTests } from '../sim/fakes/contract.js';
import { attachToMockPort, unplugMockPort } from '../sim/serial/mock-bridge.js';
import { EscposPrinterSim } from '../sim/escpos/index.js';

let portNo = 0;

// The HAL lifecycle contract, run in real time against the driver on its wire-level simulator. Unplugged
// means the USB-serial adapter is gone: the open port fails and opening it again fails until replugged.
deviceContractTests('EscposPrinter (SerialPortMock + simulator)', () => {
  const path = `/dev/escpos-contract-${process.pid}-${++portNo}`;
  const sim = new EscposPrinterSim({ columns: 48 });
  attachToMockPort(path, sim);
  let unplugged = false;
  const device = new EscposPrinter({
    id: 'printer', clock: systemClock, timers: systemTimers, columns: 48, language: 'en', statusTimeoutMs: 300,
    openLink: () => (unplugged
      ? Promise.reject(new KioskError('KIOSK_E_DEVICE_OFFLINE', 'no such port', { disconnected: true, retryable: true }))
      : SerialLink.open({ path, baudRate: 19200, binding: 'mock' })),
  });
  return {
    device,
    async unplug() {
      unplugged = true;
      await unplugMockPort(path);
      for (let i = 0; i < 100 && device.status().state !== 'offline'; i++) await new Promise((r) => setTimeout(r, 5));
    },
    replug() { unplugged = false; },
  };
}, { unplug: true });
