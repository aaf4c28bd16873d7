import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IClientOptions, IClientPublishOptions } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TypedEmitter } from '../hal/emitter.js';
import { ManualClock } from '../hal/clock.js';
import { Journal } from '../ledger/index.js';
import type { Kiosk } from '../runtime/kiosk.js';
import { parseEnvelope, type Envelope } from './envelope.js';
import { Outbox } from './outbox.js';
import { TelemetryPublisher, type KioskTelemetryEvents, type KioskTelemetrySource, type MqttClientLike, type TelemetryPublisherOptions, type TelemetryStatus } from './publisher.js';

// The runtime's Kiosk must satisfy the structural source attachKiosk takes.
const kioskFits: (k: Kiosk) => KioskTelemetrySource = (k) => k;
void kioskFits;

interface Sent { topic: string; payload: string; opts: IClientPublishOptions; cb: ((err?: Error) => void) | undefined }

class FakeClient implements MqttClientLike {
  readonly sent: Sent[] = [];
  ended: boolean | undefined;
  private readonly handlers = new Map<string, ((...args: unknown[]) => void)[]>();
  constructor(readonly url: string, readonly options: IClientOptions) {}
  on(event: 'connect' | 'close' | 'error' | 'message', fn: (...args: never[]) => void): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), fn as (...args: unknown[]) => void]);
    return this;
  }
  publish(topic: string, message: string | Buffer, opts: IClientPublishOptions, cb?: (err?: Error) => void): this {
    this.sent.push({ topic, payload: String(message), opts, cb });
    return this;
  }
  end(force?: boolean, _opts?: object, cb?: () => void): this {
    this.ended = force ?? false;
    cb?.();
    return this;
  }
  fire(event: 'connect' | 'close' | 'error', err = new Error('x')): void {
    for (const fn of this.handlers.get(event) ?? []) fn(err);
  }
  on_(topicEnd: string): Sent[] { return this.sent.filter((s) => s.topic.endsWith(topicEnd)); }
  ackAll(topicEnd = '/events/transaction'): void { for (const s of this.on_(topicEnd)) s.cb?.(); }
}

let dir: string;
let clock: ManualClock;
let journal: Journal;
let outbox: Outbox;
let clients: FakeClient[];
let statuses: TelemetryStatus[];
let publisher: TelemetryPublisher | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kioskd-pub-'));
  clock = new ManualClock();
  journal = Journal.open({ path: join(dir, 'journal.db'), bootId: 'boot-1', clock, synchronous: 'OFF' });
  outbox = Outbox.attachJournal(journal, { prefix: 'kiosk/v1', fleet: 'north', terminal: 'K1', bootId: 'boot-1', clock });
  clients = [];
  statuses = [];
});

afterEach(async () => {
  // stop() waits on the injected timers for a PUBACK the fake never sends.
  const stopping = publisher?.stop(10);
  clock.advance(10);
  await stopping;
  publisher = undefined;
  journal.close();
  rmSync(dir, { recursive: true, force: true });
});

function make(over: Partial<TelemetryPublisherOptions> = {}): TelemetryPublisher {
  publisher = new TelemetryPublisher({
    telemetry: { brokers: [{ url: 'mqtt://a:1883', protocolVersion: 4 }], heartbeatMs: 1000, topicPrefix: 'kiosk/v1' },
    terminal: 'K1', fleet: 'north', outbox, clock, timers: clock, bootId: 'boot-1', version: '0.1.0',
    mqttConnect: (url, opts) => { const c = new FakeClient(url, opts); clients.push(c); return c; },
    backoff: { initialMs: 100, maxMs: 400 },
    random: () => 0,
    processSampler: { sample: () => ({ rssBytes: 1000, loopLagP99Ms: 1.5, loopLagMaxMs: 3 }), stop: () => {} },
    ...over,
  });
  publisher.on('status', (s) => statuses.push(s));
  return publisher;
}

function enqueue(n: number): void {
  journal.appendAll([], (db) => { for (let i = 0; i < n; i++) outbox.enqueue(db, { class: 'transaction', kind: 'tx.closed', data: { i } }); });
}

