import { pino } from 'pino';
import { ManualClock } from '../../src/hal/index.js';
import type { Display } from '../../src/hal/index.js';
import { Hd44780CfgSchema, createDisplay, type Hd44780CfgInput } from '../../src/drivers/hd44780/index.js';
import { Hd44780Model, SimBoard, type SimBoardOptions } from '../sim/display/index.js';

export const silent = pino({ level: 'silent' });

export interface LcdRig {
  readonly clock: ManualClock;
  readonly board: SimBoard;
  readonly lcd: Hd44780Model;
  readonly display: Display;
}

/** An HD44780 driver on a simulated IO plugin with a PCF8574 backpack at 0x27. */
export function lcdRig(sim: SimBoardOptions = { nack: 'error' }, cfg: Partial<Hd44780CfgInput> = {}): LcdRig {
  const clock = new ManualClock();
  const board = new SimBoard(sim);
  const lcd = new Hd44780Model();
  board.attachI2c(0x27, lcd);
  const parsed = Hd44780CfgSchema.parse({ driver: 'hd44780', io: { kind: 'i2c', bus: 1 }, ...cfg });
  const display = createDisplay(parsed, { clock, timers: clock, logger: silent, io: board.opener });
  return { clock, board, lcd, display };
}

/**
 * Waits for a promise while moving a manual clock: real I/O (dynamic imports, setImmediate replies) gets
 * its turn between steps, so a driver timeout fires as soon as the clock passes it, never by waiting.
 */
export async function settleWith<T>(p: Promise<T>, clock: ManualClock, stepMs: number, maxSteps = 50): Promise<T> {
  let done = false;
  const watched = p.finally(() => { done = true; });
  watched.catch(() => undefined);
  for (let i = 0; i < maxSteps && !done; i++) {
    await new Promise((r) => setImmediate(r));
    if (!done) clock.advance(stepMs);
  }
  return watched;
}
