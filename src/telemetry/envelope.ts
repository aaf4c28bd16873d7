import { z } from 'zod';
import { KioskError } from '../errors/index.js';
import { EVENT_CLASSES, type EventClass } from './topics.js';

export const ENVELOPE_VERSION = 1;

/** Classes kept in the SQLite outbox (seq persisted, never dropped); one per event topic. */
export type DurableClass = EventClass;
export const DURABLE_CLASSES: readonly DurableClass[] = EVENT_CLASSES;
/** Classes published live only (seq per boot, in memory): the latest replaces the previous. */
export const LIVE_CLASSES = ['state', 'health', 'devices', 'reply'] as const;
export type LiveClass = (typeof LIVE_CLASSES)[number];
export type TelemetryClass = DurableClass | LiveClass;

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

/**
 * Every payload kioskd publishes. `id` is unique per message (a consumer dedups on it; a re-publish keeps
 * it); `seq` counts per (terminal, class) from 1 without gaps, so a consumer can see what it missed;
 * `ts` is wall time (may be wrong on boards without an RTC), `mono` monotonic ms within boot `boot`.
 * `class` decides the topic and the delivery policy; `kind` names the message within it (`tx.closed`).
 */
export interface Envelope<D extends JsonObject = JsonObject> {
  readonly v: typeof ENVELOPE_VERSION;
  readonly id: string;
  readonly ts: number;
  readonly mono: number;
  readonly boot: string;
  readonly seq: number;
  readonly terminal: string;
  readonly fleet: string;
  readonly class: TelemetryClass;
  readonly kind: string;
  readonly data: D;
}

const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

const EnvelopeSchema = z.strictObject({
  v: z.literal(ENVELOPE_VERSION),
  id: z.string().min(1),
  ts: z.number().int(),
  mono: z.number().int().min(0),
  boot: z.string().min(1),
  seq: z.number().int().min(1),
  terminal: z.string().min(1),
  fleet: z.string().min(1),
  class: z.enum([...EVENT_CLASSES, ...LIVE_CLASSES]),
  kind: z.string().min(1),
  data: z.record(z.string(), jsonValue),
});

export interface EnvelopeStamp {
  readonly id: string;
  readonly wallMs: number;
  readonly monoMs: number;
  readonly boot: string;
  readonly seq: number;
  readonly terminal: string;
  readonly fleet: string;
}

/** Assembles an envelope; times are floored to whole ms so the JSON stays integral. */
export function makeEnvelope<D extends JsonObject>(stamp: EnvelopeStamp, cls: TelemetryClass, kind: string, data: D): Envelope<D> {
  if (!Number.isSafeInteger(stamp.seq) || stamp.seq < 1) throw new KioskError('KIOSK_E_INTERNAL', 'envelope seq must be a positive integer');
  return {
    v: ENVELOPE_VERSION,
    id: stamp.id,
    ts: Math.floor(stamp.wallMs),
    mono: Math.floor(stamp.monoMs),
    boot: stamp.boot,
    seq: stamp.seq,
    terminal: stamp.terminal,
    fleet: stamp.fleet,
    class: cls,
    kind,
    data,
  };
}

export function encodeEnvelope(e: Envelope): string {
  return JSON.stringify(e);
}

/** Parses and validates an envelope (consumers, tests, incoming commands); throws KIOSK_E_MQTT_PAYLOAD. */
export function parseEnvelope(text: string | Uint8Array): Envelope {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
  } catch (e) {
    throw new KioskError('KIOSK_E_MQTT_PAYLOAD', 'payload is not JSON', { cause: e });
  }
  const r = EnvelopeSchema.safeParse(raw);
  if (!r.success) {
    throw new KioskError('KIOSK_E_MQTT_PAYLOAD', 'payload is not a v1 envelope', { details: { issues: r.error.issues.map((i) => i.path.join('.')) } });
  }
  return r.data as Envelope;
}

export function isDurableClass(c: string): c is DurableClass {
  return (DURABLE_CLASSES as readonly string[]).includes(c);
}

/** In-memory, gap-free seq per live class, restarting at 1 each boot (the boot id tells them apart). */
export class LiveSeq {
  private readonly next = new Map<LiveClass, number>();

  take(cls: LiveClass): number {
    const seq = this.next.get(cls) ?? 1;
    this.next.set(cls, seq + 1);
    return seq;
  }
}
