import { afterEach, describe, expect, it } from 'vitest';
import { isKioskError } from '../../src/errors/index.js';
import type { Screen, ScreenId } from '../../src/fsm/index.js';
import type { Display } from '../../src/hal/index.js';
import { CATALOGUE } from '../../src/runtime/screens/catalogue.js';
import { renderScreen } from '../../src/runtime/screens/render.js';
import { deviceContractTests } from '../sim/fakes/contract.js';
import { lcdRig, settleWith } from './rig.js';

const params = { biller: 'City Water', account: '****5678', due: 23_850, paid: 10_000, surplus: 150, currency: 'CNY', txId: 'K7QF2M9X', hotline: '95598' };
const outcomes = ['paid', 'paid-partially', 'pending', 'needs-refund', 'cancelled'];

function everyScreen(): Screen[] {
  const out: Screen[] = [];
  for (const id of Object.keys(CATALOGUE.en) as ScreenId[]) {
    if (id === 'thank-you') for (const outcome of outcomes) out.push({ id, params: { ...params, outcome } });
    else out.push({ id, params });
  }
  return out;
}

const codeOf = (e: unknown): string | undefined => (isKioskError(e) ? e.code : undefined);

let opened: Display | undefined;
afterEach(async () => { await opened?.close(); opened = undefined; });

