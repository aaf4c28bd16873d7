import { z } from 'zod';

/** ST7920 128×64 (GB2312 ROM) on the Pi's SPI: `/dev/spidev<bus>.<device>`. */
export const St7920CfgSchema = z.strictObject({
  driver: z.literal('st7920'),
  spi: z.strictObject({
    bus: z.number().int().min(0).max(7).default(0),
    device: z.number().int().min(0).max(7).default(0),
    /** The ST7920 serial clock tops out near 2.5 MHz at 5 V and lower at 3.3 V. */
    speedHz: z.number().int().min(10_000).max(2_500_000).default(500_000),
    mode: z.union([z.literal(0), z.literal(3)]).default(3),
    /** The module's CS (labelled RS) is active high. */
    chipSelectHigh: z.boolean().default(true),
  }),
});
export type St7920Cfg = z.infer<typeof St7920CfgSchema>;
export type St7920CfgInput = z.input<typeof St7920CfgSchema>;
