import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock, TypedEmitter } from '../hal/index.js';
import { createNotifier, livenessProblem, startWatchdog, watchdogPeriodMs, type Notifier } from './sd-notify.js';
import type { KioskEvents, ServiceState } from './kiosk.js';

const logger = pino({ level: 'silent' });

function recorder(): Notifier & { sent: string[] } {
  const sent: string[] = [];
  return { kind: 'cli', sent, ready: () => sent.push('READY=1'), watchdog: () => sent.push('WATCHDOG=1'), status: (t) => sent.push(`STATUS=${t}`), stopping: () => sent.push('STOPPING=1') };
}

function fakeKiosk() {
  const em = new TypedEmitter<KioskEvents>(() => undefined);
  let fsm = 'idle';
  let reasons: string[] = [];
  return {
    state: () => ({ name: fsm }) as ReturnType<import('./kiosk.js').Kiosk['state']>,
    serviceState: () => ({ service: (reasons.length ? 'out-of-service' : 'in-service') as ServiceState, reasons }),
    on: em.on.bind(em) as import('./kiosk.js').Kiosk['on'],
    go(name: string) { fsm = name; em.emit('state', { fsm: name as never, service: 'in-service', reasons }); },
    setReasons(r: string[]) { reasons = r; },
  };
}

describe('systemd notify', () => {
  it('is a no-op without NOTIFY_SOCKET; native sd-notify when it loads; else the systemd-notify CLI', async () => {
    expect((await createNotifier({ env: {}, logger })).kind).toBe('noop');
    const calls: string[] = [];
    const native = { ready: () => calls.push('ready'), watchdog: () => calls.push('wd'), sendStatus: (s: string) => calls.push(s), stopping: () => calls.push('stop') };
    const n = await createNotifier({ env: { NOTIFY_SOCKET: '/run/systemd/notify' }, logger, loadNative: async () => native });
    expect(n.kind).toBe('native');
    n.ready('serving');
    expect(calls).toEqual(['serving', 'ready']);
    const spawned: string[][] = [];
    const cli = await createNotifier({ env: { NOTIFY_SOCKET: '/run/systemd/notify' }, logger, loadNative: async () => undefined, spawn: (c, a) => spawned.push([c, ...a]) });
    expect(cli.kind).toBe('cli');
    cli.ready();
    cli.watchdog();
    expect(spawned).toEqual([['systemd-notify', '--ready'], ['systemd-notify', 'WATCHDOG=1']]);
  });

  it('reads WATCHDOG_USEC for this process only', () => {
    expect(watchdogPeriodMs({ WATCHDOG_USEC: '30000000' }, 42)).toBe(30_000);
    expect(watchdogPeriodMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '41' }, 42)).toBeUndefined();
    expect(watchdogPeriodMs({}, 42)).toBeUndefined();
  });

  it('liveness ignores peripherals: only a dead journal or a stuck FSM state withholds the ping', () => {
    const base = { fsm: 'idle', inStateMs: 10 ** 9, maxStateMs: 1000, reasons: ['billValidator-jam', 'receiptPrinter-paper-out'], journalWritable: true };
    expect(livenessProblem(base)).toBeUndefined();
    expect(livenessProblem({ ...base, fsm: 'out-of-service' })).toBeUndefined();
    expect(livenessProblem({ ...base, fsm: 'posting' })).toBe('fsm-stuck:posting');
    expect(livenessProblem({ ...base, fsm: 'posting', inStateMs: 999 })).toBeUndefined();
    expect(livenessProblem({ ...base, reasons: ['journal-failure'] })).toBe('journal-not-writable');
    expect(livenessProblem({ ...base, journalWritable: false })).toBe('journal-not-writable');
  });

  it('pings three times per watchdog period while healthy and stops pinging while the FSM is stuck', () => {
    const clock = new ManualClock();
    const n = recorder();
    const k = fakeKiosk();
    const wd = startWatchdog({ notifier: n, kiosk: k, clock, timers: clock, logger, periodMs: 30_000, maxStateMs: 60_000 });
    k.setReasons(['billValidator-jam']);
    clock.advance(30_000);
    expect(n.sent.filter((s) => s === 'WATCHDOG=1')).toHaveLength(3);
    k.go('posting');
    clock.advance(60_000);
    const before = n.sent.length;
    clock.advance(30_000);
    expect(n.sent.length).toBe(before);
    k.go('done');
    clock.advance(10_000);
    expect(n.sent.length).toBe(before + 1);
    wd.stop();
    clock.advance(60_000);
    expect(n.sent.length).toBe(before + 1);
  });
});
