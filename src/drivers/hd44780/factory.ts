import type { Logger } from 'pino';
import type { Clock, Display, Timers } from '../../hal/index.js';
import type { J5IoOpener } from '../../hal/j5-io.js';
import { openFirmataIo } from '../io-board/index.js';
import { St7920Display, openSpiDevice, type SpiLink, type St7920Cfg } from '../st7920/index.js';
import type { Hd44780Cfg } from './config.js';
import { Hd44780Display } from './display.js';
import { openI2cBusIo } from './i2c-bus-io.js';

export type DisplayCfg = Hd44780Cfg | St7920Cfg;

export interface DisplayContext {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly id?: string;
  /** HD44780: replaces the configured IO plugin (a simulator, or a Firmata plugin shared with the panel). */
  readonly io?: J5IoOpener;
  /** ST7920: replaces spi-device (a simulator). */
  readonly spi?: () => Promise<SpiLink>;
}

/** Builds the display the configuration names. Nothing is opened or loaded until open(). */
export function createDisplay(cfg: DisplayCfg, ctx: DisplayContext): Display {
  const logger = ctx.logger.child({ device: 'display', driver: cfg.driver });
  switch (cfg.driver) {
    case 'hd44780': {
      const io = cfg.io;
      const openIo: J5IoOpener = ctx.io ?? (io.kind === 'firmata'
        ? () => openFirmataIo(io.port, { timers: ctx.timers, readyTimeoutMs: cfg.readyTimeoutMs })
        : () => openI2cBusIo(io.bus));
      return new Hd44780Display({
        id: ctx.id, clock: ctx.clock, timers: ctx.timers, logger, openIo, address: cfg.address, controller: cfg.controller,
        readyTimeoutMs: cfg.readyTimeoutMs, probeTimeoutMs: cfg.probeTimeoutMs,
      });
    }
    case 'st7920': {
      const spi = cfg.spi;
      return new St7920Display({
        id: ctx.id, logger, path: `spidev${spi.bus}.${spi.device}`,
        openSpi: ctx.spi ?? (() => openSpiDevice({ bus: spi.bus, device: spi.device, speedHz: spi.speedHz, mode: spi.mode, chipSelectHigh: spi.chipSelectHigh })),
      });
    }
  }
}