const last = (): FakeClient => clients[clients.length - 1]!;
const env = (s: Sent | undefined): Envelope => parseEnvelope(s!.payload);
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('TelemetryPublisher connection', () => {
  it('connects with our own reconnect policy, no QoS 0 queue and a retained QoS 1 offline Will', () => {
    make().start();
    const o = last().options;
    expect(o).toMatchObject({ protocolVersion: 4, reconnectPeriod: 0, reconnectOnConnackError: false, queueQoSZero: false, clientId: 'kioskd-north-K1', clean: true });
    expect(o.will).toMatchObject({ topic: 'kiosk/v1/north/K1/state', qos: 1, retain: true });
    const will = parseEnvelope(String(o.will?.payload));
    expect(will).toMatchObject({ class: 'state', kind: 'offline', data: { online: false, connection: 1 } });
  });

  it('on connect publishes the retained online state paired with the Will, and the devices', () => {
    const p = make({ bootCount: 12 });
    p.start();
    last().fire('connect');
    const state = last().on_('/state');
    expect(state).toHaveLength(1);
    expect(state[0]!.opts).toMatchObject({ qos: 1, retain: true });
    expect(env(state[0]).data).toMatchObject({ online: true, connection: 1, version: '0.1.0', service: 'kioskd', bootCount: 12 });
    expect(last().on_('/devices')[0]!.opts).toMatchObject({ qos: 1, retain: true });
    expect(p.status()).toEqual({ connected: true, broker: 'mqtt://a:1883', outboxDepth: 0 });
  });

  it('retries with exponential backoff and jitter, also after a refused CONNACK, and never throws', () => {
    const p = make();
    p.start();
    last().fire('error', new Error('Connection refused: Not authorized'));
    last().fire('close');
    expect(p.status()).toMatchObject({ connected: false, lastError: 'Connection refused: Not authorized' });
    // random() = 0: each delay is half the doubling base 100, 200, 400 (capped).
    for (const [wait, attempts] of [[49, 1], [1, 2]] as const) { clock.advance(wait); expect(clients).toHaveLength(attempts); }
    last().fire('close');
    clock.advance(99); expect(clients).toHaveLength(2);
    clock.advance(1); expect(clients).toHaveLength(3);
    last().fire('close');
    clock.advance(200); expect(clients).toHaveLength(4);
    last().fire('close');
    clock.advance(200); expect(clients).toHaveLength(5);
    // Each dead client is ended; only the live one counts.
    expect(clients.slice(0, 4).every((c) => c.ended === true)).toBe(true);
  });

  it('jitter lies within [base/2, base]', () => {
    make({ random: () => 0.999 }).start();
    last().fire('close');
    clock.advance(99); expect(clients).toHaveLength(1);
    clock.advance(1); expect(clients).toHaveLength(2);
  });

  it('rotates to the next broker when one does not answer, and keeps the same one after a lost connection', () => {
    const p = make({ telemetry: { brokers: [{ url: 'mqtt://a:1883', protocolVersion: 4 }, { url: 'mqtts://b:8883', protocolVersion: 5 }], heartbeatMs: 1000, topicPrefix: 'kiosk/v1' } });
    p.start();
    last().fire('close');
    clock.advance(100);
    expect(last().url).toBe('mqtts://b:8883');
    expect(last().options.protocolVersion).toBe(5);
    expect(p.status().broker).toBe('mqtts://b:8883');
    last().fire('connect');
    last().fire('close');
    clock.advance(100);
    expect(last().url).toBe('mqtts://b:8883');
  });

  it('a connect function that throws becomes lastError and a retry', () => {
    let n = 0;
    const p = make({ mqttConnect: (url, opts) => { if (n++ === 0) throw new Error('bad url'); const c = new FakeClient(url, opts); clients.push(c); return c; } });
    expect(() => p.start()).not.toThrow();
    expect(p.status().lastError).toBe('bad url');
    clock.advance(100);
    expect(clients).toHaveLength(1);
  });

  it('reads the password and TLS files named in the config', () => {
    const files: Record<string, string> = { '/s/pw': 'secret\n', '/s/ca': 'CA', '/s/crt': 'CRT', '/s/key': 'KEY' };
    make({
      telemetry: { brokers: [{ url: 'mqtts://b:8883', protocolVersion: 4, username: 'k1', passwordFile: '/s/pw', caFile: '/s/ca', certFile: '/s/crt', keyFile: '/s/key' }], heartbeatMs: 1000, topicPrefix: 'kiosk/v1' },
      readFile: (path) => Buffer.from(files[path]!),
    }).start();
    const o = last().options;
    expect([o.username, String(o.password), String(o.ca), String(o.cert), String(o.key)]).toEqual(['k1', 'secret', 'CA', 'CRT', 'KEY']);
  });

  it('each connection gets a new Will; stop() publishes the active one as the offline state, then disconnects cleanly', async () => {
    const p = make();
    p.start();
    const will1 = parseEnvelope(String(last().options.will?.payload));
    last().fire('connect');
    last().fire('close');
    clock.advance(100);
    const will2 = parseEnvelope(String(last().options.will?.payload));
    expect(will2.data).toMatchObject({ connection: 2 });
    expect(will2.id).not.toBe(will1.id);
    last().fire('connect');
    expect(env(last().on_('/state')[0]).data).toMatchObject({ online: true, connection: 2 });
    const c = last();
    const stopping = p.stop(1000);
    c.on_('/state')[1]!.cb?.();
    await stopping;
    const offline = c.on_('/state')[1]!;
    expect(offline.opts).toMatchObject({ qos: 1, retain: true });
    expect(offline.payload).toBe(String(c.options.will?.payload));
    expect(c.ended).toBe(false);
    expect(p.status().connected).toBe(false);
  });
});

