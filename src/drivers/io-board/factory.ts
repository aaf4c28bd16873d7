import type { Logger } from 'pino';
import type { Clock, Panel, Timers } from '../../hal/index.js';
import type { GpioOpener } from '../../hal/gpio.js';
import type { J5IoOpener } from '../../hal/j5-io.js';
import { GpioPanel, onoffOpener, type GpioPanelCfg } from '../gpio/index.js';
import type { IoBoardPanelCfg } from './config.js';
import { openFirmataIo } from './firmata.js';
import { IoBoardPanel } from './panel.js';

export type PanelCfg = GpioPanelCfg | IoBoardPanelCfg;

export interface PanelContext {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly id?: string;
  /** Replaces the onoff GPIO opener (tests: the in-memory bank). */
  readonly gpio?: GpioOpener;
  /** Replaces /sys/class/gpio when resolving `GPIOnn` names. */
  readonly sysfsRoot?: string;
  /** Replaces the Firmata-over-serial IO plugin (tests: a simulated plugin; or one shared with the LCD). */
  readonly io?: J5IoOpener;
}

/** Builds the panel the configuration names. Nothing is opened or loaded until open(). */
export function createPanel(cfg: PanelCfg, ctx: PanelContext): Panel {
  const logger = ctx.logger.child({ device: 'panel', driver: cfg.driver });
  switch (cfg.driver) {
    case 'gpio':
      return new GpioPanel({
        id: ctx.id, timers: ctx.timers, logger, pins: cfg.pins, activeLow: cfg.activeLow, debounceMs: cfg.debounceMs,
        opener: ctx.gpio ?? onoffOpener(), sysfsRoot: ctx.sysfsRoot, chipLabel: cfg.chipLabel,
      });
    case 'io-board':
      return new IoBoardPanel({
        id: ctx.id, timers: ctx.timers, logger, pins: cfg.pins, activeLow: cfg.activeLow, debounceMs: cfg.debounceMs,
        pullUps: cfg.pullUps, readyTimeoutMs: cfg.readyTimeoutMs,
        openIo: ctx.io ?? (() => openFirmataIo(cfg.io.port, { timers: ctx.timers, readyTimeoutMs: cfg.readyTimeoutMs })),
      });
  }
}
