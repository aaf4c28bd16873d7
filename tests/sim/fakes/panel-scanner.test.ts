import { describe, expect, it } from 'vitest';
import type { PanelButton, ScanEvent } from '../../../src/hal/index.js';
import { FakePanel } from './panel.js';
import { FakeScanner } from './scanner.js';

describe('FakeScanner', () => {
  it('emits scans only while enabled', async () => {
    const s = new FakeScanner();
    const scans: ScanEvent[] = [];
    s.on('scan', (e) => { scans.push(e); });
    expect(s.scan('before-open')).toBe(false);
    await s.open();
    expect(s.scan('disabled')).toBe(false);
    await s.enable();
    expect(s.scan('1234', ']C1')).toBe(true);
    expect(s.scan('5678')).toBe(true);
    await s.disable();
    s.scan('after');
    expect(scans).toEqual([{ data: '1234', symbology: ']C1' }, { data: '5678' }]);
    expect(s.statistics()).toEqual({ goodReads: 2, ignoredReads: 3 });
  });
});

describe('FakePanel', () => {
  it('reports buttons only while enabled; door and tamper whenever open', async () => {
    const p = new FakePanel();
    const buttons: PanelButton[] = [];
    const doors: boolean[] = [];
    p.on('button', (b) => { buttons.push(b.button); });
    p.on('door', (d) => { doors.push(d.open); });
    await p.open();
    expect(p.press('cash')).toBe(false);
    p.setDoor(true);
    p.setDoor(true);
    expect(p.doorOpen()).toBe(true);
    await p.enable();
    expect(p.press('confirm')).toBe(true);
    p.setDoor(false);
    expect(buttons).toEqual(['confirm']);
    expect(doors).toEqual([true, false]);
  });

  it('an active tamper switch puts the panel in fraud status', async () => {
    const p = new FakePanel();
    const tamper: boolean[] = [];
    p.on('tamper', (t) => { tamper.push(t.active); });
    await p.open();
    p.setTamper(true);
    expect(p.status()).toMatchObject({ state: 'fraud', reason: 'tamper' });
    p.setTamper(false);
    expect(p.status().state).toBe('online');
    expect(tamper).toEqual([true, false]);
  });

  it('records LED states and beeps', async () => {
    const p = new FakePanel();
    await expect(p.beep(100)).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_STATE' });
    await p.open();
    await p.setLed('ready', true);
    await p.setLed('fault', true);
    await p.setLed('fault', false);
    await p.beep(200);
    expect(p.leds()).toEqual({ ready: true, cash: false, card: false, fault: false });
    expect(p.ledLog).toHaveLength(3);
    expect(p.beeps).toEqual([200]);
  });
});
