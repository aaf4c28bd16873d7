import { describe, expect, it } from 'vitest';
import { isKioskError } from '../../src/errors/index.js';
import { St7920CfgSchema } from '../../src/drivers/st7920/index.js';
import { createDisplay } from '../../src/drivers/hd44780/index.js';
import { ManualClock } from '../../src/hal/index.js';
import { renderScreen } from '../../src/runtime/screens/render.js';
import { deviceContractTests } from '../sim/fakes/contract.js';
import { St7920Sim } from '../sim/display/index.js';
import { silent } from './rig.js';

function rig(): { sim: St7920Sim; display: ReturnType<typeof createDisplay> } {
  const clock = new ManualClock();
  const sim = new St7920Sim();
  const cfg = St7920CfgSchema.parse({ driver: 'st7920', spi: {} });
  return { sim, display: createDisplay(cfg, { clock, timers: clock, logger: silent, spi: sim.opener }) };
}

describe('ST7920 128x64 GB2312 over SPI (simulated)', () => {
  it('initialises in the basic set with graphics off and a blank, lit text screen', async () => {
    const { sim, display } = rig();
    await display.open();
    expect(sim.instructions.slice(0, 6)).toEqual([0x30, 0x30, 0x34, 0x30, 0x06, 0x0c]);
    expect(sim.displayOn).toBe(true);
    expect(sim.graphicsOn).toBe(false);
    expect(sim.extended).toBe(false);
    expect(sim.glass()).toEqual(['', '', '', '']);
    expect(sim.framingErrors).toEqual([]);
    expect(display.geometry()).toEqual({ cols: 16, rows: 4, charset: 'gb2312' });
    await display.close();
  });

  it('shows a Chinese frame exactly', async () => {
    const { sim, display } = rig();
    await display.open();
    const lines = ['应缴238.50', '已付100.00', '请放入纸币', '本机不找零'];
    await display.show({ lines });
    expect(sim.glass()).toEqual(lines);
    expect(display.current().lines).toEqual(lines);
    expect(sim.framingErrors).toEqual([]);
    await display.close();
  });

  it('renders the zh-CN insert-cash screen from the catalogue', async () => {
    const { sim, display } = rig();
    await display.open();
    const frame = renderScreen({ id: 'insert-cash', params: { due: 23_850, paid: 10_000, currency: 'CNY' } }, 'zh-CN', display.geometry());
    await display.show(frame);
    expect(sim.glass()).toEqual(['应缴238.50', '已付100.00', '请放入纸币', '本机不找零']);
    await display.close();
  });

  it('pads a hanzi that would start on an odd column, so it is not garbled', async () => {
    const { sim, display } = rig();
    await display.open();
    await display.show({ lines: ['户号1234567元', 'A应缴', '5元', ''] });
    expect(sim.glass()).toEqual(['户号1234567 元', 'A 应缴', '5 元', '']);
    expect(sim.glass().join('')).not.toContain('\ufffd');
    await display.close();
  });

  it('rewrites only changed words after the first frame', async () => {
    const { sim, display } = rig();
    await display.open();
    await display.show({ lines: ['应缴238.50', '已付100.00', '请放入纸币', '本机不找零'] });
    const n = sim.instructions.length;
    await display.show({ lines: ['应缴238.50', '已付120.00', '请放入纸币', '本机不找零'] });
    // One DDRAM address set for the one changed word.
    expect(sim.instructions.slice(n)).toEqual([0x92]);
    expect(sim.glass()[1]).toBe('已付120.00');
    await display.close();
  });

  it('a failing spidev makes it offline with KIOSK_E_DEVICE_OFFLINE, and open() recovers', async () => {
    const { sim, display } = rig();
    await display.open();
    sim.setFailing(true);
    const err = await display.show({ lines: ['x', '', '', ''] }).catch((e: unknown) => e);
    expect(isKioskError(err, 'KIOSK_E_DEVICE_OFFLINE')).toBe(true);
    expect(display.status().state).toBe('offline');
    sim.setFailing(false);
    await display.open();
    await display.show({ lines: ['恢复', '', '', ''] });
    expect(sim.glass()[0]).toBe('恢复');
    await display.close();
  });
});

describe('ST7920 simulator', () => {
  it('garbles a hanzi written on an odd byte, as the glass does', async () => {
    const sim = new St7920Sim();
    const link = await sim.opener();
    const f = (sync: number, b: number): number[] => [sync, b & 0xf0, (b & 0x0f) << 4];
    // Address row 0, then 'A' followed straight by 应 (D3 A6).
    await link.transfer(Uint8Array.from([...f(0xf8, 0x80), ...f(0xfa, 0x41), ...f(0xfa, 0xd3), ...f(0xfa, 0xa6)]));
    expect(sim.glass()[0]).toContain('\ufffd');
  });
});

deviceContractTests('St7920Display', () => {
  const { sim, display } = rig();
  return { device: display, unplug: () => sim.setFailing(true), replug: () => sim.setFailing(false) };
});
