import { z } from 'zod';

/** The Arduino's USB serial port; StandardFirmata talks 57600 baud. */
export const FirmataPortCfgSchema = z.strictObject({
  path: z.string().min(1),
  baudRate: z.number().int().min(1).default(57600),
  /** `mock` opens a SerialPortMock port (simulators); `real` the OS device. */
  binding: z.enum(['real', 'mock']).default('real'),
});
export type FirmataPortCfg = z.infer<typeof FirmataPortCfgSchema>;

export const FirmataIoCfgSchema = z.strictObject({ kind: z.literal('firmata'), port: FirmataPortCfgSchema });
export type FirmataIoCfg = z.infer<typeof FirmataIoCfgSchema>;

const arduinoPin = z.number().int().min(0).max(69);

/** Panel wired to an Arduino running StandardFirmata, driven through johnny-five. Pins are Arduino numbers. */
export const IoBoardPanelCfgSchema = z.strictObject({
  driver: z.literal('io-board'),
  io: FirmataIoCfgSchema,
  pins: z.strictObject({
    cash: arduinoPin, card: arduinoPin, cancel: arduinoPin, confirm: arduinoPin, moreTime: arduinoPin,
    door: arduinoPin, tamper: arduinoPin,
    ledReady: arduinoPin, ledCash: arduinoPin, ledCard: arduinoPin, ledFault: arduinoPin, buzzer: arduinoPin,
  }),
  activeLow: z.strictObject({
    buttons: z.boolean().default(true),
    door: z.boolean().default(false),
    tamper: z.boolean().default(false),
    leds: z.boolean().default(false),
    buzzer: z.boolean().default(false),
  }).prefault({}),
  /** Buttons use the AVR's internal pull-ups (Firmata PULLUP mode). */
  pullUps: z.boolean().default(true),
  debounceMs: z.number().int().min(5).max(500).default(30),
  readyTimeoutMs: z.number().int().min(500).max(60_000).default(10_000),
});
export type IoBoardPanelCfg = z.infer<typeof IoBoardPanelCfgSchema>;
export type IoBoardPanelCfgInput = z.input<typeof IoBoardPanelCfgSchema>;
