import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BillInfo, JournalRecord } from '../../src/fsm/types.js';
import { systemClock, systemTimers } from '../../src/hal/clock.js';
import { Journal } from '../../src/ledger/index.js';
import {
  Outbox, TelemetryPublisher, transactionOutboxHook,
  type BrokerSettings, type TelemetryPublisherOptions, type TelemetryStatus,
} from '../../src/telemetry/index.js';
import { freePort, startBroker, subscriber, type Received, type TestBroker } from './broker.js';

const bill: BillInfo = { billerId: 'power', billerName: 'Grid Co', account: '998877665544', period: '2026-02', due: 12_300, currency: 'CNY', billRef: 'PB-77' };
const PREFIX = 'kiosk/v1/north/K1';
const WAIT = { timeout: 8000, interval: 20 };

let dir: string;
let journal: Journal;
let outbox: Outbox;
let hook: ReturnType<typeof transactionOutboxHook>;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kioskd-telemetry-'));
  journal = Journal.open({ path: join(dir, 'journal.db'), bootId: 'boot-it', clock: systemClock, synchronous: 'OFF' });
  outbox = Outbox.attachJournal(journal, { prefix: 'kiosk/v1', fleet: 'north', terminal: 'K1', bootId: 'boot-it', clock: systemClock });
  hook = transactionOutboxHook(outbox);
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  journal.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Journals a whole paid transaction the way the Kiosk does: the hook runs inside appendAll. */
function payTransaction(txId: string, paid: number): void {
  const records: JournalRecord[] = [
    { type: 'tx.opened', txId, bill },
    { type: 'tx.closed', txId, outcome: 'paid', paid, surplus: paid - bill.due },
  ];
  journal.appendAll(records, (db) => hook(records, db));
}

interface Harness {
  readonly publisher: TelemetryPublisher;
  /** Every MQTT.js client the publisher created, newest last. */
  readonly clients: MqttClient[];
  readonly statuses: TelemetryStatus[];
}

function startPublisher(brokers: BrokerSettings[], over: Partial<TelemetryPublisherOptions> = {}): Harness {
  const clients: MqttClient[] = [];
  const statuses: TelemetryStatus[] = [];
  const publisher = new TelemetryPublisher({
    telemetry: { brokers, heartbeatMs: 150, topicPrefix: 'kiosk/v1' },
    terminal: 'K1', fleet: 'north', outbox, clock: systemClock, timers: systemTimers, bootId: 'boot-it', version: '0.1.0-test',
    backoff: { initialMs: 20, maxMs: 100 },
    connectTimeoutMs: 2000,
    mqttConnect: (url, opts) => { const c = connect(url, opts); clients.push(c); return c; },
    ...over,
  });
  publisher.on('status', (s) => statuses.push(s));
  publisher.start();
  cleanups.push(() => publisher.stop(500));
  return { publisher, clients, statuses };
}

async function withBroker(port = 0, opts: Parameters<typeof startBroker>[1] = {}): Promise<TestBroker> {
  const b = await startBroker(port, opts);
  cleanups.push(() => b.close());
  return b;
}

async function backend(url: string): Promise<Received[]> {
  const s = await subscriber(url, `${PREFIX}/#`);
  cleanups.push(() => s.client.endAsync(true));
  return s.got;
}

const ofTopic = (got: readonly Received[], end: string): Received[] => got.filter((m) => m.topic === `${PREFIX}/${end}`);

