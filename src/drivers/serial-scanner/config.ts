import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock, LinkFactory, Timers } from '../../hal/index.js';
import { SerialLink } from '../serial/index.js';
import { SerialScanner } from './serial-scanner.js';

const int = (min: number, max: number): z.ZodNumber => z.number().int().min(min).max(max);

export const SerialScannerConfigSchema = z.strictObject({
  driver: z.literal('serial'),
  port: z.strictObject({
    path: z.string().min(1),
    baudRate: int(300, 921_600).default(9600),
    /** `mock` opens a SerialPortMock port (simulators); `real` the OS device. */
    binding: z.enum(['real', 'mock']).default('real'),
  }),
  /** Line end the scanner is programmed to append. */
  suffix: z.enum(['cr', 'lf', 'crlf']).default('cr'),
  /** Scanner sends the AIM symbology identifier (`]C1`, `]Q1`…) before the data. */
  aim: z.boolean().default(true),
  /** Longest read in bytes; longer runs are dropped (counter `oversize`). */
  maxLength: int(16, 65_536).default(512),
  /** A read without its suffix for this long is dropped (counter `garbage`). */
  interCharTimeoutMs: int(10, 10_000).default(200),
});
export type SerialScannerConfig = z.infer<typeof SerialScannerConfigSchema>;

export interface ScannerContext {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** Device id; defaults to `scanner`. */
  readonly id?: string;
}

/** Builds the serial / USB-CDC scanner the configuration names. `openLink` replaces the serialport line (tests). */
export function createSerialScanner(cfg: SerialScannerConfig, ctx: ScannerContext & { readonly openLink?: LinkFactory }): SerialScanner {
  const id = ctx.id ?? 'scanner';
  return new SerialScanner({
    id,
    clock: ctx.clock,
    timers: ctx.timers,
    logger: ctx.logger.child({ device: id, driver: cfg.driver }),
    openLink: ctx.openLink ?? (() => SerialLink.open({ path: cfg.port.path, baudRate: cfg.port.baudRate, binding: cfg.port.binding })),
    suffix: cfg.suffix,
    aim: cfg.aim,
    maxLength: cfg.maxLength,
    interCharTimeoutMs: cfg.interCharTimeoutMs,
    portPath: cfg.port.path,
  });
}
