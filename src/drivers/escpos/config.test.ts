import { describe, it, expect } from 'vitest';
import pino from 'pino';
import { ManualClock } from '../../hal/index.js';
import { EscposPrinterConfigSchema, createEscposPrinter } from './config.js';

const logger = pino({ level: 'silent' });

describe('EscposPrinterConfigSchema', () => {
  it('fills the defaults', () => {
    expect(EscposPrinterConfigSchema.parse({ driver: 'escpos', transport: 'serial', port: { path: '/dev/ttyUSB1' } })).toEqual({
      driver: 'escpos', transport: 'serial', port: { path: '/dev/ttyUSB1', baudRate: 19200, binding: 'real' }, paperWidthMm: 80, statusPollMs: 5000,
    });
  });

  it('rejects unknown keys, other widths and transports', () => {
    const base = { driver: 'escpos', transport: 'usblp', port: { path: '/dev/usb/lp0' } };
    expect(EscposPrinterConfigSchema.safeParse(base).success).toBe(true);
    for (const bad of [
      { ...base, paperWidthMm: 76 }, { ...base, transport: 'usb' }, { ...base, extra: 1 }, { ...base, port: { path: '/dev/usb/lp0', parity: 'even' } },
      { ...base, port: { path: '' } }, { ...base, statusPollMs: 10 }, { ...base, driver: 'star' },
    ]) expect(EscposPrinterConfigSchema.safeParse(bad).success).toBe(false);
  });
});

describe('createEscposPrinter', () => {
  it('builds a printer with the paper width as columns', () => {
    const clock = new ManualClock();
    const cfg = EscposPrinterConfigSchema.parse({ driver: 'escpos', transport: 'serial', port: { path: '/dev/x', binding: 'mock' }, paperWidthMm: 58 });
    const p = createEscposPrinter(cfg, { clock, timers: clock, logger, language: 'zh-CN' });
    expect(p.columns()).toBe(32);
    expect(p.kind).toBe('receiptPrinter');
    expect(p.status()).toMatchObject({ state: 'offline', reason: 'closed' });
  });

  it('refuses the mock binding on the usblp transport', () => {
    const clock = new ManualClock();
    const cfg = EscposPrinterConfigSchema.parse({ driver: 'escpos', transport: 'usblp', port: { path: '/dev/usb/lp0', binding: 'mock' } });
    expect(() => createEscposPrinter(cfg, { clock, timers: clock, logger, language: 'en' })).toThrow(expect.objectContaining({ code: 'KIOSK_E_CONFIG_INVALID' }));
  });
});
