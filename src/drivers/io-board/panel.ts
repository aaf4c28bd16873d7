import type { Logger } from 'pino';
import { KioskError } from '../../errors/index.js';
import type { TimerHandle, Timers } from '../../hal/index.js';
import type { GpioLevel, GpioPort } from '../../hal/gpio.js';
import type { J5IoOpener, J5IoPlugin } from '../../hal/j5-io.js';
import { PANEL_INPUTS, PANEL_OUTPUTS, PanelCore, type ActiveLow, type PanelInput, type PanelOutput } from '../gpio/index.js';
import { loadJohnnyFive, startBoard, stopBoardTimer, type J5Led, type JohnnyFive } from './johnny-five.js';

export type IoBoardPanelPins = Readonly<Record<PanelInput | PanelOutput, number>>;

export interface IoBoardPanelOptions {
  readonly id?: string;
  readonly timers: Timers;
  readonly logger?: Logger;
  readonly openIo: J5IoOpener;
  /** Arduino pin numbers. */
  readonly pins: IoBoardPanelPins;
  readonly activeLow: ActiveLow;
  /** Inputs in Firmata PULLUP mode (the AVR's internal pull-ups). */
  readonly pullUps: boolean;
  readonly debounceMs: number;
  readonly readyTimeoutMs?: number;
  /** How long to wait for the first Firmata report of an input. Default 1 s. */
  readTimeoutMs?: number;
  readonly loadFive?: () => Promise<JohnnyFive>;
  readonly onListenerError?: (err: unknown, event: string) => void;
}

/**
 * The panel on an Arduino I/O board running StandardFirmata, through johnny-five: LEDs and the (active)
 * buzzer are johnny-five `Led`s. Inputs are read through the IO plugin's `digitalRead` reports rather than
 * johnny-five `Button`s, whose lodash debounce and hold interval run on real timers; the shared
 * PanelCore debounces on the injected ones. johnny-five's `Piezo` is not used: it bit-bangs the tone
 * from a nanotimer over the serial link.
 */
export class IoBoardPanel extends PanelCore {
  constructor(opts: IoBoardPanelOptions) {
    super({
      id: opts.id, timers: opts.timers, logger: opts.logger, activeLow: opts.activeLow, debounceMs: opts.debounceMs,
      onListenerError: opts.onListenerError,
      identity: { model: 'I/O board panel', serial: 'firmata', firmware: 'StandardFirmata', protocol: 'firmata-johnny-five', extra: { debounceMs: opts.debounceMs } },
      openLines: async (lost) => {
        const handle = await opts.openIo();
        const io = handle.io;
        const onLost = (e: unknown): void => lost(e ?? new KioskError('KIOSK_E_DEVICE_OFFLINE', 'I/O board transport closed'));
        try {
          const five = await (opts.loadFive ?? loadJohnnyFive)();
          const board = await startBoard(five, io, { timers: opts.timers, readyTimeoutMs: opts.readyTimeoutMs ?? 10_000, onError: onLost });
          io.on('close', onLost);
          io.on('disconnect', onLost);
          const inputs = {} as Record<PanelInput, GpioPort>;
          const outputs = {} as Record<PanelOutput, GpioPort>;
          for (const name of PANEL_INPUTS) {
            inputs[name] = firmataInput(io, opts.pins[name], opts.pullUps, opts.timers, opts.readTimeoutMs ?? 1000);
          }
          for (const name of PANEL_OUTPUTS) outputs[name] = ledOutput(new five.Led({ board, pin: opts.pins[name] }));
          return {
            inputs, outputs,
            release: async () => {
              io.removeListener('close', onLost);
              io.removeListener('disconnect', onLost);
              stopBoardTimer(board);
              await handle.close();
            },
          };
        } catch (err) {
          await handle.close().catch(() => undefined);
          throw err;
        }
      },
    });
  }
}

function firmataInput(io: J5IoPlugin, pin: number, pullUp: boolean, timers: Timers, readTimeoutMs: number): GpioPort {
  if (pullUp && io.MODES.PULLUP !== undefined) io.pinMode(pin, io.MODES.PULLUP);
  else io.pinMode(pin, io.MODES.INPUT);
  let last: GpioLevel | undefined;
  let live = true;
  const listeners = new Set<(v: GpioLevel) => void>();
  const waiters = new Set<(v: GpioLevel) => void>();
  // Firmata reports a whole 8-pin port at a time; only real changes of this pin go out.
  io.digitalRead(pin, (raw) => {
    if (!live) return;
    const v: GpioLevel = raw ? 1 : 0;
    const changed = last !== undefined && v !== last;
    last = v;
    for (const w of [...waiters]) w(v);
    if (changed) for (const fn of [...listeners]) fn(v);
  });
  return {
    read: () => {
      if (last !== undefined) return Promise.resolve(last);
      return new Promise<GpioLevel>((resolve, reject) => {
        let timer: TimerHandle | undefined;
        const w = (v: GpioLevel): void => { waiters.delete(w); timers.clearTimeout(timer); resolve(v); };
        waiters.add(w);
        timer = timers.setTimeout(() => {
          waiters.delete(w);
          reject(new KioskError('KIOSK_E_DEVICE_TIMEOUT', `no Firmata report for pin ${pin}`, { retryable: true }));
        }, readTimeoutMs);
      });
    },
    write: () => Promise.reject(new KioskError('KIOSK_E_DEVICE_STATE', `pin ${pin} is an input`)),
    watch: (fn) => { listeners.add(fn); return () => { listeners.delete(fn); }; },
    unexport: () => { live = false; listeners.clear(); },
  };
}

function ledOutput(led: J5Led): GpioPort {
  let level: GpioLevel = 0;
  return {
    read: () => Promise.resolve(level),
    write: async (v) => {
      level = v;
      if (v === 1) led.on();
      else led.off();
    },
    watch: () => () => {},
    unexport: () => { led.stop(); },
  };
}
