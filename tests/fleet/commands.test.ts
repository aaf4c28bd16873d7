import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock, systemTimers } from '../../src/hal/index.js';
import { publicKeyBase64, signCommand, type CommandDraft } from '../../src/telemetry/index.js';
import { consumer, openTerminal, type Consumer, type Terminal } from './harness.js';
import { haveMosquitto, startMosquitto, type Mosquitto } from './mosquitto.js';

const key = generateKeyPairSync('ed25519').privateKey;
const commands = { enabled: true, publicKeys: [{ id: 'ops', key: publicKeyBase64(key) }], maxCommandBytes: 4096, maxNonces: 1000 };
const BASE = 'kiosk/v1/north/K1';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

let n = 0;
function signed(over: Partial<CommandDraft> = {}): string {
  n += 1;
  return JSON.stringify(signCommand({ id: `cmd-${n}`, terminal: 'K1', name: 'out-of-service', expires: Date.now() + 60_000, nonce: randomBytes(12).toString('hex'), ...over }, key));
}

async function setup(v: 4 | 5, dir?: string): Promise<{ mosq: Mosquitto; t: Terminal; c: Consumer }> {
  const mosq = await startMosquitto();
  cleanups.push(() => mosq.dispose());
  return { mosq, ...(await attach(mosq, v, dir)) };
}

async function attach(mosq: Mosquitto, v: 4 | 5, dir?: string): Promise<{ t: Terminal; c: Consumer }> {
  const reboots: number[] = [];
  const t = openTerminal({ brokers: [{ url: mosq.url, protocolVersion: v }], clock: systemClock, timers: systemTimers, commands, ...(dir ? { dir } : {}), over: { commandHooks: { reboot: () => { reboots.push(1); } } } });
  cleanups.push(() => t.close());
  const c = await consumer(mosq.url, [`${BASE}/reply`, `${BASE}/cmd/+`, 'console/+/replies'], { protocolVersion: v });
  cleanups.push(() => c.close());
  await vi.waitFor(() => expect(t.publisher.status().connected).toBe(true), { timeout: 10_000 });
  // The terminal's command subscription is in place once a probe command gets its reply.
  await c.client.publishAsync(`${BASE}/cmd/diagnostics`, signed({ name: 'diagnostics', id: 'probe' }), { qos: 1 });
  await vi.waitFor(() => expect(c.got.some((r) => r.env.data['commandId'] === 'probe')).toBe(true), { timeout: 10_000 });
  return { t, c };
}

const replyTo = (c: Consumer, id: string | null): Record<string, unknown> | undefined =>
  c.got.find((r) => r.topic === `${BASE}/reply` && r.env.data['commandId'] === id)?.env.data as Record<string, unknown> | undefined;

describe.runIf(haveMosquitto())('real broker: signed commands', () => {
  it('MQTT 5: applies a signed command once; the reply carries the command id and the correlation data, also on the response topic', async () => {
    const { t, c } = await setup(5);
    const payload = signed({ id: 'oos-1' });
    await c.client.publishAsync(`${BASE}/cmd/out-of-service`, payload, { qos: 1, properties: { responseTopic: 'console/abc/replies', correlationData: Buffer.from('corr-1') } });
    await vi.waitFor(() => expect(replyTo(c, 'oos-1')).toMatchObject({ status: 'ok', name: 'out-of-service' }), { timeout: 10_000 });
    expect(t.kiosk.calls).toEqual(['out-of-service']);
    const onTopic = c.got.filter((r) => r.env.data['commandId'] === 'oos-1');
    expect(onTopic.map((r) => r.topic).sort()).toEqual(['console/abc/replies', `${BASE}/reply`]);
    for (const r of onTopic) expect(Buffer.from(r.packet.properties?.correlationData ?? []).toString()).toBe('corr-1');
    // The same bytes again: replayed, nothing applied.
    await c.client.publishAsync(`${BASE}/cmd/out-of-service`, payload, { qos: 1 });
    await vi.waitFor(() => expect(c.got.filter((r) => r.topic === `${BASE}/reply` && r.env.data['commandId'] === 'oos-1').map((r) => r.env.data['status'])).toEqual(['ok', 'refused']), { timeout: 10_000 });
    expect(t.kiosk.calls).toEqual(['out-of-service']);
    await c.settle();
    expect(c.nonConforming).toEqual([]);
  }, 30_000);

  it('MQTT 3.1.1 without loss of function: bad input is refused with a reply that says why, nothing applied', async () => {
    const { t, c } = await setup(4);
    const cases: [string, string | Buffer, string | null, string][] = [
      ['out-of-service', 'this is not json', null, 'malformed'],
      ['out-of-service', JSON.stringify({ v: 1, id: 'schema-1', hello: true }), 'schema-1', 'malformed'],
      ['out-of-service', Buffer.alloc(5000, 0x20), null, 'oversized'],
      ['out-of-service', signed({ id: 'other-1', terminal: 'K2' }), 'other-1', 'wrong-terminal'],
      ['out-of-service', signed({ id: 'old-1', expires: Date.now() - 1000 }), 'old-1', 'expired'],
      ['out-of-service', JSON.stringify({ ...JSON.parse(signed({ id: 'forged-1' })) as object, args: { x: 1 } }), 'forged-1', 'bad-signature'],
    ];
    for (const [name, payload, id, reason] of cases) {
      const before = c.got.filter((r) => r.topic === `${BASE}/reply`).length;
      await c.client.publishAsync(`${BASE}/cmd/${name}`, payload, { qos: 1 });
      await vi.waitFor(() => expect(c.got.filter((r) => r.topic === `${BASE}/reply`).length).toBe(before + 1), { timeout: 10_000 });
      expect(c.got.filter((r) => r.topic === `${BASE}/reply`).at(-1)!.env.data).toMatchObject({ commandId: id, status: 'refused', reason });
    }
    expect(t.kiosk.calls).toEqual([]);
    await c.client.publishAsync(`${BASE}/cmd/reprint`, signed({ id: 'rp-1', name: 'reprint', args: { txId: 'T7' } }), { qos: 1 });
    await vi.waitFor(() => expect(replyTo(c, 'rp-1')).toMatchObject({ status: 'ok', result: { printed: true } }), { timeout: 10_000 });
    expect(t.kiosk.calls).toEqual(['reprint:T7']);
    await c.settle();
    expect(c.nonConforming).toEqual([]);
  }, 30_000);

  it('spent nonces survive a kioskd restart: the same command is refused by the next run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kioskd-cmd-restart-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { mosq, t, c } = await setup(4, dir);
    const payload = signed({ id: 'once-1', name: 'in-service' });
    await c.client.publishAsync(`${BASE}/cmd/in-service`, payload, { qos: 1 });
    await vi.waitFor(() => expect(replyTo(c, 'once-1')).toMatchObject({ status: 'ok' }), { timeout: 10_000 });
    await t.close();
    await c.close();
    const again = await attach(mosq, 4, dir);
    await again.c.client.publishAsync(`${BASE}/cmd/in-service`, payload, { qos: 1 });
    await vi.waitFor(() => expect(replyTo(again.c, 'once-1')).toMatchObject({ status: 'refused', reason: 'replayed' }), { timeout: 10_000 });
    expect(again.t.kiosk.calls).toEqual([]);
  }, 30_000);
});
