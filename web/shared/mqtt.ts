import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';

export interface TelemetryMessage {
  readonly topic: string;
  readonly text: string;
  /** The parsed envelope, when the payload is one. */
  readonly env: Envelope | undefined;
  readonly retained: boolean;
}

/** The v1 envelope as kioskd publishes it (src/telemetry/envelope.ts); read-only here. */
export interface Envelope {
  readonly v: number;
  readonly id: string;
  readonly ts: number;
  readonly boot: string;
  readonly seq: number;
  readonly terminal: string;
  readonly fleet: string;
  readonly class: string;
  readonly kind: string;
  readonly data: Readonly<Record<string, unknown>>;
}

function asEnvelope(v: unknown): Envelope | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const ok = typeof o['terminal'] === 'string' && typeof o['fleet'] === 'string' && typeof o['class'] === 'string'
    && typeof o['kind'] === 'string' && typeof o['data'] === 'object' && o['data'] !== null;
  return ok ? (o as unknown as Envelope) : undefined;
}

/** The WebSocket URL of the embedded broker, on the page's own host unless `?mqtt=` says otherwise. */
export function brokerUrl(path: string): string {
  const override = new URLSearchParams(location.search).get('mqtt');
  if (override) return override;
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
}

/**
 * Subscribes over MQTT-over-WebSocket (MQTT 3.1.1: the embedded aedes broker speaks no MQTT 5) and hands
 * every message on. MQTT.js reconnects by itself; `onStatus` follows the connection.
 */
export function watchTelemetry(url: string, filter: string, onMessage: (m: TelemetryMessage) => void, onStatus: (connected: boolean) => void): MqttClient {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 2000, connectTimeout: 5000, clean: true, clientId: `web-${Math.random().toString(16).slice(2, 10)}` });
  const decoder = new TextDecoder();
  client.on('connect', () => {
    onStatus(true);
    client.subscribe(filter, { qos: 0 });
  });
  client.on('close', () => onStatus(false));
  client.on('message', (topic, payload, packet) => {
    const text = decoder.decode(payload as Uint8Array);
    let env: Envelope | undefined;
    try { env = asEnvelope(JSON.parse(text)); } catch { env = undefined; }
    onMessage({ topic, text, env, retained: packet.retain === true });
  });
  return client;
}