describe('TelemetryPublisher outbox drain', () => {
  it('publishes rows in order at QoS 1 within the in-flight window and deletes a row only on its PUBACK', async () => {
    enqueue(5);
    const p = make({ inflightWindow: 3 });
    p.start();
    last().fire('connect');
    const ev = (): Sent[] => last().on_('/events/transaction');
    expect(ev().map((s) => env(s).seq)).toEqual([1, 2, 3]);
    expect(ev()[0]!.opts).toEqual({ qos: 1 });
    expect(outbox.size()).toBe(5);
    ev()[1]!.cb?.();
    expect(outbox.size()).toBe(4);
    expect(ev().map((s) => env(s).seq)).toEqual([1, 2, 3, 4]);
    ev()[0]!.cb?.(new Error('Connection closed'));
    expect(outbox.size()).toBe(4);
    expect(p.status().outboxDepth).toBe(4);
    await flush();
  });

  it('wakes up on enqueue while connected', async () => {
    const p = make();
    p.start();
    last().fire('connect');
    enqueue(2);
    expect(last().on_('/events/transaction')).toHaveLength(0);
    await Promise.resolve();
    expect(last().on_('/events/transaction').map((s) => env(s).seq)).toEqual([1, 2]);
    expect(p.status().outboxDepth).toBe(2);
  });

  it('keeps rows while disconnected and re-publishes unacknowledged ones with the same id and seq after a reconnect', async () => {
    const p = make();
    p.start();
    last().fire('connect');
    enqueue(3);
    await Promise.resolve();
    const first = last().on_('/events/transaction');
    first[0]!.cb?.();
    last().fire('close');
    // A late PUBACK from the dead connection is ignored: the row comes again.
    first[1]!.cb?.(new Error('Connection closed'));
    enqueue(1);
    await Promise.resolve();
    expect(p.status()).toMatchObject({ connected: false, outboxDepth: 3 });
    clock.advance(100);
    last().fire('connect');
    const again = last().on_('/events/transaction');
    expect(again.map((s) => s.payload)).toEqual([first[1]!.payload, first[2]!.payload, again[2]!.payload]);
    expect(again.map((s) => env(s).seq)).toEqual([2, 3, 4]);
    last().ackAll();
    expect(outbox.size()).toBe(0);
  });
});

