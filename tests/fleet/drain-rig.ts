/**
 * The outbox drain as the benchmarks measure it: a journal with a backlog of queued events, our publisher
 * draining it into a real Mosquitto, and plain MQTT.js publishing the same payloads at QoS 1 with the same
 * in-flight window for comparison.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { systemClock, systemTimers } from '../../src/hal/index.js';
import { Journal } from '../../src/ledger/index.js';
import { Outbox, TelemetryPublisher, type CommandableKiosk } from '../../src/telemetry/index.js';

export const WINDOW = 32;

export interface Backlog {
  readonly journal: Journal;
  readonly outbox: Outbox;
  close(): void;
}

/** A journal (synchronous = FULL, as kioskd runs it) whose outbox holds `n` transaction events. */
export function makeBacklog(n: number, terminal = 'B1'): Backlog {
  const dir = mkdtempSync(join(tmpdir(), 'kioskd-drain-'));
  const journal = Journal.open({ path: join(dir, 'journal.db'), bootId: 'bench', clock: systemClock });
  const outbox = Outbox.attachJournal(journal, { prefix: 'kiosk/v1', fleet: 'bench', terminal, bootId: 'bench', clock: systemClock });
  journal.appendAll([], (db) => {
    for (let i = 0; i < n; i++) {
      outbox.enqueue(db, { class: 'transaction', kind: 'tx.closed', data: { txId: `TX-${i}`, outcome: 'paid', paid: 5_000, surplus: 440, currency: 'CNY', billerId: 'water-city' } });
    }
  });
  return { journal, outbox, close: () => { journal.close(); rmSync(dir, { recursive: true, force: true }); } };
}

export interface DrainHooks {
  /** Runs once the publisher is connected (the drain has begun). */
  readonly onConnected?: (publisher: TelemetryPublisher) => void;
  readonly kiosk?: CommandableKiosk;
}

/** Our publisher drains the whole backlog; resolves to ms from connect to the last PUBACK (and its delete). */
export async function drainOurs(url: string, b: Backlog, hooks: DrainHooks = {}): Promise<number> {
  const publisher = new TelemetryPublisher({
    telemetry: { brokers: [{ url, protocolVersion: 4 }], heartbeatMs: 60_000, topicPrefix: 'kiosk/v1' },
    terminal: 'B1', fleet: 'bench', outbox: b.outbox, clock: systemClock, timers: systemTimers, bootId: 'bench', version: 'bench',
    inflightWindow: WINDOW, clientId: `bench-ours-${Math.random().toString(16).slice(2)}`,
    board: { diskFreeBytes: () => null, cpuTempC: () => null, throttled: () => null },
  });
  if (hooks.kiosk) publisher.attachKiosk(hooks.kiosk);
  let t0 = 0;
  const done = new Promise<number>((resolve) => {
    const off = publisher.on('status', (s) => {
      if (s.connected && t0 === 0) { t0 = performance.now(); hooks.onConnected?.(publisher); }
      if (t0 !== 0 && s.outboxDepth === 0) {
        off();
        // Wait for the batched DELETE of the last acks too: that is part of our cost.
        const wait = (): void => { if (b.outbox.pendingAcks() === 0) resolve(performance.now() - t0); else setImmediate(wait); };
        wait();
      }
    });
  });
  publisher.start();
  const ms = await done;
  await publisher.stop(1000);
  return ms;
}

/** Plain MQTT.js: the same payloads, QoS 1, at most WINDOW unacknowledged. */
export async function drainRaw(url: string, payloads: readonly { topic: string; payload: string }[]): Promise<number> {
  const client = await connectAsync(url, { protocolVersion: 4, clean: true, reconnectPeriod: 0, clientId: `bench-raw-${Math.random().toString(16).slice(2)}` });
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let acked = 0;
    const send = (): void => {
      const m = payloads[next++]!;
      client.publish(m.topic, m.payload, { qos: 1 }, (err) => {
        if (err) { reject(err); return; }
        acked += 1;
        if (acked === payloads.length) resolve();
        else if (next < payloads.length) send();
      });
    };
    for (let i = 0; i < Math.min(WINDOW, payloads.length); i++) send();
  });
  const ms = performance.now() - t0;
  await client.endAsync(true);
  return ms;
}
