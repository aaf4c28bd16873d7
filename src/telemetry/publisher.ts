import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IClientOptions, IClientPublishOptions, IClientSubscribeOptions, IPublishPacket } from 'mqtt';
import type { Logger } from 'pino';
import type { Clock, DeviceStatus, TimerHandle, Timers } from '../hal/index.js';
import { KioskError } from '../errors/index.js';
import { TypedEmitter } from '../hal/index.js';
import { encodeEnvelope, LiveSeq, makeEnvelope, type Envelope, type JsonObject, type LiveClass } from './envelope.js';
import { AlarmMonitor } from './alarms.js';
import { createBoardProbe, type BoardProbe } from './board.js';
import type { FleetPublicKey } from './command-envelope.js';
import { CommandProcessor, type CommandHooks, type CommandReply, type CommandTarget } from './commands.js';
import { createProcessSampler, type ProcessSample, type ProcessSampler } from './health.js';
import type { Outbox, OutboxLane, OutboxRow } from './outbox.js';
import { terminalTopics, type TerminalTopics } from './topics.js';

/** One broker as the config's `telemetry.brokers[]` describes it. */
export interface BrokerSettings {
  readonly url: string;
  readonly protocolVersion: 4 | 5;
  readonly username?: string | undefined;
  readonly passwordFile?: string | undefined;
  readonly caFile?: string | undefined;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
}

/** The config's `telemetry.commands`: who may command this terminal, and how big a command may be. */
export interface CommandsSettings {
  readonly enabled: boolean;
  readonly publicKeys: readonly FleetPublicKey[];
  readonly maxCommandBytes: number;
  readonly maxNonces: number;
}

/** The part of the config's `telemetry` section the publisher uses. */
export interface TelemetrySettings {
  readonly brokers: readonly BrokerSettings[];
  readonly heartbeatMs: number;
  readonly topicPrefix: string;
  /** Outbox rows published and not yet PUBACKed, at most (the option `inflightWindow` wins). */
  readonly inflightWindow?: number;
  /** Absent or disabled: no command subscription at all. */
  readonly commands?: CommandsSettings;
}