describe('TelemetryPublisher heartbeat, state and devices', () => {
  it('sends a QoS 0 heartbeat each period only while connected; nothing is kept for later', () => {
    enqueue(1);
    const p = make();
    p.start();
    clock.advance(3000);
    expect(clients.flatMap((c) => c.on_('/health'))).toHaveLength(0);
    last().fire('connect');
    clock.advance(1000);
    const hb = last().on_('/health');
    expect(hb).toHaveLength(1);
    expect(hb[0]!.opts).toEqual({ qos: 0, retain: false });
    expect(env(hb[0])).toMatchObject({ class: 'health', kind: 'heartbeat', seq: 1 });
    expect(env(hb[0]).data).toMatchObject({ loopLagP99Ms: 1.5, loopLagMaxMs: 3, rssBytes: 1000, outboxDepth: 1, outbox: { transaction: 1 }, service: 'starting' });
    expect(typeof env(hb[0]).data['uptimeMs']).toBe('number');
    clock.advance(1000);
    expect(last().on_('/health').map((s) => env(s).seq)).toEqual([1, 2]);
  });

  it('the heartbeat carries board, clock, outbox, last payment and device figures; what the board lacks is null', () => {
    enqueue(2);
    const p = make({ board: { diskFreeBytes: () => 123_456, cpuTempC: () => null, throttled: () => null }, clockSynced: () => false });
    p.start();
    last().fire('connect');
    p.setDevice('receiptPrinter', { state: 'degraded', reason: 'paper-near-end', text: 'paper low' });
    clock.advance(1000);
    expect(env(last().on_('/health')[0]).data).toMatchObject({
      diskFreeBytes: 123_456, cpuTempC: null, throttled: null, clockSynced: false, outboxDepth: 3, outbox: { transaction: 2, alarm: 1 }, outboxFull: false,
      lastTransactionAgeMs: null, cash: { notes: 0, amounts: {} }, devices: { receiptPrinter: { state: 'degraded', reason: 'paper-near-end' } },
      alarms: ['paper-near-end'],
    });
  });

  it('sets a message expiry on heartbeats to MQTT 5 brokers', () => {
    make({ telemetry: { brokers: [{ url: 'mqtt://a', protocolVersion: 5 }], heartbeatMs: 30_000, topicPrefix: 'kiosk/v1' } }).start();
    last().fire('connect');
    clock.advance(30_000);
    expect(last().on_('/health')[0]!.opts).toMatchObject({ qos: 0, properties: { messageExpiryInterval: 60 } });
  });

  it('attachKiosk follows service state and devices (one devices publish per burst)', async () => {
    const ev = new TypedEmitter<KioskTelemetryEvents & Record<string, unknown>>();
    const kiosk: KioskTelemetrySource = {
      on: (e, fn) => ev.on(e, fn),
      serviceState: () => ({ service: 'recovering', reasons: [] }),
      state: () => ({ name: 'idle' }),
    };
    const p = make();
    const off = p.attachKiosk(kiosk);
    p.start();
    last().fire('connect');
    expect(env(last().on_('/state')[0]).data).toMatchObject({ serviceState: 'recovering', fsm: 'idle' });
    ev.emit('state', { fsm: 'idle', service: 'out-of-service', reasons: ['printer-paper-out'] });
    const state = last().on_('/state');
    expect(env(state[1]).data).toMatchObject({ online: true, serviceState: 'out-of-service', reasons: ['printer-paper-out'] });
    expect(env(state[1]).seq).toBe(env(state[0]).seq + 1);
    ev.emit('device', { device: 'printer', status: { state: 'degraded', reason: 'paper-low', text: 'paper low' } });
    ev.emit('device', { device: 'scanner', status: { state: 'online', reason: 'ok', text: 'ready' } });
    await Promise.resolve();
    const devices = last().on_('/devices');
    expect(devices).toHaveLength(2);
    expect(env(devices[1]).data).toEqual({ devices: { printer: { state: 'degraded', reason: 'paper-low', text: 'paper low' }, scanner: { state: 'online', reason: 'ok', text: 'ready' } } });
    off();
    ev.emit('state', { fsm: 'idle', service: 'in-service', reasons: [] });
    expect(last().on_('/state')).toHaveLength(2);
  });

  it('emits a status event on each change only', () => {
    const p = make();
    p.start();
    last().fire('connect');
    last().fire('connect');
    enqueue(1);
    expect(statuses.map((s) => s.connected)).toEqual([true]);
    last().fire('close');
    expect(statuses[statuses.length - 1]).toMatchObject({ connected: false });
    void p;
  });
});
