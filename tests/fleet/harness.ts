import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, connectAsync, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { SeqLedger } from '../../src/cli/fleet/seq.js';
import type { BillInfo, JournalRecord } from '../../src/fsm/types.js';
import { TypedEmitter, type Clock, type DeviceStatus, type Timers } from '../../src/hal/index.js';
import { Journal } from '../../src/ledger/index.js';
import {
  Outbox, TelemetryPublisher, journalOutboxHook, parseEnvelope,
  type BrokerSettings, type CommandsSettings, type Envelope, type KioskTelemetryEvents, type TelemetryPublisherOptions,
} from '../../src/telemetry/index.js';
import { conforms } from './conformance.js';

export const PREFIX = 'kiosk/v1';
export const bill: BillInfo = { billerId: 'power', billerName: 'Grid Co', account: '998877665544', period: '2026-02', due: 1_000, currency: 'CNY', billRef: 'PB-1' };

/** The Kiosk as the publisher sees it, driven by the test; commands land in `calls`. */
export class FakeKiosk {
  readonly events = new TypedEmitter<KioskTelemetryEvents & Record<string, unknown>>();
  readonly calls: string[] = [];
  service = 'in-service';
  reasons: string[] = [];
  on<K extends keyof KioskTelemetryEvents>(e: K, fn: (p: KioskTelemetryEvents[K]) => void): () => void { return this.events.on(e, fn); }
  serviceState(): { service: string; reasons: readonly string[] } { return { service: this.service, reasons: this.reasons }; }
  state(): { name: string } { return { name: 'idle' }; }
  setOperatorService(inService: boolean): void {
    this.calls.push(inService ? 'in-service' : 'out-of-service');
    this.service = inService ? 'in-service' : 'out-of-service';
    this.reasons = inService ? [] : ['operator'];
    this.events.emit('state', { fsm: 'idle', service: this.service, reasons: this.reasons });
  }
  async reprint(txId?: string): Promise<{ printed: boolean; reason?: string }> {
    this.calls.push(`reprint:${txId ?? ''}`);
    return txId === 'NOPE' ? { printed: false, reason: 'not-found' } : { printed: true };
  }
  device(device: string, status: DeviceStatus): void { this.events.emit('device', { device, status }); }
}

export interface Terminal {
  readonly dir: string;
  readonly journal: Journal;
  readonly outbox: Outbox;
  readonly publisher: TelemetryPublisher;
  readonly kiosk: FakeKiosk;
  /** Journals one whole paid transaction; its tx.closed becomes an outbox row in the same SQL transaction. */
  pay(txId: string, paid?: number): void;
  append(records: JournalRecord[]): void;
  close(): Promise<void>;
}

export interface TerminalOptions {
  readonly brokers: readonly BrokerSettings[];
  readonly clock: Clock;
  readonly timers: Timers;
  readonly terminal?: string;
  readonly fleet?: string;
  readonly dir?: string;
  readonly commands?: CommandsSettings;
  readonly maxRows?: Partial<Record<'transaction' | 'alarm' | 'collection', number>>;
  readonly over?: Partial<TelemetryPublisherOptions>;
  readonly start?: boolean;
}

export function openTerminal(o: TerminalOptions): Terminal {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'kioskd-fleet-'));
  const terminal = o.terminal ?? 'K1';
  const fleet = o.fleet ?? 'north';
  const journal = Journal.open({ path: join(dir, 'journal.db'), bootId: `boot-${Math.random().toString(16).slice(2, 8)}`, clock: o.clock, synchronous: 'OFF' });
  const outbox = Outbox.attachJournal(journal, { prefix: PREFIX, fleet, terminal, bootId: 'b', clock: o.clock, ...(o.maxRows ? { maxRows: o.maxRows } : {}) });
  const hook = journalOutboxHook(outbox);
  const kiosk = new FakeKiosk();
  const publisher = new TelemetryPublisher({
    telemetry: { brokers: o.brokers, heartbeatMs: 1000, topicPrefix: PREFIX, ...(o.commands ? { commands: o.commands } : {}) },
    terminal, fleet, outbox, clock: o.clock, timers: o.timers, bootId: 'boot-test', version: '0.1.0-test',
    backoff: { initialMs: 50, maxMs: 400 }, connectTimeoutMs: 3000,
    board: { diskFreeBytes: () => 1_000_000, cpuTempC: () => 48.5, throttled: () => null },
    clockSynced: () => true,
    mqttConnect: (url, opts) => connect(url, opts),
    ...o.over,
  });
  publisher.attachKiosk(kiosk);
  if (o.start !== false) publisher.start();
  const append = (records: JournalRecord[]): void => { journal.appendAll(records, (db) => hook(records, db)); };
  return {
    dir, journal, outbox, publisher, kiosk, append,
    pay: (txId, paid = 1_000) => append([{ type: 'tx.opened', txId, bill }, { type: 'tx.closed', txId, outcome: 'paid', paid, surplus: paid - bill.due }]),
    async close() {
      await publisher.stop(300);
      journal.close();
      if (!o.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Received {
  readonly topic: string;
  readonly env: Envelope;
  readonly retain: boolean;
  readonly packet: IPublishPacket;
}

export interface Consumer {
  readonly client: MqttClient;
  readonly got: Received[];
  /** Durable events after dropping duplicates by (terminal, class, seq). */
  readonly unique: Received[];
  readonly seqs: SeqLedger;
  /** Messages that do not conform to docs/asyncapi.yaml (should stay empty). */
  readonly nonConforming: string[];
  /** Conformance checks still running. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const DURABLE = new Set(['transaction', 'alarm', 'collection']);

/** A fleet back end: records every message, validates it against the AsyncAPI document, dedups events. */
export async function consumer(url: string, filters: string[], opts: IClientOptions = {}): Promise<Consumer> {
  const client = await connectAsync(url, { protocolVersion: 4, clean: true, reconnectPeriod: 100, clientId: `backend-${Math.random().toString(16).slice(2)}`, ...opts });
  const got: Received[] = [];
  const unique: Received[] = [];
  const seqs = new SeqLedger();
  const nonConforming: string[] = [];
  const checks: Promise<void>[] = [];
  client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
    // Commands are the back end's (some deliberately bad here); everything else is kioskd's and must conform.
    if (topic.includes('/cmd/')) return;
    checks.push(conforms(topic, payload, topic.startsWith(`${PREFIX}/`) ? undefined : 'reply').then(() => undefined, (e: unknown) => { nonConforming.push(e instanceof Error ? e.message : String(e)); }));
    const env = parseEnvelope(payload);
    const r = { topic, env, retain: packet.retain, packet };
    got.push(r);
    if (DURABLE.has(env.class) && seqs.accept(env.terminal, env.class, env.seq)) unique.push(r);
  });
  await client.subscribeAsync(filters, { qos: 1 });
  return {
    client, got, unique, seqs, nonConforming,
    settle: async () => { await Promise.all(checks); },
    close: () => client.endAsync(true),
  };
}
