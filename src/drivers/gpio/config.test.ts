import { describe, expect, it } from 'vitest';
import { Hd44780CfgSchema } from '../hd44780/config.js';
import { IoBoardPanelCfgSchema } from '../io-board/config.js';
import { St7920CfgSchema } from '../st7920/config.js';
import { GpioPanelCfgSchema } from './config.js';

const pins = {
  cash: 'GPIO5', card: 'GPIO6', cancel: 'GPIO13', confirm: 'GPIO19', moreTime: 'GPIO26', door: 'GPIO17', tamper: 'GPIO27',
  ledReady: 'GPIO22', ledCash: 'GPIO23', ledCard: 'GPIO24', ledFault: 'GPIO25', buzzer: 'GPIO18',
};

describe('display and panel config schemas', () => {
  it('fills the documented defaults', () => {
    const p = GpioPanelCfgSchema.parse({ driver: 'gpio', pins });
    expect(p.debounceMs).toBe(30);
    expect(p.activeLow).toEqual({ buttons: true, door: false, tamper: false, leds: false, buzzer: false });
    const lcd = Hd44780CfgSchema.parse({ driver: 'hd44780', io: { kind: 'firmata', port: { path: '/dev/ttyACM0' } } });
    expect(lcd.address).toBe(0x27);
    expect(lcd.io).toEqual({ kind: 'firmata', port: { path: '/dev/ttyACM0', baudRate: 57600, binding: 'real' } });
    expect(Hd44780CfgSchema.parse({ driver: 'hd44780', io: { kind: 'i2c' } }).io).toEqual({ kind: 'i2c', bus: 1 });
    expect(St7920CfgSchema.parse({ driver: 'st7920', spi: {} }).spi).toEqual({ bus: 0, device: 0, speedHz: 500_000, mode: 3, chipSelectHigh: true });
  });

  it('refuses raw sysfs numbers, unknown keys and missing pins', () => {
    expect(GpioPanelCfgSchema.safeParse({ driver: 'gpio', pins: { ...pins, door: '529' } }).success).toBe(false);
    expect(GpioPanelCfgSchema.safeParse({ driver: 'gpio', pins, extra: 1 }).success).toBe(false);
    const { buzzer: _b, ...noBuzzer } = pins;
    expect(GpioPanelCfgSchema.safeParse({ driver: 'gpio', pins: noBuzzer }).success).toBe(false);
    expect(IoBoardPanelCfgSchema.safeParse({ driver: 'io-board', io: { kind: 'firmata', port: { path: '/dev/ttyACM0' } }, pins: { ...pins } }).success).toBe(false);
    expect(Hd44780CfgSchema.safeParse({ driver: 'hd44780', io: { kind: 'i2c', bus: 1 }, address: 0x100 }).success).toBe(false);
  });
});
