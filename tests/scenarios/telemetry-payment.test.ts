import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseEnvelope, type Envelope } from '../../src/telemetry/index.js';
import { insertNote, startSimKiosk, type SimKiosk } from '../sim/harness.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../sim/launcher/broker.js';

let sim: SimKiosk | undefined;
let broker: EmbeddedBroker | undefined;
let sub: MqttClient | undefined;
afterEach(async () => {
  await sub?.endAsync(true);
  await sim?.close();
  await broker?.stop();
  sim = undefined; broker = undefined; sub = undefined;
});

interface Seen { topic: string; env: Envelope; retained: boolean }

/** A separate MQTT client on the embedded broker, as an operator's tool would be. */
async function subscriber(b: EmbeddedBroker): Promise<{ seen: Seen[]; client: MqttClient }> {
  const seen: Seen[] = [];
  const client = await connectAsync(b.url, { protocolVersion: 4, clean: true, reconnectPeriod: 200 });
  client.on('message', (topic, payload, packet) => seen.push({ topic, env: parseEnvelope(payload), retained: packet.retain }));
  client.on('connect', () => void client.subscribeAsync('kiosk/v1/#', { qos: 1 }));
  await client.subscribeAsync('kiosk/v1/#', { qos: 1 });
  return { seen, client };
}

async function startKiosk(b: EmbeddedBroker, txId: string): Promise<SimKiosk> {
  const s = await startSimKiosk({
    newTxId: () => txId,
    overrides: { telemetry: { brokers: [{ url: b.url, protocolVersion: 4 }], heartbeatMs: 1_000 } },
  });
  await s.runtime.start();
  return s;
}

async function payWaterBill(s: SimKiosk, beforeLastNote?: () => Promise<void>): Promise<void> {
  s.devices.scanner.scan(s.biller.sampleBarcodes().find((x) => x.account === '000123456789')!.code);
  await vi.waitFor(() => expect(s.runtime.kiosk.state().name).toBe('bill-shown'));
  s.devices.panel.press('cash');
  await s.runtime.kiosk.settle();
  expect(await insertNote(s, 2_000)).toBe('escrow');
  await beforeLastNote?.();
  expect(await insertNote(s, 5_000)).toBe('escrow');
  await vi.waitFor(() => expect(s.runtime.kiosk.state().name).toBe('done'));
}

const TOPIC = 'kiosk/v1/sim/SIM-0001';

describe('scenario: telemetry of a scripted payment through the embedded broker', () => {
  it('a subscriber receives the retained state, a heartbeat and the transaction event', async () => {
    broker = await startEmbeddedBroker({ port: 0 });
    const { seen, client } = await subscriber(broker);
    sub = client;
    sim = await startKiosk(broker, 'TEL-1');
    await payWaterBill(sim);
    await vi.waitFor(() => {
      expect(seen.some((m) => m.topic === `${TOPIC}/state` && m.env.data['online'] === true)).toBe(true);
      expect(seen.some((m) => m.topic === `${TOPIC}/health`)).toBe(true);
      expect(seen.some((m) => m.topic === `${TOPIC}/events/transaction`)).toBe(true);
    }, { timeout: 10_000 });
    const tx = seen.find((m) => m.topic === `${TOPIC}/events/transaction`)!.env;
    expect(tx).toMatchObject({ terminal: 'SIM-0001', fleet: 'sim', class: 'transaction', seq: 1, data: { txId: 'TEL-1', outcome: 'paid', paid: 7_000, surplus: 2_440, currency: 'CNY', billerId: 'water-city' } });
    // Nothing personal travels: no account number, no barcode.
    const all = JSON.stringify(seen.map((m) => m.env));
    expect(all).not.toContain('000123456789');
    expect(await vi.waitFor(() => { const s = sim!.runtime.telemetry!.status(); expect(s.outboxDepth).toBe(0); return s; })).toMatchObject({ connected: true });
  });

  it('the transaction event still arrives when the broker is stopped mid-payment and restarted; a duplicate keeps its id and seq', async () => {
    broker = await startEmbeddedBroker({ port: 0 });
    const { seen, client } = await subscriber(broker);
    sub = client;
    sim = await startKiosk(broker, 'TEL-2');
    await vi.waitFor(() => expect(sim!.runtime.telemetry!.status().connected).toBe(true), { timeout: 10_000 });
    await payWaterBill(sim, async () => { await broker!.stop(); });
    // The broker is down: the kiosk finished serving, the event waits in the durable outbox.
    expect(sim.runtime.journal.transaction('TEL-2')).toMatchObject({ outcome: 'paid' });
    await vi.waitFor(() => expect(sim!.runtime.telemetry!.status()).toMatchObject({ connected: false, outboxDepth: 1 }), { timeout: 10_000 });
    await broker.start();
    await vi.waitFor(() => expect(seen.filter((m) => m.topic === `${TOPIC}/events/transaction`).length).toBeGreaterThan(0), { timeout: 20_000 });
    const events = seen.filter((m) => m.topic === `${TOPIC}/events/transaction`).map((m) => m.env);
    expect(new Set(events.map((e) => `${e.id}/${e.seq}`)).size).toBe(1);
    expect(events[0]).toMatchObject({ seq: 1, data: { txId: 'TEL-2' } });
    await vi.waitFor(() => expect(sim!.runtime.telemetry!.status()).toMatchObject({ connected: true, outboxDepth: 0 }), { timeout: 10_000 });
  });

  it('a broker unreachable at start does not stop the kiosk from serving; the event waits and is delivered later', async () => {
    broker = await startEmbeddedBroker({ port: 0 });
    await broker.stop();
    sim = await startKiosk(broker, 'TEL-3');
    expect(sim.runtime.kiosk.serviceState().service).toBe('in-service');
    await payWaterBill(sim);
    expect(sim.runtime.telemetry!.status()).toMatchObject({ connected: false, outboxDepth: 1 });
    await broker.start();
    const { seen, client } = await subscriber(broker);
    sub = client;
    await vi.waitFor(() => expect(seen.some((m) => m.topic === `${TOPIC}/events/transaction` && m.env.data['txId'] === 'TEL-3')).toBe(true), { timeout: 20_000 });
  });
});
