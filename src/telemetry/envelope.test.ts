import { describe, expect, it } from 'vitest';
import { isKioskError } from '../errors/index.js';
import { encodeEnvelope, LiveSeq, makeEnvelope, parseEnvelope } from './envelope.js';

const stamp = { id: 'b3c1f0e2-0000-4000-8000-000000000001', wallMs: 1_767_225_600_123.7, monoMs: 5_000.9, boot: 'boot-1', seq: 7, terminal: 'K1', fleet: 'north' };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isKioskError(e) ? e.code : 'non-kiosk';
  }
  return undefined;
}

describe('envelope', () => {
  it('carries v, id, times, boot, seq, ids, class, kind and data', () => {
    const e = makeEnvelope(stamp, 'transaction', 'tx.closed', { txId: 'T1', paid: 5000 });
    expect(e).toEqual({
      v: 1, id: stamp.id, ts: 1_767_225_600_123, mono: 5_000, boot: 'boot-1', seq: 7,
      terminal: 'K1', fleet: 'north', class: 'transaction', kind: 'tx.closed', data: { txId: 'T1', paid: 5000 },
    });
  });

  it('round-trips through its JSON text', () => {
    const e = makeEnvelope(stamp, 'health', 'heartbeat', { rssBytes: 1, nested: { list: [1, 'a', null, true] } });
    expect(parseEnvelope(encodeEnvelope(e))).toEqual(e);
    expect(parseEnvelope(Buffer.from(encodeEnvelope(e)))).toEqual(e);
  });

  it('refuses a seq below 1', () => {
    expect(codeOf(() => makeEnvelope({ ...stamp, seq: 0 }, 'state', 'online', {}))).toBe('KIOSK_E_INTERNAL');
  });

  it.each([
    ['not JSON', '{'],
    ['a wrong version', JSON.stringify({ ...makeEnvelope(stamp, 'state', 'online', {}), v: 2 })],
    ['an unknown class', JSON.stringify({ ...makeEnvelope(stamp, 'state', 'online', {}), class: 'misc' })],
    ['a missing id', JSON.stringify({ ...makeEnvelope(stamp, 'state', 'online', {}), id: undefined })],
    ['an extra field', JSON.stringify({ ...makeEnvelope(stamp, 'state', 'online', {}), extra: 1 })],
  ])('parseEnvelope refuses %s', (_what, text) => {
    expect(codeOf(() => parseEnvelope(text))).toBe('KIOSK_E_MQTT_PAYLOAD');
  });

  it('LiveSeq counts from 1 per class without gaps', () => {
    const s = new LiveSeq();
    expect([s.take('state'), s.take('state'), s.take('health'), s.take('state'), s.take('health')]).toEqual([1, 2, 1, 3, 2]);
  });
});