/** The few MqttClient members the publisher uses: the seam tests replace. */
export interface MqttClientLike {
  on(event: 'connect', fn: () => void): unknown;
  on(event: 'close', fn: () => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  on(event: 'message', fn: (topic: string, payload: Buffer, packet: IPublishPacket) => void): unknown;
  publish(topic: string, message: string | Buffer, opts: IClientPublishOptions, callback?: (err?: Error) => void): unknown;
  subscribe?(topic: string, opts: IClientSubscribeOptions, callback?: (err: Error | null) => void): unknown;
  end(force?: boolean, opts?: object, cb?: () => void): unknown;
}

export type MqttConnect = (url: string, options: IClientOptions) => MqttClientLike;

export interface BackoffSettings {
  /** First retry delay (before jitter). */
  readonly initialMs: number;
  /** Cap of the doubling delay. */
  readonly maxMs: number;
}

export interface TelemetryPublisherOptions {
  readonly telemetry: TelemetrySettings;
  readonly terminal: string;
  readonly fleet: string;
  readonly outbox: Outbox;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly bootId: string;
  /** kioskd's version, published in the retained state. */
  readonly version: string;
  readonly logger?: Logger;
  readonly mqttConnect?: MqttConnect;
  /** Service name in the state document; 'kioskd' by default. */
  readonly service?: string;
  /** How many times this board has booted, if the runtime keeps count. */
  readonly bootCount?: number;
  readonly backoff?: Partial<BackoffSettings>;
  /** In [0, 1); Math.random by default. Jitter spreads a fleet's reconnects after a broker outage. */
  readonly random?: () => number;
  /** Outbox rows published and not yet PUBACKed, at most. Default 32. */
  readonly inflightWindow?: number;
  readonly keepaliveSec?: number;
  readonly connectTimeoutMs?: number;
  /** Default `kioskd-{fleet}-{terminal}`: stable, so a reconnect takes the old session over. */
  readonly clientId?: string;
  readonly readFile?: (path: string) => Buffer;
  readonly processSampler?: ProcessSampler;
  readonly newId?: () => string;
  /** Whether the wall clock is synchronised (heartbeat flag; command expiry is checked only then). */
  readonly clockSynced?: () => boolean;
  /** Board figures; default reads statfs of the journal's filesystem, the thermal zone and throttling. */
  readonly board?: BoardProbe;
  /** reboot / reload-config / diagnostics behaviour for fleet commands. */
  readonly commandHooks?: CommandHooks;
}

export interface TelemetryStatus {
  readonly connected: boolean;
  /** The broker in use or being tried. */
  readonly broker: string;
  /** Outbox rows not yet acknowledged, all classes. */
  readonly outboxDepth: number;
  readonly lastError?: string;
}

export interface TelemetryEvents extends Record<string, unknown> {
  status: TelemetryStatus;
}

/** The Kiosk events the publisher follows (a subset of the runtime's KioskEvents). */
export interface KioskTelemetryEvents {
  state: { readonly fsm: string; readonly service: string; readonly reasons: readonly string[] };
  device: { readonly device: string; readonly status: DeviceStatus };
  /** Emitted after a journal append committed: a cue to drain the outbox. */
  journal: unknown;
  /** A transaction ended (the heartbeat reports the age of the last paid one). */
  transaction: { readonly txId: string; readonly outcome: string };
  /** One-shot alarms (those not carried by the journal go to the outbox here). */
  alarm: { readonly kind: string; readonly details: Readonly<Record<string, string | number>> };
}

/** What the publisher needs from the runtime's Kiosk (structural: telemetry does not import runtime). */
export interface KioskTelemetrySource {
  on<K extends keyof KioskTelemetryEvents>(event: K, fn: (p: KioskTelemetryEvents[K]) => void): () => void;
  serviceState(): { readonly service: string; readonly reasons: readonly string[] };
  state(): { readonly name: string };
}

/** A Kiosk that can also be commanded (the runtime's Kiosk is both). */
export type CommandableKiosk = KioskTelemetrySource & Partial<CommandTarget>;

interface ServiceView {
  service: string;
  fsm: string;
  reasons: readonly string[];
}

const DEFAULT_BACKOFF: BackoffSettings = { initialMs: 1000, maxMs: 60_000 };
/*
 * PUBACKed rows deleted per SQL transaction, at most: each commit is an fsync (synchronous = FULL), which
 * on SD cards costs milliseconds. A crash loses at most one batch of deletes, i.e. re-publishes up to
 * this many rows with their ids and seqs, which consumers drop.
 */
const ACK_BATCH = 8192;
/** During a long drain the status event is sent once per this many PUBACKs. */
const STATUS_EVERY = 256;
/** Bulk rows read ahead from SQLite per query (held in memory until published). */
const PREFETCH = 256;

/**
 * Publishes one terminal's telemetry over MQTT.js: retained `state` (online birth; the offline one is the
 * Will), retained `devices`, the QoS 0 heartbeat on `health`, and the SQLite outbox drained in order at
 * QoS 1 — a row is deleted only in its PUBACK callback, so nothing is lost while offline or across a crash.
 *
 * Reconnection is ours, not MQTT.js's (`reconnectPeriod: 0`): each attempt is a fresh client after an
 * exponential, jittered delay — also after a refused CONNACK, which MQTT.js would not retry by default —
 * rotating through the configured brokers, with a Will whose `connection` number matches the birth.
 */
export class TelemetryPublisher {
  private readonly emitter: TypedEmitter<TelemetryEvents>;
  private readonly topics: TerminalTopics;
  private readonly seq = new LiveSeq();
  private connectFn: MqttConnect | undefined;
  private readonly newId: () => string;
  private readonly window: number;
  private readonly backoff: BackoffSettings;
  private readonly sampler: ProcessSampler;
  private readonly ownSampler: boolean;
  private readonly startedMono: number;

  private client: MqttClientLike | undefined;
  private connected = false;
  private started = false;
  private stopped = false;
  private brokerIndex = 0;
  /** Consecutive attempts that ended without a connection. */
  private failures = 0;
  private retryTimer: TimerHandle | undefined;
  private heartbeatTimer: TimerHandle | undefined;
  private lastError: string | undefined;
  private lastStatus = '';

