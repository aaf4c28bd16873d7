import type { Logger } from 'pino';
import type { Timers } from '../../hal/index.js';
import type { GpioOpener, GpioPort } from '../../hal/gpio.js';
import { PANEL_INPUTS, PANEL_OUTPUTS, PanelCore, type ActiveLow, type PanelInput, type PanelOutput } from './panel-core.js';
import { resolvePins } from './pins.js';

export type GpioPanelPins = Readonly<Record<PanelInput | PanelOutput, string>>;

export interface GpioPanelOptions {
  readonly id?: string;
  readonly timers: Timers;
  readonly logger?: Logger;
  /** Line names like `GPIO17`, resolved against the SoC chip's base at every open(). */
  readonly pins: GpioPanelPins;
  readonly activeLow: ActiveLow;
  readonly debounceMs: number;
  readonly opener: GpioOpener;
  /** Where the `gpiochip*` directories are; tests point this at a fake tree. Default /sys/class/gpio. */
  readonly sysfsRoot?: string;
  readonly chipLabel?: string;
  readonly onListenerError?: (err: unknown, event: string) => void;
}

/** The panel on the Pi's GPIO header. */
export class GpioPanel extends PanelCore {
  constructor(opts: GpioPanelOptions) {
    super({
      id: opts.id, timers: opts.timers, logger: opts.logger, activeLow: opts.activeLow, debounceMs: opts.debounceMs,
      onListenerError: opts.onListenerError,
      identity: { model: 'GPIO panel', serial: Object.values(opts.pins).join(','), firmware: 'sysfs', protocol: 'gpio', extra: { debounceMs: opts.debounceMs } },
      openLines: async () => {
        const lines = await resolvePins(opts.pins, { sysfsRoot: opts.sysfsRoot, chipLabel: opts.chipLabel });
        const opened: GpioPort[] = [];
        const open = async (name: PanelInput | PanelOutput, direction: 'in' | 'out', initial?: 0 | 1): Promise<GpioPort> => {
          const port = await opts.opener({ line: lines[name], direction, initial });
          opened.push(port);
          return port;
        };
        try {
          const inputs = {} as Record<PanelInput, GpioPort>;
          const outputs = {} as Record<PanelOutput, GpioPort>;
          for (const name of PANEL_INPUTS) inputs[name] = await open(name, 'in');
          for (const name of PANEL_OUTPUTS) {
            const low = name === 'buzzer' ? opts.activeLow.buzzer : opts.activeLow.leds;
            outputs[name] = await open(name, 'out', low ? 1 : 0);
          }
          return { inputs, outputs, release: async () => { for (const p of opened) p.unexport(); } };
        } catch (err) {
          for (const p of opened) p.unexport();
          throw err;
        }
      },
    });
  }
}
