export {
  EVENT_CLASSES,
  assertTopicLevel,
  assertTopicPrefix,
  terminalTopics,
  type EventClass,
  type TerminalTopics,
  type TopicIdentity,
} from './topics.js';
export {
  DURABLE_CLASSES,
  ENVELOPE_VERSION,
  LIVE_CLASSES,
  LiveSeq,
  encodeEnvelope,
  isDurableClass,
  makeEnvelope,
  parseEnvelope,
  type DurableClass,
  type Envelope,
  type EnvelopeStamp,
  type JsonObject,
  type JsonValue,
  type LiveClass,
  type TelemetryClass,
} from './envelope.js';
export {
  Outbox,
  transactionOutboxHook,
  type OutboxDepth,
  type OutboxMessage,
  type OutboxOptions,
  type OutboxRow,
  type TransactionEventData,
} from './outbox.js';
export { createProcessSampler, type ProcessSample, type ProcessSampler } from './health.js';
export {
  TelemetryPublisher,
  type BackoffSettings,
  type BrokerSettings,
  type KioskTelemetrySource,
  type MqttClientLike,
  type MqttConnect,
  type TelemetryEvents,
  type TelemetryPublisherOptions,
  type TelemetrySettings,
  type TelemetryStatus,
} from './publisher.js';