  /** Connections made so far; the Will and the birth of one connection carry the same number. */
  private connection = 0;
  private pendingWill: Envelope | undefined;
  private activeWill: Envelope | undefined;

  private readonly inflight = new Set<number>();
  /** Row id of the last outbox row published on the current connection, per lane (alarms go first). */
  private readonly cursor: Record<OutboxLane, number> = { priority: 0, bulk: 0 };
  private draining = false;
  private bulkAhead: OutboxRow[] = [];
  private flushQueued = false;
  private acksSinceStatus = 0;
  private readonly alarms: AlarmMonitor;
  private readonly board: BoardProbe;
  private commands: CommandProcessor | undefined;
  private commandTarget: CommandTarget | undefined;
  private lastPaidWallMs: number | null = null;

  private view: ServiceView = { service: 'starting', fsm: 'idle', reasons: [] };
  private readonly devices = new Map<string, DeviceStatus>();
  private devicesQueued = false;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly o: TelemetryPublisherOptions) {
    this.emitter = new TypedEmitter<TelemetryEvents>((err) => o.logger?.error({ err }, 'telemetry status listener failed'));
    this.topics = terminalTopics({ prefix: o.telemetry.topicPrefix, fleet: o.fleet, terminal: o.terminal });
    this.connectFn = o.mqttConnect;
    this.newId = o.newId ?? randomUUID;
    this.backoff = { ...DEFAULT_BACKOFF, ...o.backoff };
    this.ownSampler = o.processSampler === undefined;
    this.sampler = o.processSampler ?? createProcessSampler();
    this.startedMono = o.clock.monoMs();
    this.window = Math.max(1, o.inflightWindow ?? o.telemetry.inflightWindow ?? 32);
    this.alarms = new AlarmMonitor(o.outbox, o.logger);
    this.board = o.board ?? createBoardProbe({ diskPath: o.outbox.database.name });
    this.lastPaidWallMs = o.outbox.lastPaidWallMs();
    this.unsubscribe.push(
      o.outbox.onEnqueue(() => { this.drain(); this.publishStatus(); }),
      o.outbox.onFullChange((st) => {
        o.logger?.[st.full ? 'error' : 'info']({ classes: st.classes, depth: st.depth }, st.full ? 'telemetry outbox at its bound' : 'telemetry outbox below its bound');
        this.alarms.outboxFull(st);
      }),
    );
    if (o.outbox.full()) this.alarms.outboxFull({ full: true, classes: o.outbox.fullClasses(), depth: o.outbox.depth() });
  }

  /** Active alarm conditions (raised and not cleared). */
  activeAlarms(): { readonly key: string; readonly alarm: string; readonly severity: string }[] {
    return this.alarms.activeAlarms();
  }

  on<K extends keyof TelemetryEvents & string>(event: K, fn: (p: TelemetryEvents[K]) => void): () => void {
    return this.emitter.on(event, fn);
  }

  /** Starts connecting and the heartbeat. Never throws for network trouble: see `status()`. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.heartbeatTimer = this.o.timers.setInterval(() => this.tick(), this.o.telemetry.heartbeatMs);
    if (this.o.telemetry.brokers.length === 0) {
      this.setError('no broker configured');
      return;
    }
    if (this.connectFn) { this.attempt(); return; }
    // MQTT.js is loaded only now, off the start-up path: the kiosk serves customers before the broker matters.
    void import('mqtt').then((m) => {
      this.connectFn = (url, opts) => m.connect(url, opts);
      if (!this.stopped) this.attempt();
    }, (e: unknown) => this.setError(`mqtt unavailable: ${messageOf(e)}`));
  }

  /**
   * Publishes the offline state (the same message as the Will) and disconnects cleanly. Bounded by
   * `timeoutMs`; undelivered outbox rows stay for the next run.
   */
  async stop(timeoutMs = 2000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.o.timers.clearInterval(this.heartbeatTimer);
    this.o.timers.clearTimeout(this.retryTimer);
    for (const off of this.unsubscribe.splice(0)) off();
    const client = this.client;
    const will = this.activeWill;
    this.client = undefined;
    this.inflight.clear();
    this.flushAcks();
    if (client && this.connected && will) {
      await this.within(timeoutMs, (done) => client.publish(this.topics.state, encodeEnvelope(will), { qos: 1, retain: true }, () => done()));
      await this.within(timeoutMs, (done) => client.end(false, {}, () => done()));
    } else if (client) {
      client.end(true);
    }
    this.connected = false;
    if (this.ownSampler) this.sampler.stop();
    this.publishStatus();
  }

