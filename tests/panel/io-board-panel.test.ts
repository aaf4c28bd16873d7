import { describe, expect, it } from 'vitest';
import { isKioskError } from '../../src/errors/index.js';
import { IoBoardPanelCfgSchema, createPanel } from '../../src/drivers/io-board/index.js';
import { ManualClock } from '../../src/hal/index.js';
import type { Panel, PanelButton } from '../../src/hal/index.js';
import { deviceContractTests } from '../sim/fakes/contract.js';
import { SimBoard } from '../sim/display/index.js';
import { settleWith, silent } from '../display/rig.js';

const PINS = { cash: 2, card: 3, cancel: 4, confirm: 5, moreTime: 6, door: 7, tamper: 8, ledReady: 9, ledCash: 10, ledCard: 11, ledFault: 12, buzzer: 13 };

function rig(ready: 'immediate' | 'never' = 'immediate'): { clock: ManualClock; board: SimBoard; panel: Panel; buttons: PanelButton[] } {
  const clock = new ManualClock();
  const board = new SimBoard({ ready });
  board.setInput(PINS.door, 0);
  board.setInput(PINS.tamper, 0);
  const cfg = IoBoardPanelCfgSchema.parse({ driver: 'io-board', io: { kind: 'firmata', port: { path: '/dev/ttyACM0' } }, pins: PINS, readyTimeoutMs: 2000 });
  const panel = createPanel(cfg, { clock, timers: clock, logger: silent, io: board.opener });
  const buttons: PanelButton[] = [];
  panel.on('button', (b) => buttons.push(b.button));
  return { clock, board, panel, buttons };
}

describe('IoBoardPanel (johnny-five on a simulated Firmata board)', () => {
  it('opens without a SIGINT handler and starts with every output off', async () => {
    const sigint = process.listenerCount('SIGINT');
    const { panel, board } = rig();
    await panel.open();
    expect(process.listenerCount('SIGINT')).toBe(sigint);
    expect(panel.status().state).toBe('online');
    for (const pin of [9, 10, 11, 12, 13]) expect(board.output(pin)).toBe(0);
    await panel.close();
  });

  it('debounces a bouncing button into one event, and reports door and tamper', async () => {
    const { panel, board, clock, buttons } = rig();
    const doors: boolean[] = [];
    panel.on('door', (d) => doors.push(d.open));
    await panel.open();
    await panel.enable();
    for (let i = 0; i < 4; i++) {
      board.setInput(PINS.cash, 0);
      clock.advance(3);
      board.setInput(PINS.cash, 1);
      clock.advance(3);
    }
    board.setInput(PINS.cash, 0);
    clock.advance(30);
    expect(buttons).toEqual(['cash']);
    board.setInput(PINS.door, 1);
    clock.advance(30);
    expect(doors).toEqual([true]);
    expect(panel.doorOpen()).toBe(true);
    board.setInput(PINS.tamper, 1);
    clock.advance(30);
    expect(panel.status().state).toBe('fraud');
    await panel.close();
  });

  it('switches LEDs and the buzzer through johnny-five Leds', async () => {
    const { panel, board, clock } = rig();
    await panel.open();
    await panel.setLed('card', true);
    expect(board.output(PINS.ledCard)).toBe(1);
    await panel.beep(100);
    expect(board.output(PINS.buzzer)).toBe(1);
    clock.advance(100);
    expect(board.output(PINS.buzzer)).toBe(0);
    await panel.close();
    expect(board.output(PINS.ledCard)).toBe(0);
  });

  it('goes offline when the board is unplugged and fails LED writes fast', async () => {
    const { panel, board } = rig();
    await panel.open();
    board.unplug();
    expect(panel.status().state).toBe('offline');
    const err = await panel.setLed('ready', true).catch((e: unknown) => e);
    expect(isKioskError(err, 'KIOSK_E_DEVICE_OFFLINE')).toBe(true);
    board.replug();
    await panel.open();
    expect(panel.status().state).toBe('online');
    await panel.close();
  });

  it('a board without Firmata never gets ready: open() fails offline at the timeout', async () => {
    const { panel, clock } = rig('never');
    const err = await settleWith(panel.open(), clock, 500).catch((e: unknown) => e);
    expect(isKioskError(err, 'KIOSK_E_DEVICE_OFFLINE')).toBe(true);
    expect(clock.monoMs()).toBeGreaterThanOrEqual(2000);
  });
});

deviceContractTests('IoBoardPanel', () => {
  const { panel, board } = rig();
  return { device: panel, unplug: () => board.unplug(), replug: () => board.replug() };
}, { unplug: true });
