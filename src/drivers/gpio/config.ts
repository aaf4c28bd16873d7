import { z } from 'zod';

const pin = z.string().regex(/^GPIO\d{1,3}$/, { error: 'must name a SoC line like "GPIO17"' });

/** Panel on the Pi's own GPIO header (sysfs through onoff). Pins are BCM line names, never sysfs numbers. */
export const GpioPanelCfgSchema = z.strictObject({
  driver: z.literal('gpio'),
  pins: z.strictObject({
    cash: pin, card: pin, cancel: pin, confirm: pin, moreTime: pin,
    door: pin, tamper: pin,
    ledReady: pin, ledCash: pin, ledCard: pin, ledFault: pin, buzzer: pin,
  }),
  /** Physical polarity. Buttons to ground with pull-ups are active-low; door/tamper loops open → 1. */
  activeLow: z.strictObject({
    buttons: z.boolean().default(true),
    door: z.boolean().default(false),
    tamper: z.boolean().default(false),
    leds: z.boolean().default(false),
    buzzer: z.boolean().default(false),
  }).prefault({}),
  debounceMs: z.number().int().min(5).max(500).default(30),
  /** Label of the GPIO chip to use; absent: the SoC controller (pinctrl-bcm2835/bcm2711/rp1). */
  chipLabel: z.string().min(1).optional(),
});
export type GpioPanelCfg = z.infer<typeof GpioPanelCfgSchema>;
export type GpioPanelCfgInput = z.input<typeof GpioPanelCfgSchema>;