  status(): TelemetryStatus {
    let outboxDepth = 0;
    try {
      outboxDepth = this.o.outbox.size();
    } catch (e) {
      this.lastError = messageOf(e);
    }
    const broker = this.o.telemetry.brokers[this.brokerIndex]?.url ?? '';
    return this.lastError === undefined
      ? { connected: this.connected, broker, outboxDepth }
      : { connected: this.connected, broker, outboxDepth, lastError: this.lastError };
  }

  /** Updates the retained state document (published now when connected, else at the next birth). */
  setServiceState(s: { readonly service: string; readonly fsm?: string; readonly reasons?: readonly string[] }): void {
    this.view = { service: s.service, fsm: s.fsm ?? this.view.fsm, reasons: s.reasons ?? this.view.reasons };
    if (this.connected) this.publishLive('state', 'online', this.stateData(true), { qos: 1, retain: true });
  }

  /** Records one device's status; the retained devices document is republished once per burst. */
  setDevice(name: string, status: DeviceStatus): void {
    this.devices.set(name, { state: status.state, reason: status.reason, text: status.text });
    this.alarms.device(name, status);
    if (this.devicesQueued) return;
    this.devicesQueued = true;
    queueMicrotask(() => {
      this.devicesQueued = false;
      if (this.connected) this.publishDevices();
    });
  }

  /** Drains the outbox now (the outbox also wakes the publisher after every enqueue). */
  kick(): void {
    this.drain();
  }

  /** Follows the Kiosk's state and device events and its journal appends. Returns the unsubscribe. */
  attachKiosk(kiosk: CommandableKiosk): () => void {
    const s = kiosk.serviceState();
    this.setServiceState({ service: s.service, fsm: kiosk.state().name, reasons: s.reasons });
    if (kiosk.setOperatorService && kiosk.reprint) {
      const k = kiosk as KioskTelemetrySource & CommandTarget;
      this.commandTarget = { setOperatorService: (b) => k.setOperatorService(b), reprint: (txId) => k.reprint(txId), serviceState: () => k.serviceState() };
    }
    const offs = [
      kiosk.on('state', (p) => {
        this.setServiceState({ service: p.service, fsm: p.fsm, reasons: p.reasons });
        this.alarms.serviceReasons(p.reasons);
      }),
      kiosk.on('device', (p) => this.setDevice(p.device, p.status)),
      kiosk.on('journal', () => this.kick()),
      kiosk.on('transaction', (p) => { if (p.outcome === 'paid' || p.outcome === 'paid-partially') this.lastPaidWallMs = this.o.clock.wallMs(); }),
      kiosk.on('alarm', (p) => this.alarms.kioskAlarm(p.kind, p.details)),
    ];
    const off = (): void => { this.commandTarget = undefined; for (const f of offs.splice(0)) f(); };
    this.unsubscribe.push(off);
    return off;
  }

  // ---- connection -------------------------------------------------------------------------------

  private attempt(): void {
    this.retryTimer = undefined;
    if (this.stopped) return;
    const broker = this.o.telemetry.brokers[this.brokerIndex];
    if (!broker) return;
    // One Will per connection: kept across failed attempts, replaced once a connection used it.
    this.pendingWill ??= this.envelope('state', 'offline', this.stateData(false, this.connection + 1));
    if (!this.connectFn) return;
    let client: MqttClientLike;
    try {
      client = this.connectFn(broker.url, this.clientOptions(broker, this.pendingWill));
    } catch (e) {
      this.setError(messageOf(e));
      this.scheduleRetry(false);
      return;
    }
    this.client = client;
    client.on('error', (err) => { if (this.client === client) this.setError(messageOf(err)); });
    client.on('connect', () => { if (this.client === client) this.onConnect(client); });
    client.on('close', () => { if (this.client === client) this.onClose(client); });
    client.on('message', (topic, payload, packet) => { if (this.client === client) this.onMessage(client, topic, payload, packet); });
  }

