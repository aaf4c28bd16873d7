import { haveMosquitto, startMosquitto } from '../../tests/fleet/mosquitto.js';
import { stat, type Stat } from '../lib.js';

/**
 * Runs one measurement `runs` times against the same Mosquitto and summarises its p99 and max, plus the
 * sum of one count the measurement reports (alarms seen, polls made).
 */
export async function p99AndMaxOnMosquitto(
  runs: number, once: (url: string) => Promise<{ p99: number; max: number; count: number }>,
): Promise<{ p99_ms: Stat; max_ms: Stat; count: number }> {
  if (!haveMosquitto()) throw new Error('mosquitto is needed for this benchmark');
  const mosq = await startMosquitto();
  try {
    const p99: number[] = [];
    const max: number[] = [];
    let count = 0;
    for (let i = 0; i < runs; i++) {
      const r = await once(mosq.url);
      p99.push(r.p99); max.push(r.max); count += r.count;
    }
    return { p99_ms: stat(p99), max_ms: stat(max), count };
  } finally {
    await mosq.dispose();
  }
}
