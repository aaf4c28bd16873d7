/**
 * Draining 50,000 queued telemetry events from the SQLite outbox into a real Mosquitto, against plain
 * MQTT.js publishing the same payloads at QoS 1 with the same in-flight window (32), side by side on the
 * same broker, interleaved. Ours also reads every row from SQLite and deletes it after its PUBACK (batched
 * per I/O turn, synchronous = FULL).
 */
import { haveMosquitto, startMosquitto } from '../tests/fleet/mosquitto.js';
import { drainOurs, drainRaw, makeBacklog } from '../tests/fleet/drain-rig.js';
import { interleave, ratios, stat, type Benchmark } from './lib.js';

const MESSAGES = 50_000;

const bench: Benchmark = {
  name: 'outbox-drain',
  goal: 'our outbox drain reaches at least half the rate of plain MQTT.js at QoS 1 with the same window: ratio >= 0.5',
  async run({ runs }) {
    if (!haveMosquitto()) throw new Error('mosquitto is needed for this benchmark');
    const mosq = await startMosquitto();
    try {
      const template = makeBacklog(MESSAGES);
      const payloads = template.outbox.peek(MESSAGES).map((r) => ({ topic: r.topic, payload: r.payload }));
      template.close();
      // Warm-up of both paths (JIT, broker).
      { const b = makeBacklog(2_000); await drainOurs(mosq.url, b); b.close(); await drainRaw(mosq.url, payloads.slice(0, 2_000)); }
      const ms = await interleave(runs, {
        ours: async () => { const b = makeBacklog(MESSAGES); try { return await drainOurs(mosq.url, b); } finally { b.close(); } },
        raw: () => drainRaw(mosq.url, payloads),
      });
      const perS = (xs: number[]): number[] => xs.map((x) => (MESSAGES * 1000) / x);
      return {
        messages: MESSAGES,
        ours_per_s: stat(perS(ms.ours)),
        raw_mqttjs_per_s: stat(perS(ms.raw)),
        ratio: stat(ratios(perS(ms.ours), perS(ms.raw))),
      };
    } finally {
      await mosq.dispose();
    }
  },
};

export default bench;
