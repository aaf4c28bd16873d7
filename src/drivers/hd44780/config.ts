import { z } from 'zod';
import { FirmataIoCfgSchema } from '../io-board/config.js';

/** Where the PCF8574 backpack's I²C comes from: an Arduino running StandardFirmata, or the Pi's own bus. */
export const LcdIoCfgSchema = z.discriminatedUnion('kind', [
  FirmataIoCfgSchema,
  z.strictObject({ kind: z.literal('i2c'), bus: z.number().int().min(0).max(31).default(1) }),
]);
export type LcdIoCfg = z.infer<typeof LcdIoCfgSchema>;

/** HD44780 20×4 behind a PCF8574 I²C backpack, driven through johnny-five. */
export const Hd44780CfgSchema = z.strictObject({
  driver: z.literal('hd44780'),
  io: LcdIoCfgSchema,
  /** 0x27 (PCF8574/T) or 0x3F (PCF8574A/AT) unless the A0–A2 jumpers say otherwise. */
  address: z.number().int().min(0x08).max(0x77).default(0x27),
  /** johnny-five controller name; every PCF8574 alias shares one pin map. */
  controller: z.enum(['PCF8574', 'PCF8574A', 'PCF8574AT', 'PCF8574T', 'LCM1602', 'LCD1602', 'LCM1602IIC', 'LCD2004']).default('PCF8574'),
  readyTimeoutMs: z.number().int().min(500).max(60_000).default(10_000),
  probeTimeoutMs: z.number().int().min(50).max(10_000).default(2000),
});
export type Hd44780Cfg = z.infer<typeof Hd44780CfgSchema>;
export type Hd44780CfgInput = z.input<typeof Hd44780CfgSchema>;
