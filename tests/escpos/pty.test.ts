import { describe, it, expect } from 'vitest';
import { SerialLink } from '../../src/drivers/serial/index.js';
import { EscposPrinter, UsbLpLink } from '../../src/drivers/escpos/index.js';
import { systemClock, systemTimers, type LinkFactory } from '../../src/hal/index.js';
import { buildReceipt } from '../../src/runtime/receipt/layout.js';
import { attachToPty, openPtyPair, socatAvailable } from '../sim/serial/pty.js';
import { EscposPrinterSim } from '../sim/escpos/index.js';
import { RECEIPT_ZH } from './rig.js';

async function happyPath(openLink: (hostPath: string) => LinkFactory): Promise<void> {
  const pair = await openPtyPair();
  const sim = new EscposPrinterSim({ columns: 32 });
  const dev = await attachToPty(pair.devicePath, sim);
  const p = new EscposPrinter({ id: 'printer-pty', clock: systemClock, timers: systemTimers, columns: 32, language: 'zh-CN', openLink: openLink(pair.hostPath) });
  try {
    await p.open();
    expect(p.status().state).toBe('online');
    const res = await p.print(buildReceipt(RECEIPT_ZH, 'zh-CN'));
    expect(res).toEqual({ printed: true });
    const rec = sim.receipts()[0]!;
    expect(rec.cut).toBe(true);
    expect(sim.lastReceiptText()).toContain('杭州市水务集团');
    expect(sim.lastReceiptText()).toContain('123.45 CNY');
    expect(rec.qr).toEqual(['https://r.example.cn/e/K7QF-2M9X-PA4C']);
    expect(rec.barcodes).toEqual(['K7QF-2M9X-PA4C']);
    expect(await p.identify()).toMatchObject({ model: 'SIM-T80' });
  } finally {
    await p.close();
    await dev.close();
    await pair.close();
  }
}

describe('ESC/POS over a socat PTY pair', () => {
  it.runIf(socatAvailable() || process.env.CI === 'true')('prints a Chinese receipt through SerialLink with the real serialport binding', async () => {
    await happyPath((path) => () => SerialLink.open({ path, baudRate: 19200 }));
  }, 30_000);

  // A PTY is a character device that answers a non-blocking read with EAGAIN, as /dev/usb/lp* does.
  it.runIf(socatAvailable() || process.env.CI === 'true')('prints a Chinese receipt through UsbLpLink (fs handle, polled reads)', async () => {
    await happyPath((path) => () => UsbLpLink.open({ path }));
  }, 30_000);
});
