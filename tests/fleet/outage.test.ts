import { connect } from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, systemClock, systemTimers } from '../../src/hal/index.js';
import { consumer, openTerminal, type Consumer, type Terminal } from './harness.js';
import { haveMosquitto, startMosquitto, type Mosquitto } from './mosquitto.js';

const EVENTS = 'kiosk/v1/north/K1/events/#';
const PAPER_OUT = { state: 'error', reason: 'paper-out', text: 'receipt paper out' } as const;
const PAPER_OK = { state: 'online', reason: 'ok', text: 'ready' } as const;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

const io = (ms = 2): Promise<void> => new Promise((r) => setTimeout(r, ms));

function expectComplete(c: Consumer, counts: Record<string, number>): void {
  const stats = c.seqs.stats();
  for (const [cls, n] of Object.entries(counts)) {
    const s = stats.find((x) => x.class === cls);
    expect(s, `stream ${cls}`).toMatchObject({ terminal: 'K1', contiguous: n, highest: n, missing: 0 });
  }
}

describe.runIf(haveMosquitto())('real broker: outages lose nothing', () => {
  it('mosquitto stopped and restarted mid-run: every transaction and alarm arrives once after dedupe, seq without gaps', async () => {
    const mosq: Mosquitto = await startMosquitto({ persistence: true });
    cleanups.push(() => mosq.dispose());
    // The back end keeps a persistent session, so the broker queues for it across its own restart.
    const c = await consumer(mosq.url, [EVENTS], { clean: false, clientId: 'backend-outage-1' });
    cleanups.push(() => c.close());
    const t: Terminal = openTerminal({ brokers: [{ url: mosq.url, protocolVersion: 4 }], clock: systemClock, timers: systemTimers });
    cleanups.push(() => t.close());
    await vi.waitFor(() => expect(t.publisher.status().connected).toBe(true), { timeout: 10_000 });

    let alarms = 0;
    for (let i = 1; i <= 300; i++) {
      t.pay(`TX-${i}`);
      if (i % 25 === 0) { t.kiosk.device('receiptPrinter', (i / 25) % 2 ? PAPER_OUT : PAPER_OK); alarms += 1; }
      if (i === 100) await mosq.stop();
      if (i === 200) await mosq.start();
      await io(1);
    }
    await vi.waitFor(() => {
      expect(t.outbox.size()).toBe(0);
      expect(c.unique.filter((r) => r.env.class === 'transaction')).toHaveLength(300);
      expect(c.unique.filter((r) => r.env.class === 'alarm')).toHaveLength(alarms);
    }, { timeout: 30_000, interval: 50 });
    expectComplete(c, { transaction: 300, alarm: alarms });
    const txIds = new Set(c.unique.filter((r) => r.env.class === 'transaction').map((r) => r.env.data['txId']));
    expect(txIds.size).toBe(300);
    // Raised and cleared alternate, each once.
    expect(c.unique.filter((r) => r.env.class === 'alarm').map((r) => r.env.kind)).toEqual(Array.from({ length: alarms }, (_, i) => (i % 2 ? 'cleared' : 'raised')));
    await c.settle();
    expect(c.nonConforming).toEqual([]);
  }, 60_000);

  it('a six-hour outage on the fake clock: the outbox holds everything, retries stay bounded, alarms go first on reconnect', async () => {
    const mosq = await startMosquitto();
    cleanups.push(() => mosq.dispose());
    const c = await consumer(mosq.url, [EVENTS]);
    cleanups.push(() => c.close());
    const clock = new ManualClock(1_760_000_000_000);
    const attempts: string[] = [];
    const t = openTerminal({
      brokers: [{ url: mosq.url, protocolVersion: 4 }], clock, timers: clock,
      over: {
        backoff: { initialMs: 1000, maxMs: 60_000 }, random: () => 0.5,
        mqttConnect: (url, opts) => { attempts.push(url); return connect(url, opts); },
      },
    });
    cleanups.push(async () => { const s = t.close(); clock.advance(500); await s; });
    await vi.waitFor(() => expect(t.publisher.status().connected).toBe(true), { timeout: 10_000 });
    await mosq.stop();
    await vi.waitFor(() => expect(t.publisher.status().connected).toBe(false), { timeout: 10_000 });

    let tx = 0;
    let alarms = 0;
    const before = attempts.length;
    for (let minute = 1; minute <= 360; minute++) {
      clock.advance(60_000);
      t.pay(`OUT-${++tx}`);
      t.pay(`OUT-${++tx}`);
      if (minute % 30 === 0) { t.kiosk.device('billValidator', (minute / 30) % 2 ? { state: 'error', reason: 'cashbox-removed', text: 'cash box removed' } : { state: 'online', reason: 'ok', text: 'ready' }); alarms += 1; }
      await io(1);
    }
    // Nothing was dropped, nothing is held in memory beyond the rows on disk.
    expect(t.outbox.depth()).toEqual({ transaction: 720, alarm: alarms, collection: 0 });
    // Backoff capped at 60 s with jitter in [30 s, 60 s]: at most one attempt per 30 s of outage.
    expect(attempts.length - before).toBeLessThanOrEqual(6 * 120 + 2);
    // …and it never gave up (how many exactly depends on how fast refusals come back on this machine).
    expect(attempts.length - before).toBeGreaterThan(50);

    await mosq.start();
    for (let i = 0; i < 120 && !t.publisher.status().connected; i++) { clock.advance(1000); await io(25); }
    await vi.waitFor(() => {
      expect(c.unique.filter((r) => r.env.class === 'transaction')).toHaveLength(720);
      expect(c.unique.filter((r) => r.env.class === 'alarm')).toHaveLength(alarms);
    }, { timeout: 30_000, interval: 50 });
    expectComplete(c, { transaction: 720, alarm: alarms });
    // Live alarms are not delayed behind the backlog: all of them are within the first in-flight window.
    const firstEvents = c.got.filter((r) => r.topic.includes('/events/')).slice(0, 32);
    expect(firstEvents.filter((r) => r.env.class === 'alarm')).toHaveLength(alarms);
    await c.settle();
    expect(c.nonConforming).toEqual([]);
  }, 90_000);
});
