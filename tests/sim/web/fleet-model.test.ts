import { describe, expect, it } from 'vitest';
import { activeAlarms, applyEnvelope, cashboxMeter, paperMeter, type EnvelopeLike, type TerminalView } from '../../../web/fleet/model.js';

const env = (cls: string, kind: string, data: Record<string, unknown>, boot = 'b1'): EnvelopeLike => ({ boot, ts: 1, terminal: 'T1', fleet: 'f', class: cls, kind, data });

function fold(...envs: EnvelopeLike[]): TerminalView {
  const fleet = new Map<string, TerminalView>();
  let t: TerminalView | undefined;
  for (const e of envs) t = applyEnvelope(fleet, e);
  return t!;
}

describe('fleet dashboard model', () => {
  it('ignores a late Will of an older connection but applies the matching one', () => {
    const online2 = env('state', 'online', { online: true, connection: 2, serviceState: 'in-service', reasons: [] });
    expect(fold(online2, env('state', 'offline', { online: false, connection: 1 })).online).toBe(true);
    expect(fold(online2, env('state', 'offline', { online: false, connection: 2 })).online).toBe(false);
    expect(fold(online2, env('state', 'offline', { online: false, connection: 2 }, 'b0')).online).toBe(true);
  });

  it('pairs raised and cleared alarm conditions by key and keeps one-shot alarms', () => {
    const raised = env('alarm', 'raised', { alarm: 'paper-out', severity: 'critical', key: 'paper-out/receiptPrinter' });
    const t = fold(raised);
    expect(activeAlarms(t)).toEqual(['paper-out (critical)']);
    const cleared = fold(raised, env('alarm', 'cleared', { alarm: 'paper-out', severity: 'critical', key: 'paper-out/receiptPrinter' }));
    expect(activeAlarms(cleared)).toEqual([]);
    const oneShot = fold(env('alarm', 'journal-failure', { alarm: 'journal-failure', severity: 'critical' }));
    expect(activeAlarms(oneShot)).toEqual(['journal-failure (critical)']);
  });

  it('lets the heartbeat correct the active set a page missed', () => {
    const raised = env('alarm', 'raised', { alarm: 'jam', severity: 'critical', key: 'jam/billValidator' });
    expect(activeAlarms(fold(raised, env('health', 'heartbeat', { alarms: [] })))).toEqual([]);
    expect(activeAlarms(fold(env('health', 'heartbeat', { alarms: ['cashbox-removed'] })))).toEqual(['cashbox-removed (critical)']);
  });

  it('names a faulty device no condition covers, once', () => {
    const devices = env('devices', 'devices', { devices: { receiptPrinter: { state: 'error', reason: 'paper-out', text: 'paper out' }, panel: { state: 'offline', reason: 'closed', text: '' } } });
    expect(activeAlarms(fold(devices))).toEqual(['receiptPrinter: paper-out']);
    const both = fold(devices, env('alarm', 'raised', { alarm: 'paper-out', severity: 'critical', key: 'paper-out/receiptPrinter' }));
    expect(activeAlarms(both)).toEqual(['paper-out (critical)']);
  });

  it('reads paper and cash box levels from device status and the heartbeat count', () => {
    const dev = (printer: string, validator: string): EnvelopeLike => env('devices', 'devices', { devices: {
      receiptPrinter: { state: printer === 'ok' ? 'online' : 'error', reason: printer, text: '' },
      billValidator: { state: validator === 'ok' ? 'online' : 'error', reason: validator, text: '' },
    } });
    expect(paperMeter(fold(dev('paper-out', 'ok')))).toMatchObject({ pct: 0, level: 'bad' });
    expect(paperMeter(fold(dev('paper-near-end', 'ok')))).toMatchObject({ level: 'low' });
    expect(paperMeter(fold(dev('ok', 'ok')))).toMatchObject({ pct: 100, level: 'ok' });
    expect(cashboxMeter(fold(dev('ok', 'cashbox-removed')))).toMatchObject({ label: 'removed', level: 'bad' });
    expect(cashboxMeter(fold(dev('ok', 'stacker-full')))).toMatchObject({ pct: 100, label: 'full' });
    expect(cashboxMeter(fold(dev('ok', 'ok')))).toMatchObject({ level: 'unknown' });
    const counted = fold(dev('ok', 'ok'), env('health', 'heartbeat', { cash: { notes: 800, amounts: { CNY: 400_000 } } }));
    expect(cashboxMeter(counted, 1000)).toMatchObject({ pct: 80, level: 'low', label: '800/1000' });
    const collected = fold(dev('ok', 'ok'), env('health', 'heartbeat', { cash: { notes: 800 } }), env('collection', 'cash.collected', {}));
    expect(cashboxMeter(collected, 1000)).toMatchObject({ pct: 0, level: 'ok' });
  });
});
