import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IClientOptions, IClientPublishOptions } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../hal/clock.js';
import type { DeviceStatus } from '../hal/index.js';
import { Journal } from '../ledger/index.js';
import { AlarmMonitor, deviceAlarms } from './alarms.js';
import { createBoardProbe, parseMilliCelsius, parseThrottled } from './board.js';
import { parseEnvelope } from './envelope.js';
import { Outbox } from './outbox.js';
import { TelemetryPublisher, type MqttClientLike } from './publisher.js';

const st = (state: DeviceStatus['state'], reason: string): DeviceStatus => ({ state, reason, text: reason });

let dir: string;
let clock: ManualClock;
let journal: Journal;
const open = (maxRows?: Record<string, number>): Outbox =>
  Outbox.attachJournal(journal, { prefix: 'kiosk/v1', fleet: 'north', terminal: 'K1', bootId: 'b', clock, ...(maxRows ? { maxRows } : {}) });
const alarmsIn = (o: Outbox): { kind: string; alarm: unknown; key: unknown }[] =>
  o.peekLane('priority', 1000).map((r) => parseEnvelope(r.payload)).map((e) => ({ kind: e.kind, alarm: e.data['alarm'], key: e.data['key'] }));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kioskd-alarm-'));
  clock = new ManualClock(1_760_000_000_000);
  journal = Journal.open({ path: join(dir, 'j.db'), bootId: 'b', clock, synchronous: 'OFF' });
});
afterEach(() => { journal.close(); rmSync(dir, { recursive: true, force: true }); });

describe('deviceAlarms', () => {
  it.each([
    [st('error', 'cashbox-removed'), ['cashbox-removed']],
    [st('error', 'stacker-full'), ['stacker-full']],
    [st('degraded', 'stacker-nearly-full'), ['stacker-nearly-full']],
    [st('degraded', 'paper-near-end'), ['paper-near-end']],
    [st('error', 'paper-out'), ['paper-out']],
    [st('error', 'jam'), ['jam']],
    [st('error', 'stacker-jam'), ['jam']],
    [st('fraud', 'tamper'), ['tamper']],
    [st('fraud', 'fraud-attempt'), ['fraud-attempt']],
    [st('fraud', 'cheated'), ['fraud-attempt']],
    [st('offline', 'no-reply'), ['device-offline']],
    [st('offline', 'closed'), []],
    [st('online', 'ok'), []],
    [st('error', 'cover-open'), []],
  ])('%o → %o', (status, alarms) => {
    expect(deviceAlarms(status).map((a) => a.alarm)).toEqual(alarms);
  });
});

describe('AlarmMonitor', () => {
  it('raises once per episode and clears when the condition ends; durable in the outbox', () => {
    const o = open();
    const m = new AlarmMonitor(o);
    m.device('receiptPrinter', st('degraded', 'paper-near-end'));
    m.device('receiptPrinter', st('degraded', 'paper-near-end'));
    m.device('receiptPrinter', st('error', 'paper-out'));
    m.device('receiptPrinter', st('online', 'ok'));
    m.serviceReasons(['door-open']);
    m.serviceReasons(['door-open', 'operator']);
    m.serviceReasons([]);
    expect(alarmsIn(o)).toEqual([
      { kind: 'raised', alarm: 'paper-near-end', key: 'paper-near-end/receiptPrinter' },
      { kind: 'cleared', alarm: 'paper-near-end', key: 'paper-near-end/receiptPrinter' },
      { kind: 'raised', alarm: 'paper-out', key: 'paper-out/receiptPrinter' },
      { kind: 'cleared', alarm: 'paper-out', key: 'paper-out/receiptPrinter' },
      { kind: 'raised', alarm: 'door-open', key: 'door-open/panel' },
      { kind: 'cleared', alarm: 'door-open', key: 'door-open/panel' },
    ]);
  });

  it('remembers active alarms across a restart: no second raise, and the clear still comes', () => {
    new AlarmMonitor(open()).device('billValidator', st('error', 'cashbox-removed'));
    journal.close();
    journal = Journal.open({ path: join(dir, 'j.db'), bootId: 'b2', clock, synchronous: 'OFF' });
    const o = open();
    const m = new AlarmMonitor(o);
    expect(m.activeAlarms().map((a) => a.alarm)).toEqual(['cashbox-removed']);
    m.device('billValidator', st('error', 'cashbox-removed'));
    m.device('billValidator', st('online', 'ok'));
    expect(alarmsIn(o).map((a) => a.kind)).toEqual(['raised', 'cleared']);
  });

  it('skips kiosk alarms the journal already carries and stores the others', () => {
    const o = open();
    const m = new AlarmMonitor(o);
    m.kioskAlarm('counter-mismatch', { mismatch: 1 });
    m.kioskAlarm('journal-failure', { code: 'KIOSK_E_JOURNAL_WRITE' });
    expect(alarmsIn(o)).toEqual([{ kind: 'journal-failure', alarm: 'journal-failure', key: undefined }]);
  });
});