describe('HD44780 20x4 through johnny-five on a simulated IO plugin', () => {
  it('opens without taking SIGINT or stdin, and leaves the glass blank, on, lit and without a cursor', async () => {
    const sigint = process.listenerCount('SIGINT');
    const stdinData = process.stdin.listenerCount('data');
    const { display, lcd } = lcdRig();
    opened = display;
    await display.open();
    expect(process.listenerCount('SIGINT')).toBe(sigint);
    expect(process.stdin.listenerCount('data')).toBe(stdinData);
    expect(display.status().state).toBe('online');
    expect(display.geometry()).toEqual({ cols: 20, rows: 4, charset: 'ascii' });
    expect(lcd.fourBit).toBe(true);
    expect(lcd.twoLine).toBe(true);
    expect(lcd.displayOn).toBe(true);
    expect(lcd.cursorOn).toBe(false);
    expect(lcd.backlight).toBe(true);
    expect(lcd.glass()).toEqual(['', '', '', '']);
  });

  it('renders every English screen exactly, frame after frame', async () => {
    const { display, lcd } = lcdRig();
    opened = display;
    await display.open();
    for (const screen of everyScreen()) {
      const frame = renderScreen(screen, 'zh-CN', display.geometry());
      await display.show(frame);
      expect(lcd.glass()).toEqual(frame.lines.map((l) => l.trimEnd()));
      expect(display.current().lines).toEqual(frame.lines.map((l) => l.trimEnd()));
    }
  });

  it('writes only the cells that changed', async () => {
    const { display, lcd } = lcdRig();
    opened = display;
    await display.open();
    const geo = display.geometry();
    await display.show(renderScreen({ id: 'insert-cash', params: { ...params, paid: 10_000 } }, 'en', geo));
    const before = lcd.dataWrites;
    await display.show(renderScreen({ id: 'insert-cash', params: { ...params, paid: 12_000 } }, 'en', geo));
    // "Paid 100.00" → "Paid 120.00": one cell.
    expect(lcd.dataWrites - before).toBe(1);
    expect(lcd.glass()[1]).toBe('Paid 120.00');
    const again = lcd.dataWrites;
    await display.show(display.current());
    expect(lcd.dataWrites).toBe(again);
  });

  it('shows ? for characters the HD44780 ROM lacks and clips long lines', async () => {
    const { display, lcd } = lcdRig();
    opened = display;
    await display.open();
    await display.show({ lines: ['Due ¥238.50', '应缴', 'x'.repeat(30), ''] });
    expect(lcd.glass()).toEqual(['Due ?238.50', '??', 'x'.repeat(20), '']);
    expect(display.current().lines[0]).toBe('Due ?238.50');
  });

  it('an absent backpack (NACK as an error) fails open() at once as offline; show() fails fast', async () => {
    const { display, lcd, board } = lcdRig({ nack: 'error' });
    opened = display;
    lcd.present = false;
    const err = await display.open().then(() => undefined, (e: unknown) => e);
    expect(codeOf(err)).toBe('KIOSK_E_DEVICE_OFFLINE');
    expect(isKioskError(err) && err.disconnected).toBe(true);
    expect(display.status()).toMatchObject({ state: 'offline', reason: 'no-reply' });
    expect(board.nacks).toBeGreaterThan(0);
    expect(codeOf(await display.show({ lines: ['x', '', '', ''] }).catch((e: unknown) => e))).toBe('KIOSK_E_DEVICE_OFFLINE');
  });

  it('an absent backpack behind Firmata (silent NACK) goes offline when the probe times out on the injected clock', async () => {
    const { display, lcd, clock } = lcdRig({ nack: 'silent' }, { probeTimeoutMs: 500 });
    opened = display;
    lcd.present = false;
    const err = await settleWith(display.open(), clock, 100).then(() => undefined, (e: unknown) => e);
    expect(codeOf(err)).toBe('KIOSK_E_DEVICE_OFFLINE');
    expect(display.status().state).toBe('offline');
    expect(clock.monoMs()).toBeGreaterThanOrEqual(500);
    expect(clock.pendingCount()).toBe(0);
  });

  it('a board that never reports ready goes offline at the ready timeout, SIGINT untouched', async () => {
    const sigint = process.listenerCount('SIGINT');
    const { display, clock } = lcdRig({ ready: 'never' }, { readyTimeoutMs: 3000 });
    opened = display;
    const err = await settleWith(display.open(), clock, 500).then(() => undefined, (e: unknown) => e);
    expect(codeOf(err)).toBe('KIOSK_E_DEVICE_OFFLINE');
    expect(clock.monoMs()).toBeGreaterThanOrEqual(3000);
    expect(process.listenerCount('SIGINT')).toBe(sigint);
  });

  it('a backpack that vanishes between frames fails the next show() and goes offline; open() recovers and redraws', async () => {
    const { display, lcd, clock } = lcdRig({ nack: 'silent' }, { probeTimeoutMs: 500 });
    opened = display;
    await display.open();
    await display.show({ lines: ['Welcome', '', '', ''] });
    lcd.present = false;
    const err = await settleWith(display.show({ lines: ['Bye', '', '', ''] }), clock, 100).then(() => undefined, (e: unknown) => e);
    expect(codeOf(err)).toBe('KIOSK_E_DEVICE_OFFLINE');
    expect(display.status().state).toBe('offline');
    lcd.present = true;
    lcd.powerCycle();
    await display.open();
    await display.show({ lines: ['Welcome', 'back', '', ''] });
    expect(lcd.glass()).toEqual(['Welcome', 'back', '', '']);
  });

  it('goes offline the moment the IO transport disconnects, and checkHealth() reconnects', async () => {
    const { display, board, lcd } = lcdRig();
    opened = display;
    await display.open();
    board.unplug();
    expect(display.status().state).toBe('offline');
    expect(codeOf(await display.show({ lines: ['x', '', '', ''] }).catch((e: unknown) => e))).toBe('KIOSK_E_DEVICE_OFFLINE');
    board.replug();
    expect((await display.checkHealth()).ok).toBe(true);
    await display.show({ lines: ['again', '', '', ''] });
    expect(lcd.glass()[0]).toBe('again');
    expect(board.opens).toBe(2);
  });
});

deviceContractTests('Hd44780Display', () => {
  const { display, board } = lcdRig();
  return { device: display, unplug: () => board.unplug(), replug: () => board.replug() };
}, { unplug: true });