  private clientOptions(broker: BrokerSettings, will: Envelope): IClientOptions {
    const read = this.o.readFile ?? ((p: string) => readFileSync(p));
    const opts: IClientOptions = {
      protocolVersion: broker.protocolVersion,
      clientId: this.o.clientId ?? `kioskd-${this.o.fleet}-${this.o.terminal}`,
      clean: true,
      keepalive: this.o.keepaliveSec ?? 30,
      connectTimeout: this.o.connectTimeoutMs ?? 10_000,
      // Reconnection, backoff and CONNACK refusals are handled here (see the class comment).
      reconnectPeriod: 0,
      reconnectOnConnackError: false,
      // Never buffer QoS 0 (heartbeats) in memory while offline.
      queueQoSZero: false,
      will: { topic: this.topics.state, payload: Buffer.from(encodeEnvelope(will)), qos: 1, retain: true },
    };
    if (broker.protocolVersion === 5) {
      // Few commands in flight from the broker at once, and none larger than we would ever read.
      opts.properties = { receiveMaximum: 16, maximumPacketSize: 256 * 1024 };
    }
    if (broker.username !== undefined) opts.username = broker.username;
    // A trailing newline in a secret file is an editor's, not part of the password.
    if (broker.passwordFile !== undefined) opts.password = read(broker.passwordFile).toString('utf8').replace(/\r?\n$/, '');
    if (broker.caFile !== undefined) opts.ca = read(broker.caFile);
    if (broker.certFile !== undefined) opts.cert = read(broker.certFile);
    if (broker.keyFile !== undefined) opts.key = read(broker.keyFile);
    return opts;
  }

  private onConnect(client: MqttClientLike): void {
    this.connected = true;
    this.failures = 0;
    this.connection += 1;
    this.activeWill = this.pendingWill;
    this.pendingWill = undefined;
    this.lastError = undefined;
    this.cursor.priority = 0;
    this.cursor.bulk = 0;
    this.bulkAhead = [];
    this.inflight.clear();
    // Acked rows must be gone before the cursor starts again from the oldest row.
    this.flushAcks();
    this.o.logger?.info({ broker: this.o.telemetry.brokers[this.brokerIndex]?.url, connection: this.connection }, 'telemetry connected');
    this.publishLive('state', 'online', this.stateData(true), { qos: 1, retain: true }, client);
    this.publishDevices();
    this.subscribeCommands(client);
    this.drain();
    this.publishStatus();
  }

  private onClose(client: MqttClientLike): void {
    const wasConnected = this.connected;
    this.client = undefined;
    this.connected = false;
    // In-flight rows stay in the outbox and go again, same id and seq, on the next connection.
    this.inflight.clear();
    this.cursor.priority = 0;
    this.cursor.bulk = 0;
    this.bulkAhead = [];
    client.end(true);
    if (wasConnected) this.o.logger?.warn({ connection: this.connection, err: this.lastError }, 'telemetry connection lost');
    this.publishStatus();
    if (!this.stopped) this.scheduleRetry(wasConnected);
  }

