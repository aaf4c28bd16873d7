import { z } from 'zod';
import type { HidOpener } from '../../hal/hid.js';
import type { ScannerContext } from '../serial-scanner/index.js';
import { HidPosScanner, WedgeScanner } from './hid-scanners.js';
import { createNodeHidOpener } from './node-hid-link.js';

const int = (min: number, max: number): z.ZodNumber => z.number().int().min(min).max(max);
const usbId = int(0, 0xffff);

const common = {
  vendorId: usbId,
  productId: usbId,
  /** One interface's OS path (`/dev/hidraw3`, libusb `1-1.2:1.0`); absent: found by vendor/product id. */
  path: z.string().min(1).optional(),
  /** Longest read in bytes; longer reads are dropped (counter `oversize`). */
  maxLength: int(16, 65_536).default(512),
  /** A read left unfinished this long is dropped. */
  interCharTimeoutMs: int(10, 10_000).default(200),
};

export const HidPosScannerConfigSchema = z.strictObject({ driver: z.literal('hid-pos'), ...common });
export const WedgeScannerConfigSchema = z.strictObject({
  driver: z.literal('wedge'),
  ...common,
  /** Scanner types the AIM symbology identifier before the data. */
  aim: z.boolean().default(true),
});
export const HidScannerConfigSchema = z.discriminatedUnion('driver', [HidPosScannerConfigSchema, WedgeScannerConfigSchema]);

export type HidPosScannerConfig = z.infer<typeof HidPosScannerConfigSchema>;
export type WedgeScannerConfig = z.infer<typeof WedgeScannerConfigSchema>;
export type HidScannerConfig = z.infer<typeof HidScannerConfigSchema>;

/**
 * Builds the HID scanner the configuration names. `openHid` defaults to the node-hid opener, which
 * imports node-hid only when the scanner opens.
 */
export function createHidScanner(cfg: HidScannerConfig, ctx: ScannerContext & { readonly openHid?: HidOpener }): HidPosScanner | WedgeScanner {
  const id = ctx.id ?? 'scanner';
  const logger = ctx.logger.child({ device: id, driver: cfg.driver });
  const base = {
    id, clock: ctx.clock, timers: ctx.timers, logger,
    openHid: ctx.openHid ?? createNodeHidOpener({ logger }),
    vendorId: cfg.vendorId, productId: cfg.productId,
    maxLength: cfg.maxLength, interCharTimeoutMs: cfg.interCharTimeoutMs,
    ...(cfg.path === undefined ? {} : { path: cfg.path }),
  };
  return cfg.driver === 'hid-pos' ? new HidPosScanner(base) : new WedgeScanner({ ...base, aim: cfg.aim });
}
