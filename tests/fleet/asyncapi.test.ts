import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JournalRecord } from '../../src/fsm/types.js';
import { systemClock, systemTimers } from '../../src/hal/index.js';
import { publicKeyBase64, signCommand } from '../../src/telemetry/index.js';
import { startBroker } from '../telemetry/broker.js';
import { ASYNCAPI_PATH, check, conforms, loadContract } from './conformance.js';
import { bill, consumer, openTerminal } from './harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

describe('docs/asyncapi.yaml', () => {
  it('is a valid AsyncAPI 3 document for @asyncapi/parser, and the parser does catch a broken one', async () => {
    const { document, diagnostics } = await loadContract();
    expect(document.version()).toMatch(/^3\./);
    expect(diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code}: ${d.message}`)).toEqual([]);
    const broken = readFileSync(ASYNCAPI_PATH, 'utf8').replace('action: send', 'action: publish');
    const r = await new Parser().parse(broken);
    expect(r.document).toBeUndefined();
    expect(r.diagnostics.some((d) => d.severity === 0)).toBe(true);
  });

  it('the checker refuses what the schemas refuse', async () => {
    const c = await loadContract();
    const tx = c.channels.find((x) => x.id === 'transactionEvents')!.messages.find((m) => m.id === 'txClosed')!.schema;
    const good = { v: 1, id: 'i', ts: 1, mono: 0, boot: 'b', seq: 1, terminal: 'K1', fleet: 'n', class: 'transaction', kind: 'tx.closed', data: { txId: 'T', outcome: 'paid', paid: 1, surplus: 0, currency: 'CNY', billerId: null } };
    expect(check(tx, good)).toEqual([]);
    expect(check(tx, { ...good, seq: 0 })).not.toEqual([]);
    expect(check(tx, { ...good, data: { ...good.data, account: '1234' } })).not.toEqual([]);
    expect(check(tx, { ...good, kind: 'tx.opened' })).not.toEqual([]);
    await expect(conforms('kiosk/v1/n/K1/events/transaction', JSON.stringify({ ...good, terminal: 'K2' }))).rejects.toThrow(/names n\/K2/);
    await expect(conforms('kiosk/v1/n/K1/secret', JSON.stringify(good))).rejects.toThrow(/not in docs/);
  });

  it('every message kioskd publishes conforms, and every documented message is published by some path', async () => {
    const broker = await startBroker();
    cleanups.push(() => broker.close());
    const key = generateKeyPairSync('ed25519').privateKey;
    const c = await consumer(broker.url, ['kiosk/v1/#']);
    cleanups.push(() => c.close());
    const t = openTerminal({
      brokers: [{ url: broker.url, protocolVersion: 4 }], clock: systemClock, timers: systemTimers, maxRows: { transaction: 3 },
      commands: { enabled: true, publicKeys: [{ id: 'ops', key: publicKeyBase64(key) }], maxCommandBytes: 4096, maxNonces: 100 },
    });
    let closed = false;
    cleanups.push(async () => { if (!closed) await t.close(); });
    await vi.waitFor(() => expect(t.publisher.status().connected).toBe(true), { timeout: 10_000 });

    const append = (records: JournalRecord[]): void => t.append(records);
    t.kiosk.device('receiptPrinter', { state: 'error', reason: 'paper-out', text: 'paper out' });
    t.kiosk.device('receiptPrinter', { state: 'online', reason: 'ok', text: 'ready' });
    t.kiosk.events.emit('alarm', { kind: 'journal-failure', details: { code: 'KIOSK_E_JOURNAL_WRITE' } });
    for (let i = 1; i <= 3; i++) t.pay(`A-${i}`);
    append([{ type: 'tx.opened', txId: 'P-1', bill }, { type: 'tx.closed', txId: 'P-1', outcome: 'pending', paid: 1_000, surplus: 0 }]);
    append([{ type: 'tx.late-post', txId: 'P-1', result: 'refused', billerRef: null, outcome: 'needs-refund', code: 'KIOSK_E_BILLER_REFUSED' }]);
    append([{ type: 'tx.opened', txId: 'R-1', bill }, { type: 'tx.closed', txId: 'R-1', outcome: 'needs-refund', paid: 500, surplus: 0 }]);
    append([{ type: 'validator.counters', serial: 'NV-1', stacked: 5, credits: 4, mismatch: 1 }]);
    append([{ type: 'cash.collected', collectionId: 'C-1', reason: 'operator', counts: [{ currency: 'CNY', value: 1_000, count: 4 }], total: 4_000, notes: 4 }]);
    append([{ type: 'collection.attested', collectionId: 'C-1', collectorId: 'EMP-7', sealNumber: 'S-99' }]);
    append([{ type: 'settlement.made', day: '2026-02-01', currency: 'CNY', journalTotal: 4_000, journalPostings: 4, billerTotal: null, billerPostings: null, differences: ['biller-unavailable'] }]);
    const cmd = (name: string, id: string, args = {}): string => JSON.stringify(signCommand({ id, terminal: 'K1', name, args, expires: Date.now() + 60_000, nonce: `${id}-nonce-123` }, key));
    await c.client.publishAsync('kiosk/v1/north/K1/cmd/in-service', cmd('in-service', 'ok-1'), { qos: 1 });
    await c.client.publishAsync('kiosk/v1/north/K1/cmd/in-service', 'garbage', { qos: 1 });
    expect((await conforms('kiosk/v1/north/K1/cmd/in-service', cmd('in-service', 'doc-1'))).message).toBe('command');

    await vi.waitFor(() => {
      expect(t.outbox.size()).toBe(0);
      expect(c.got.some((r) => r.topic.endsWith('/health'))).toBe(true);
      expect(c.got.filter((r) => r.topic.endsWith('/reply'))).toHaveLength(2);
      expect(c.got.some((r) => r.env.kind === 'cleared' && r.env.data['alarm'] === 'outbox-full')).toBe(true);
    }, { timeout: 15_000, interval: 50 });
    await t.close();
    closed = true;
    await vi.waitFor(() => expect(c.got.some((r) => r.topic.endsWith('/state') && r.env.data['online'] === false)).toBe(true), { timeout: 5_000 });

    await c.settle();
    expect(c.nonConforming).toEqual([]);
    const seen = new Set<string>();
    for (const r of c.got) seen.add((await conforms(r.topic, JSON.stringify(r.env))).message);
    const documented = (await loadContract()).channels.flatMap((ch) => ch.messages.map((m) => m.id)).filter((m) => m !== 'command');
    expect([...seen].sort()).toEqual([...documented].sort());
  }, 40_000);
});