  private scheduleRetry(wasConnected: boolean): void {
    // A broker that never answered: try the next one. A lost connection: the same one first.
    if (!wasConnected && this.o.telemetry.brokers.length > 1) this.brokerIndex = (this.brokerIndex + 1) % this.o.telemetry.brokers.length;
    this.failures += 1;
    const base = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(this.failures - 1, 30));
    const r = (this.o.random ?? Math.random)();
    const delay = Math.round(base / 2 + (base / 2) * r);
    this.o.timers.clearTimeout(this.retryTimer);
    this.retryTimer = this.o.timers.setTimeout(() => this.attempt(), delay);
  }

  // ---- publishing -------------------------------------------------------------------------------

  private drain(): void {
    const client = this.client;
    if (!client || !this.connected || this.draining) return;
    this.draining = true;
    try {
      while (this.inflight.size < this.window) {
        const free = this.window - this.inflight.size;
        // Live alarms first: a backlog of transactions never holds an alarm back by more than the window.
        const rows: [OutboxLane, OutboxRow][] = this.o.outbox.priorityAfter(this.cursor.priority)
          ? this.o.outbox.peekLane('priority', free, this.cursor.priority).map((r) => ['priority', r])
          : [];
        while (rows.length < free) {
          if (this.bulkAhead.length === 0) {
            // Read ahead in batches: one query per PREFETCH rows instead of one per PUBACK.
            const more = this.o.outbox.peekLane('bulk', PREFETCH, this.cursor.bulk);
            if (more.length === 0) break;
            this.bulkAhead = more;
            this.cursor.bulk = more[more.length - 1]!.rowId;
          }
          rows.push(['bulk', this.bulkAhead.shift()!]);
        }
        if (rows.length === 0) break;
        for (const [lane, row] of rows) {
          this.inflight.add(row.rowId);
          if (lane === 'priority') this.cursor.priority = row.rowId;
          client.publish(row.topic, row.payload, { qos: 1 }, (err) => this.onPuback(client, row, err));
        }
      }
    } catch (e) {
      this.setError(messageOf(e));
    } finally {
      this.draining = false;
    }
  }

  private onPuback(client: MqttClientLike, row: OutboxRow, err: Error | undefined): void {
    // Without a PUBACK the row stays: it goes again on the next connection.
    if (err) {
      if (client === this.client) this.setError(messageOf(err));
      return;
    }
    this.o.outbox.ackLater(row);
    if (client === this.client) {
      this.inflight.delete(row.rowId);
      this.drain();
    }
    // Deletes are batched: one transaction (one fsync) per ACK_BATCH rows, or when the drain is idle.
    const idle = this.inflight.size === 0;
    if (idle || this.o.outbox.pendingAcks() >= ACK_BATCH) this.scheduleFlush();
    // During a long drain the status event is sampled, not sent for every PUBACK.
    if (idle || ++this.acksSinceStatus >= STATUS_EVERY) { this.acksSinceStatus = 0; this.publishStatus(); }
  }

  private tick(): void {
    if (this.connected) {
      const sample: ProcessSample = this.sampler.sample();
      let byClass: JsonObject = {};
      let depth = 0;
      try {
        byClass = { ...this.o.outbox.depth() };
        depth = this.o.outbox.size();
      } catch (e) {
        this.setError(messageOf(e));
      }
      this.publishLive('health', 'heartbeat', this.healthData(sample, depth, byClass), { qos: 0, retain: false });
      // Safety net: rows enqueued by anything that bypassed onEnqueue still go out.
      this.flushAcks();
      this.drain();
    }
    this.publishStatus();
  }

  /** The heartbeat: process, board, clock, outbox, last payment, devices and service. */
  private healthData(sample: ProcessSample, depth: number, byClass: JsonObject): JsonObject {
    const devices: Record<string, JsonObject> = {};
    for (const [name, st] of this.devices) devices[name] = { state: st.state, reason: st.reason };
    const safe = <T>(f: () => T): T | null => { try { return f(); } catch { return null; } };
    const full = safe(() => this.o.outbox.full()) ?? false;
    return {
      uptimeMs: Math.floor(this.o.clock.monoMs() - this.startedMono),
      loopLagP99Ms: sample.loopLagP99Ms,
      loopLagMaxMs: sample.loopLagMaxMs,
      rssBytes: sample.rssBytes,
      diskFreeBytes: safe(() => this.board.diskFreeBytes()),
      cpuTempC: safe(() => this.board.cpuTempC()),
      throttled: safe(() => this.board.throttled()),
      clockSynced: this.o.clockSynced ? safe(() => this.o.clockSynced!()) : null,
      outboxDepth: depth,
      outbox: byClass,
      outboxFull: full,
      cash: safe(() => { const c = this.o.outbox.cashbox(); return { notes: c.notes, amounts: { ...c.amounts } }; }),
      lastTransactionAgeMs: this.lastPaidWallMs === null ? null : Math.max(0, Math.floor(this.o.clock.wallMs() - this.lastPaidWallMs)),
      devices,
      alarms: this.alarms.activeAlarms().map((a) => a.alarm),
      service: this.view.service,
      fsm: this.view.fsm,
      connection: this.connection,
    };
  }

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    // After this I/O turn: every PUBACK that arrived in it shares one DELETE transaction.
    setImmediate(() => {
      this.flushQueued = false;
      this.flushAcks();
    });
  }

  private flushAcks(): void {
    try {
      this.o.outbox.flushAcks();
    } catch (e) {
      // The rows stay and go again (same id and seq) on the next connection; consumers drop duplicates.
      this.setError(messageOf(e));
    }
  }

  // ---- commands ---------------------------------------------------------------------------------

  private commandProcessor(): CommandProcessor | undefined {
    const cfg = this.o.telemetry.commands;
    if (!cfg?.enabled) return undefined;
    this.commands ??= new CommandProcessor({
      terminal: this.o.terminal,
      settings: cfg,
      db: this.o.outbox.database,
      clock: this.o.clock,
      ...(this.o.clockSynced ? { clockSynced: this.o.clockSynced } : {}),
      target: {
        setOperatorService: (b) => this.target().setOperatorService(b),
        reprint: (txId) => this.target().reprint(txId),
        serviceState: () => this.target().serviceState(),
      },
      hooks: {
        reboot: this.o.commandHooks?.reboot ?? (() => this.defaultReboot()),
        diagnostics: this.o.commandHooks?.diagnostics ?? (() => this.diagnostics()),
        ...(this.o.commandHooks?.reloadConfig ? { reloadConfig: this.o.commandHooks.reloadConfig } : {}),
      },
      ...(this.o.logger ? { logger: this.o.logger.child({ part: 'commands' }) } : {}),
    });
    return this.commands;
  }

  private target(): CommandTarget {
    if (!this.commandTarget) throw new KioskError('KIOSK_E_DEVICE_STATE', 'no kiosk attached to the telemetry');
    return this.commandTarget;
  }

  private subscribeCommands(client: MqttClientLike): void {
    if (!this.commandProcessor() || !client.subscribe) return;
    client.subscribe(this.topics.commands, { qos: 1 }, (err) => {
      if (err && client === this.client) this.setError(`command subscription refused: ${messageOf(err)}`);
    });
  }

  private onMessage(client: MqttClientLike, topic: string, payload: Buffer, packet: IPublishPacket): void {
    const processor = this.commandProcessor();
    const base = this.topics.commands.slice(0, -1);
    if (!processor || !topic.startsWith(base)) return;
    const name = topic.slice(base.length);
    try {
      processor.handle(name, payload, (reply, after) => this.publishReply(client, reply, packet, after));
    } catch (e) {
      this.o.logger?.error({ err: messageOf(e) }, 'command handling failed');
    }
  }

  /** On `/reply` always; MQTT 5 also to the sender's response topic, with its correlation data. */
  private publishReply(client: MqttClientLike, reply: CommandReply, packet: IPublishPacket, after?: () => void): void {
    const props = packet.properties;
    const v5 = this.o.telemetry.brokers[this.brokerIndex]?.protocolVersion === 5;
    const correlation = v5 && props?.correlationData ? { properties: { correlationData: props.correlationData } } : {};
    if (client !== this.client || !this.connected) { after?.(); return; }
    const env = this.envelope('reply', 'command.result', reply);
    const text = encodeEnvelope(env);
    let pending = 1;
    const done = (): void => { pending -= 1; if (pending === 0) after?.(); };
    const responseTopic = v5 && typeof props?.responseTopic === 'string' && props.responseTopic !== this.topics.reply && !/[+#]/.test(props.responseTopic) ? props.responseTopic : undefined;
    if (responseTopic !== undefined) {
      pending += 1;
      client.publish(responseTopic, text, { qos: 1, ...correlation }, () => done());
    }
    client.publish(this.topics.reply, text, { qos: 1, ...correlation }, (err) => {
      if (err && client === this.client) this.setError(messageOf(err));
      done();
    });
  }

  private diagnostics(): JsonObject {
    const depth = this.o.outbox.size();
    const health = this.healthData(this.sampler.sample(), depth, { ...this.o.outbox.depth() });
    const devices: Record<string, JsonObject> = {};
    for (const [name, st] of this.devices) devices[name] = { state: st.state, reason: st.reason, text: st.text };
    const t = this.status();
    return {
      health, devices,
      service: { service: this.view.service, fsm: this.view.fsm, reasons: [...this.view.reasons] },
      alarms: this.alarms.activeAlarms(),
      telemetry: { connected: t.connected, broker: t.broker, outboxDepth: t.outboxDepth },
      version: this.o.version,
    };
  }

  private defaultReboot(): void {
    // The service manager restarts kioskd; the journal makes an abrupt exit safe (recovery at boot).
    this.o.logger?.warn('reboot requested by the fleet: exiting for the service manager to restart kioskd');
    process.exit(75);
  }

  private publishDevices(): void {
    const devices: Record<string, JsonObject> = {};
    for (const [name, s] of this.devices) devices[name] = { state: s.state, reason: s.reason, text: s.text };
    this.publishLive('devices', 'devices', { devices }, { qos: 1, retain: true });
  }

  /** Live messages are never stored: when there is no connection they are simply not sent. */
  private publishLive(cls: LiveClass, kind: string, data: JsonObject, opts: IClientPublishOptions, client = this.client): void {
    if (!client || !this.connected) return;
    const env = this.envelope(cls, kind, data);
    const withExpiry = this.o.telemetry.brokers[this.brokerIndex]?.protocolVersion === 5 && cls === 'health'
      // MQTT 5: a heartbeat older than two periods is worthless to anyone.
      ? { ...opts, properties: { messageExpiryInterval: Math.ceil((2 * this.o.telemetry.heartbeatMs) / 1000) } }
      : opts;
    client.publish(this.topicOf(cls), encodeEnvelope(env), withExpiry, (err) => {
      if (err && client === this.client) this.setError(messageOf(err));
    });
  }

  private topicOf(cls: LiveClass): string {
    switch (cls) {
      case 'state': return this.topics.state;
      case 'health': return this.topics.health;
      case 'devices': return this.topics.devices;
      case 'reply': return this.topics.reply;
    }
  }

  private envelope(cls: LiveClass, kind: string, data: JsonObject): Envelope {
    return makeEnvelope(
      { id: this.newId(), wallMs: this.o.clock.wallMs(), monoMs: this.o.clock.monoMs(), boot: this.o.bootId, seq: this.seq.take(cls), terminal: this.o.terminal, fleet: this.o.fleet },
      cls, kind, data,
    );
  }

  /**
   * The state document. `connection` pairs an offline Will with its birth: a consumer applies an offline
   * only when its (boot, connection) matches the online it holds — a late Will of an older connection
   * must not overwrite a newer birth.
   */
  private stateData(online: boolean, connection = this.connection): JsonObject {
    const base: JsonObject = {
      online,
      connection,
      service: this.o.service ?? 'kioskd',
      version: this.o.version,
      ...(this.o.bootCount === undefined ? {} : { bootCount: this.o.bootCount }),
    };
    return online ? { ...base, serviceState: this.view.service, fsm: this.view.fsm, reasons: [...this.view.reasons] } : base;
  }

  // ---- status -----------------------------------------------------------------------------------

  private setError(message: string): void {
    if (this.lastError === message) return;
    this.lastError = message;
    this.o.logger?.warn({ err: message }, 'telemetry error');
    this.publishStatus();
  }

  private publishStatus(): void {
    const s = this.status();
    const key = JSON.stringify(s);
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    this.emitter.emit('status', s);
  }

  /** Waits for `fn` to call done, or `ms` on the injected timers, whichever is first. */
  private within(ms: number, fn: (done: () => void) => void): Promise<void> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (): void => {
        if (settled) return;
        settled = true;
        this.o.timers.clearTimeout(timer);
        resolve();
      };
      const timer = this.o.timers.setTimeout(finish, ms);
      try {
        fn(finish);
      } catch {
        finish();
      }
    });
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
