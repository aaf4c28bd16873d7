import { KioskError } from '../errors/index.js';

/** Event topics carry durable classes; the topic segment is the class (`events/transaction`). */
export const EVENT_CLASSES = ['transaction', 'alarm', 'collection'] as const;
export type EventClass = (typeof EVENT_CLASSES)[number];

export interface TopicIdentity {
  /** e.g. `kiosk/v1`; may contain `/` between levels. */
  readonly prefix: string;
  readonly fleet: string;
  readonly terminal: string;
}

export interface TerminalTopics {
  /** Retained: online/offline (the offline one is the Will), service state, version. */
  readonly state: string;
  /** Heartbeat, QoS 0, never queued. */
  readonly health: string;
  /** Retained: each device's status. */
  readonly devices: string;
  /** Command results, correlated by the command id. */
  readonly reply: string;
  /** Subscription filter for every command of this terminal. */
  readonly commands: string;
  event(cls: EventClass): string;
  command(name: string): string;
}

// One topic level: no wildcards, no level separator, no NUL (MQTT forbids U+0000 in topics).
const BAD_LEVEL = /[+#/\u0000]/;

function invalid(what: string, value: string, why: string): KioskError {
  return new KioskError('KIOSK_E_CONFIG_INVALID', `${what} ${JSON.stringify(value)} ${why}`, { details: { what } });
}

/** Checks one topic level (a fleet, terminal or command name): non-empty, no `+ # /`, at most 64 chars. */
export function assertTopicLevel(what: string, value: string): void {
  if (value.length === 0) throw invalid(what, value, 'is empty');
  if (value.length > 64) throw invalid(what, value, 'is longer than 64 characters');
  if (BAD_LEVEL.test(value)) throw invalid(what, value, 'contains + # / or NUL');
}

/** Checks a prefix: levels separated by `/`, none empty or a wildcard, not a `$` system topic. */
export function assertTopicPrefix(prefix: string): void {
  if (prefix.startsWith('$')) throw invalid('topic prefix', prefix, 'starts with $ (reserved for the broker)');
  for (const level of prefix.split('/')) {
    if (level.length === 0) throw invalid('topic prefix', prefix, 'has an empty level');
    if (/[+#\u0000]/.test(level)) throw invalid('topic prefix', prefix, 'contains + # or NUL');
  }
}

/** Builds (and validates once) every topic of one terminal. */
export function terminalTopics(id: TopicIdentity): TerminalTopics {
  assertTopicPrefix(id.prefix);
  assertTopicLevel('fleet id', id.fleet);
  assertTopicLevel('terminal id', id.terminal);
  const base = `${id.prefix}/${id.fleet}/${id.terminal}`;
  return {
    state: `${base}/state`,
    health: `${base}/health`,
    devices: `${base}/devices`,
    reply: `${base}/reply`,
    commands: `${base}/cmd/+`,
    event(cls: EventClass): string {
      if (!(EVENT_CLASSES as readonly string[]).includes(cls)) throw invalid('event class', cls, 'is not a known event class');
      return `${base}/events/${cls}`;
    },
    command(name: string): string {
      assertTopicLevel('command name', name);
      return `${base}/cmd/${name}`;
    },
  };
}
