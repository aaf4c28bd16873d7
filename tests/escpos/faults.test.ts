import { afterEach, describe, it, expect } from 'vitest';
import { SerialLink } from '../../src/drivers/serial/index.js';
import { buildReceipt } from '../../src/runtime/receipt/layout.js';
import { RECEIPT_ZH, rig, type Rig } from './rig.js';

let r: Rig | undefined;
afterEach(async () => { await r?.p.close(); r = undefined; });

const receipt = () => buildReceipt(RECEIPT_ZH, 'zh-CN');
const textCommands = (x: Rig): number => x.sim.commands().filter((c) => c.name === 'TEXT').length;

describe('ESC/POS faults', () => {
  it('paper out mid-receipt → printed:false, status error paper-out, receipt not cut', async () => {
    r = rig();
    await r.settle(r.p.open());
    r.sim.runOutOfPaperAfterLines(5);
    const res = await r.settle(r.p.print(receipt()));
    expect(res).toEqual({ printed: false, reason: 'paper-out' });
    expect(r.p.status()).toMatchObject({ state: 'error', reason: 'paper-out' });
    const recs = r.sim.receipts();
    expect(recs).toHaveLength(1);
    expect(recs[0]!.cut).toBe(false);
    expect(recs[0]!.lines).toHaveLength(5);
    expect(r.p.statistics()).toMatchObject({ receipts: 0, cuts: 0, paperOuts: 1, failed: 1 });
    // Refused up front while the paper is out; prints again once paper is loaded.
    const before = textCommands(r);
    expect(await r.settle(r.p.print(receipt()))).toEqual({ printed: false, reason: 'paper-out' });
    expect(textCommands(r)).toBe(before);
    r.sim.setPaper('ok');
    expect(await r.settle(r.p.print(receipt()))).toEqual({ printed: true });
    expect(r.sim.receipts().filter((x) => x.cut)).toHaveLength(1);
  });

  it('cover open → refused before any print data is sent', async () => {
    r = rig();
    await r.settle(r.p.open());
    r.sim.openCover();
    const res = await r.settle(r.p.print(receipt()));
    expect(res).toEqual({ printed: false, reason: 'cover-open' });
    expect(textCommands(r)).toBe(0);
    expect(r.sim.commands().some((c) => c.name === 'GS V' || c.name === 'GS ( k')).toBe(false);
    expect(r.sim.receipts()).toEqual([]);
    expect(r.p.status()).toMatchObject({ state: 'error', reason: 'cover-open' });
    expect(r.p.statistics()).toMatchObject({ refused: 1 });
  });

  it('cutter jam → printed:false, status error cutter-error', async () => {
    r = rig();
    await r.settle(r.p.open());
    r.sim.jamCutter();
    const res = await r.settle(r.p.print(receipt()));
    expect(res).toEqual({ printed: false, reason: 'cutter-error' });
    expect(r.p.status()).toMatchObject({ state: 'error', reason: 'cutter-error' });
    expect(r.sim.receipts()[0]!.cut).toBe(false);
    r.sim.clearCutter();
    await r.run(5000);
    expect(r.p.status().state).toBe('online');
  });

  it('a printer that never answers: open rejects DEVICE_TIMEOUT (retryable, not disconnected) within bounded time', async () => {
    r = rig();
    r.sim.setSilent(true);
    const err = await r.settle(r.p.open(), 5000).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'KIOSK_E_DEVICE_TIMEOUT', retryable: true, disconnected: false });
    expect(r.p.status()).toMatchObject({ state: 'offline', reason: 'no-reply' });
    // A later open succeeds once the printer answers.
    r.sim.setSilent(false);
    await r.settle(r.p.open());
    expect(r.p.status().state).toBe('online');
  });

  it('a missing port: open rejects DEVICE_OFFLINE with disconnected', async () => {
    r = rig({ driver: { openLink: () => SerialLink.open({ path: '/dev/escpos-nope', baudRate: 19200, binding: 'mock' }) } });
    const err = await r.settle(r.p.open(), 5000).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'KIOSK_E_DEVICE_OFFLINE', disconnected: true, retryable: true });
    expect(r.p.status()).toMatchObject({ state: 'offline', reason: 'disconnected' });
    await r.p.close();
    await r.p.close();
  });

  it('stops answering mid-receipt → offline, printed:false, never hangs', async () => {
    r = rig({ driver: { printTimeoutMs: 8000 } });
    await r.settle(r.p.open());
    r.sim.goSilentAfterLines(4);
    const res = await r.settle(r.p.print(receipt()), 8000 + 2 * 1000 + 500);
    expect(res).toEqual({ printed: false, reason: 'no-reply' });
    expect(r.p.status()).toMatchObject({ state: 'offline', reason: 'no-reply' });
  });

  it('silent while idle → offline no-reply; link reopened with backoff; back online when it answers', async () => {
    r = rig({ driver: { reconnect: { initialMs: 1000, maxMs: 8000 } } });
    await r.settle(r.p.open());
    r.sim.setSilent(true);
    await r.until(() => r!.p.status().state === 'offline', 7000);
    expect(r.p.status().reason).toBe('no-reply');
    expect(await r.settle(r.p.print(receipt()), 3000)).toEqual({ printed: false, reason: 'no-reply' });
    await r.run(60_000);
    expect(r.p.statistics().reconnects).toBe(1);
    // Backoff: while silent, reconnect attempts (one ESC @ each) get sparser, capped at 8 s.
    const inits = r.sim.commands().filter((c) => c.name === 'ESC @').length;
    expect(inits).toBeGreaterThan(4);
    expect(inits).toBeLessThan(14);
    r.sim.setSilent(false);
    await r.until(() => r!.p.status().state === 'online', 10_000);
    expect(await r.settle(r.p.print(receipt()))).toEqual({ printed: true });
  });

  it('garbled status bytes → protocol-error offline, comm errors counted', async () => {
    r = rig();
    await r.settle(r.p.open());
    r.sim.setGarbledReplies(true);
    await r.run(6500); // next poll at 5 s, answers judged by the 1 s status timeout
    expect(r.p.status()).toMatchObject({ state: 'offline', reason: 'protocol-error' });
    expect(r.p.statistics().commErrors).toBeGreaterThanOrEqual(4);
    r.sim.setGarbledReplies(false);
    await r.until(() => r!.p.status().state === 'online', 40_000);
  });

  it('unplug → offline disconnected, print resolves at once, reconnect with backoff after replug', async () => {
    r = rig();
    await r.settle(r.p.open());
    await r.unplug();
    await r.until(() => r!.p.status().state === 'offline', 1000);
    expect(r.p.status().reason).toBe('disconnected');
    expect(await r.settle(r.p.print(receipt()), 100)).toEqual({ printed: false, reason: 'disconnected' });
    await r.until(() => r!.p.status().state === 'online', 10_000);
    expect(r.p.statistics().reconnects).toBe(1);
    expect(await r.settle(r.p.print(receipt()))).toEqual({ printed: true });
  });

  it('a closed printer refuses to print and close() is idempotent', async () => {
    r = rig();
    expect(await r.p.print(receipt())).toEqual({ printed: false, reason: 'closed' });
    await r.settle(r.p.open());
    await r.p.close();
    await r.p.close();
    expect(r.p.status()).toMatchObject({ state: 'offline', reason: 'closed' });
    await expect(r.p.identify()).rejects.toMatchObject({ code: 'KIOSK_E_DEVICE_OFFLINE' });
  });
});

describe('ESC/POS bounded waits', () => {
  it('a link that never opens: open rejects within openTimeoutMs', async () => {
    r = rig({ driver: { openLink: () => new Promise(() => {}), openTimeoutMs: 3000 } });
    const err = await r.settle(r.p.open(), 3500).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'KIOSK_E_DEVICE_TIMEOUT', disconnected: true });
    expect(r.p.status()).toMatchObject({ state: 'offline', reason: 'disconnected' });
  });
});