describe('telemetry against an in-process aedes broker', () => {
  it('delivers the retained online state, heartbeats and a journalled transaction; the Will when the socket dies', async () => {
    const b = await withBroker();
    const h = startPublisher([{ url: b.url, protocolVersion: 4 }]);
    await vi.waitFor(() => expect(h.publisher.status().connected).toBe(true), WAIT);
    // Subscribing after the birth: the state can only arrive because it is retained.
    const got = await backend(b.url);
    await vi.waitFor(() => expect(ofTopic(got, 'state').length).toBeGreaterThan(0), WAIT);
    const birth = ofTopic(got, 'state')[0]!;
    expect(birth.retain).toBe(true);
    expect(birth.env).toMatchObject({ v: 1, class: 'state', kind: 'online', terminal: 'K1', fleet: 'north', boot: 'boot-it' });
    expect(birth.env.data).toMatchObject({ online: true, connection: 1, version: '0.1.0-test' });

    payTransaction('T-100', 20_000);
    await vi.waitFor(() => expect(ofTopic(got, 'events/transaction')).toHaveLength(1), WAIT);
    const tx = ofTopic(got, 'events/transaction')[0]!;
    expect(tx.env).toMatchObject({ class: 'transaction', kind: 'tx.closed', seq: 1 });
    expect(tx.env.data).toEqual({ txId: 'T-100', outcome: 'paid', paid: 20_000, surplus: 7_700, currency: 'CNY', billerId: 'power' });
    await vi.waitFor(() => expect(outbox.size()).toBe(0), WAIT);

    await vi.waitFor(() => expect(ofTopic(got, 'health').length).toBeGreaterThan(0), WAIT);
    const hb = ofTopic(got, 'health')[0]!;
    expect(hb.retain).toBe(false);
    expect(hb.env).toMatchObject({ class: 'health', kind: 'heartbeat' });
    for (const k of ['uptimeMs', 'loopLagP99Ms', 'loopLagMaxMs', 'rssBytes', 'outboxDepth']) expect(typeof hb.env.data[k]).toBe('number');

    // Kill the TCP connection without DISCONNECT: the broker publishes the Will.
    h.clients[h.clients.length - 1]!.stream.destroy();
    await vi.waitFor(() => expect(ofTopic(got, 'state').some((m) => m.env.data['online'] === false)).toBe(true), WAIT);
    const will = ofTopic(got, 'state').find((m) => m.env.data['online'] === false)!;
    expect(will.env).toMatchObject({ class: 'state', kind: 'offline', data: { connection: 1 } });
    // ...and the publisher comes back with a new birth for connection 2.
    await vi.waitFor(() => expect(ofTopic(got, 'state').some((m) => m.env.data['connection'] === 2 && m.env.data['online'] === true)).toBe(true), WAIT);
  });

  it('an event journalled while the broker is down arrives after a broker restart (refused CONNACKs retried), same id and seq on duplicates', async () => {
    const b1 = await withBroker();
    const h = startPublisher([{ url: b1.url, protocolVersion: 4 }]);
    await vi.waitFor(() => expect(h.publisher.status().connected).toBe(true), WAIT);
    const s = await subscriber(b1.url, `${PREFIX}/events/#`);
    cleanups.push(() => s.client.endAsync(true));
    payTransaction('T-1', 12_300);
    await vi.waitFor(() => expect(ofTopic(s.got, 'events/transaction')).toHaveLength(1), WAIT);

    await b1.close();
    await vi.waitFor(() => expect(h.publisher.status().connected).toBe(false), WAIT);
    payTransaction('T-2', 15_000);
    await vi.waitFor(() => expect(h.publisher.status().outboxDepth).toBe(1), WAIT);

    // The new broker refuses the terminal at least once and until the back end has subscribed again: the
    // test cannot race the subscriber, and the publisher must retry after a refused CONNACK.
    let subscribed = false;
    let refused = 0;
    const b2 = await withBroker(b1.port, {
      authenticate: (client, _u, _p, done) => {
        const ok = !client.id.startsWith('kioskd-') || (subscribed && refused > 0);
        if (!ok) refused += 1;
        done(null, ok);
      },
    });
    b2.broker.on('subscribe', () => { subscribed = true; });
    await vi.waitFor(() => expect(ofTopic(s.got, 'events/transaction').map((m) => m.env.data['txId'])).toContain('T-2'), WAIT);
    await vi.waitFor(() => expect(h.publisher.status()).toMatchObject({ connected: true, outboxDepth: 0 }), WAIT);
    expect(outbox.size()).toBe(0);

    const events = ofTopic(s.got, 'events/transaction');
    const seqById = new Map<string, number>();
    for (const m of events) {
      const seen = seqById.get(m.env.id);
      if (seen !== undefined) expect(m.env.seq).toBe(seen);
      seqById.set(m.env.id, m.env.seq);
    }
    expect([...new Set(events.map((m) => m.env.seq))].sort((x, y) => x - y)).toEqual([1, 2]);
    expect(seqById.size).toBe(2);
    expect(refused).toBeGreaterThan(0);
    expect(h.statuses.some((st) => st.lastError?.includes('Not authorized'))).toBe(true);
  });

  it('with no broker reachable it keeps retrying, reports disconnected, lets the outbox grow, never throws; then drains when one appears', async () => {
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    const h = startPublisher([{ url, protocolVersion: 4 }]);
    await vi.waitFor(() => expect(h.clients.length).toBeGreaterThanOrEqual(3), WAIT);
    expect(h.publisher.status()).toMatchObject({ connected: false, broker: url });
    expect(h.publisher.status().lastError).toMatch(/ECONNREFUSED/);
    payTransaction('T-A', 12_300);
    payTransaction('T-B', 12_300);
    await vi.waitFor(() => expect(h.statuses[h.statuses.length - 1]).toMatchObject({ connected: false, outboxDepth: 2 }), WAIT);

    const b = await withBroker(port);
    const got = await backend(b.url);
    await vi.waitFor(() => expect(ofTopic(got, 'events/transaction').map((m) => m.env.seq)).toEqual([1, 2]), WAIT);
    await vi.waitFor(() => expect(h.publisher.status()).toMatchObject({ connected: true, outboxDepth: 0 }), WAIT);
    expect(h.publisher.status().lastError).toBeUndefined();
  });

  it('keeps retrying when the broker refuses the protocol version (aedes has no MQTT 5)', async () => {
    const b = await withBroker();
    const h = startPublisher([{ url: b.url, protocolVersion: 5 }]);
    await vi.waitFor(() => expect(h.clients.length).toBeGreaterThanOrEqual(3), WAIT);
    expect(h.publisher.status().connected).toBe(false);
    expect(h.publisher.status().lastError).toBeDefined();
  });

  it('a clean stop publishes the offline state retained, with the id and seq of the Will', async () => {
    const b = await withBroker();
    const h = startPublisher([{ url: b.url, protocolVersion: 4 }]);
    await vi.waitFor(() => expect(h.publisher.status().connected).toBe(true), WAIT);
    const willText = String(h.clients[h.clients.length - 1]!.options.will?.payload);
    await h.publisher.stop(2000);
    const got = await backend(b.url);
    await vi.waitFor(() => expect(ofTopic(got, 'state')).toHaveLength(1), WAIT);
    const retained = ofTopic(got, 'state')[0]!;
    expect(retained.retain).toBe(true);
    expect(retained.env.data['online']).toBe(false);
    expect(JSON.stringify(retained.env)).toBe(willText);
  });
});
