import type { Logger } from 'pino';
import { z } from 'zod';
import { KioskError } from '../../errors/index.js';
import type { Clock, Timers } from '../../hal/index.js';
import { SerialLink } from '../serial/index.js';
import { columnsForPaper, type ReceiptLanguage } from './encode.js';
import { EscposPrinter } from './printer.js';
import { UsbLpLink } from './usblp-link.js';

/** `devices.printer` for an ESC/POS printer on a serial line or the USB printer class (`/dev/usb/lp*`). */
export const EscposPrinterConfigSchema = z.strictObject({
  driver: z.literal('escpos'),
  transport: z.enum(['serial', 'usblp']),
  port: z.strictObject({
    /** `/dev/ttyUSB0`, `/dev/ttyS1`… for serial; `/dev/usb/lp0` for usblp. */
    path: z.string().min(1),
    /** Serial only (usblp ignores it). */
    baudRate: z.number().int({ error: 'must be an integer' }).min(1, { error: 'must be >= 1' }).default(19200),
    /** Serial only: `mock` opens a SerialPortMock port (simulators). */
    binding: z.enum(['real', 'mock']).default('real'),
  }),
  paperWidthMm: z.union([z.literal(58), z.literal(80)], { error: 'must be 58 or 80' }).default(80),
  statusPollMs: z.number().int({ error: 'must be an integer' }).min(1000, { error: 'must be >= 1000' }).max(600_000, { error: 'must be <= 600000' }).default(5000),
});
export type EscposPrinterConfig = z.infer<typeof EscposPrinterConfigSchema>;

export interface EscposPrinterContext {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly language: ReceiptLanguage;
}

/** Builds the printer a parsed `devices.printer` entry names. */
export function createEscposPrinter(cfg: EscposPrinterConfig, ctx: EscposPrinterContext): EscposPrinter {
  if (cfg.transport === 'usblp' && cfg.port.binding === 'mock') {
    const message = 'binding "mock" exists for serial ports only';
    throw new KioskError('KIOSK_E_CONFIG_INVALID', `devices.printer.port.binding: ${message}`, {
      details: { issues: [{ path: 'devices.printer.port.binding', message }] },
    });
  }
  const logger = ctx.logger.child({ device: 'printer', driver: 'escpos' });
  const openLink = cfg.transport === 'serial'
    ? () => SerialLink.open({ path: cfg.port.path, baudRate: cfg.port.baudRate, binding: cfg.port.binding })
    : () => UsbLpLink.open({ path: cfg.port.path, timers: ctx.timers });
  return new EscposPrinter({
    id: 'printer', openLink, clock: ctx.clock, timers: ctx.timers, logger, language: ctx.language,
    columns: columnsForPaper(cfg.paperWidthMm), statusPollMs: cfg.statusPollMs,
  });
}