describe('outbox bounds and priority', () => {
  it('at the bound: full() and an outbox-full alarm, nothing dropped; below it again: cleared', async () => {
    const o = open({ transaction: 100 });
    const changes: boolean[] = [];
    o.onFullChange((s) => changes.push(s.full));
    const m = new AlarmMonitor(o);
    o.onFullChange((s) => m.outboxFull(s));
    for (let i = 0; i < 120; i++) journal.appendAll([], (db) => { o.enqueue(db, { class: 'transaction', kind: 'tx.closed', data: { txId: `T${i}` } }); });
    await Promise.resolve();
    expect(o.full()).toBe(true);
    expect(o.depth()).toMatchObject({ transaction: 120, alarm: 1 });
    expect(alarmsIn(o)).toEqual([{ kind: 'raised', alarm: 'outbox-full', key: 'outbox-full/outbox' }]);
    for (const r of o.peekLane('bulk', 30)) o.ackLater(r);
    expect(o.full()).toBe(false);
    expect(o.flushAcks()).toBe(30);
    expect(changes).toEqual([true, false]);
    expect(alarmsIn(o).map((a) => a.kind)).toEqual(['raised', 'cleared']);
  });

  it('a rolled-back enqueue is not counted; acked rows are not peeked again before the flush', () => {
    const o = open();
    expect(() => journal.appendAll([], (db) => { o.enqueue(db, { class: 'transaction', kind: 'tx.closed', data: {} }); throw new Error('later step'); })).toThrow();
    expect(o.size()).toBe(0);
    journal.appendAll([], (db) => { o.enqueue(db, { class: 'transaction', kind: 'tx.closed', data: {} }); });
    const [row] = o.peek(10);
    o.ackLater(row!);
    expect(o.size()).toBe(0);
    expect(o.peek(10)).toEqual([]);
    expect(o.ack(row!.rowId)).toBe(true);
    expect(o.flushAcks()).toBe(0);
  });

  it('the publisher drains alarms ahead of a transaction backlog, within its window', () => {
    const o = open();
    for (let i = 0; i < 50; i++) journal.appendAll([], (db) => { o.enqueue(db, { class: 'transaction', kind: 'tx.closed', data: { txId: `T${i}` } }); });
    const sent: { topic: string; cb: ((e?: Error) => void) | undefined }[] = [];
    const handlers = new Map<string, () => void>();
    const client: MqttClientLike = {
      on: (e: string, fn: () => void) => { handlers.set(e, fn); return client; },
      publish: (topic: string, _m: string | Buffer, _o: IClientPublishOptions, cb?: (e?: Error) => void) => { sent.push({ topic, cb }); return client; },
      end: () => client,
    } as unknown as MqttClientLike;
    const p = new TelemetryPublisher({
      telemetry: { brokers: [{ url: 'mqtt://x', protocolVersion: 4 }], heartbeatMs: 60_000, topicPrefix: 'kiosk/v1' },
      terminal: 'K1', fleet: 'north', outbox: o, clock, timers: clock, bootId: 'b', version: 't', inflightWindow: 4,
      mqttConnect: (_u: string, _opts: IClientOptions) => client,
      processSampler: { sample: () => ({ rssBytes: 1, loopLagP99Ms: 0, loopLagMaxMs: 0 }), stop: () => {} },
      board: { diskFreeBytes: () => null, cpuTempC: () => null, throttled: () => null },
    });
    p.start();
    handlers.get('connect')!();
    const events = (): string[] => sent.filter((s) => s.topic.includes('/events/')).map((s) => s.topic.split('/').pop()!);
    expect(events()).toEqual(['transaction', 'transaction', 'transaction', 'transaction']);
    new AlarmMonitor(o).device('panel', st('fraud', 'tamper'));
    // The window is full: the alarm takes the first free slot, ahead of 46 waiting transactions.
    sent.find((s) => s.topic.endsWith('/transaction'))!.cb!();
    expect(events()).toEqual(['transaction', 'transaction', 'transaction', 'transaction', 'alarm']);
    void p.stop(0);
    clock.advance(1);
  });
});

describe('board probe', () => {
  it('parses the firmware throttling mask and thermal millidegrees', () => {
    expect(parseThrottled('throttled=0x50005')).toMatchObject({ underVoltage: true, throttled: true, freqCapped: false, underVoltageOccurred: true, throttledOccurred: true, freqCappedOccurred: false });
    expect(parseThrottled('0x0')).toMatchObject({ underVoltage: false, underVoltageOccurred: false });
    expect(parseThrottled('error')).toBeNull();
    expect(parseMilliCelsius('48312\n')).toBe(48.3);
    expect(parseMilliCelsius('')).toBeNull();
  });

  it('reads injected sources; missing ones are null; vcgencmd is asked in the background', () => {
    const files: Record<string, string> = { '/t': '51234' };
    let vcAnswer: ((out: string | null) => void) | undefined;
    const probe = createBoardProbe({
      diskPath: '/data', thermalPath: '/t', throttledPath: '/none',
      readText: (p) => { const v = files[p]; if (v === undefined) throw new Error('ENOENT'); return v; },
      statfs: () => ({ bavail: 10n, bsize: 4096n }),
      vcgencmd: (cb) => { vcAnswer = cb; },
    });
    expect(probe.diskFreeBytes()).toBe(40960);
    expect(probe.cpuTempC()).toBe(51.2);
    expect(probe.throttled()).toBeNull();
    vcAnswer!('throttled=0x1\n');
    expect(probe.throttled()).toMatchObject({ underVoltage: true });
    const bare = createBoardProbe({ diskPath: '/x', readText: () => { throw new Error('no'); }, statfs: () => { throw new Error('no'); }, vcgencmd: null });
    expect([bare.diskFreeBytes(), bare.cpuTempC(), bare.throttled()]).toEqual([null, null, null]);
  });
});
