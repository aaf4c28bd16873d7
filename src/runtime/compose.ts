import type { Logger } from 'pino';
import { HttpBillerGateway } from '../billing/index.js';
import type { KioskConfig } from '../config/index.js';
import { systemClock, systemTimers, type Clock, type Timers } from '../hal/index.js';
import { Journal, type SqliteDatabase } from '../ledger/index.js';
import type { JournalRecord } from '../fsm/index.js';
import { Outbox, TelemetryPublisher, journalOutboxHook, settingsReloader, type CommandHooks } from '../telemetry/index.js';
import { createBillerPort } from './biller-port.js';
import { timesyncdSynced } from './clock-sync.js';
import { newBootId, newTransactionId } from './ids.js';
import { Kiosk, type BillerPort, type KioskDevices, type KioskOptions } from './kiosk.js';
import { kioskdVersion } from './version.js';

export interface RuntimeParts {
  /** Validated configuration with paths already resolved. */
  readonly config: KioskConfig;
  readonly devices: KioskDevices;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly timers?: Timers;
  readonly fetch?: typeof fetch;
  readonly bootId?: string;
  readonly biller?: BillerPort;
  readonly newTxId?: () => string;
  readonly clockSynced?: () => boolean;
  readonly onAppend?: (records: readonly JournalRecord[], db: SqliteDatabase) => void;
  readonly probe?: KioskOptions['probe'];
  /** Fleet `reboot` / `reload-config` behaviour (defaults: exit for systemd to restart; settings file). */
  readonly commandHooks?: CommandHooks;
}

export interface Runtime {
  readonly kiosk: Kiosk;
  readonly journal: Journal;
  readonly bootId: string;
  /** Present when telemetry is enabled in the configuration. */
  readonly telemetry: TelemetryPublisher | undefined;
  /** The durable telemetry outbox (in the journal's database), when telemetry is enabled. */
  readonly outbox: Outbox | undefined;
  /** Starts telemetry (which never blocks on the broker), then the kiosk: devices, recovery, service. */
  start(): Promise<void>;
  /** SIGTERM: brings the open transaction to rest (bounded), then closes everything. */
  shutdown(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** The composition root shared by kioskd, the simulated kiosk and the scenario tests. */
export function createRuntime(p: RuntimeParts): Runtime {
  const clock = p.clock ?? systemClock;
  const timers = p.timers ?? systemTimers;
  const bootId = p.bootId ?? newBootId();
  const c = p.config;
  const journal = Journal.open({ path: c.journal.path, bootId, clock });
  const identity = { prefix: c.telemetry.topicPrefix, fleet: c.terminal.fleet, terminal: c.terminal.id };
  // The outbox lives in the journal's database so that a fact and its telemetry event commit together.
  const outbox = c.telemetry.enabled ? Outbox.attachJournal(journal, { ...identity, bootId, clock, maxRows: c.telemetry.outbox.maxRows }) : undefined;
  const clockSynced = p.clockSynced ?? timesyncdSynced();
  const hooks = [outbox ? journalOutboxHook(outbox) : undefined, p.onAppend].filter((h) => h !== undefined);
  const onAppend = hooks.length ? (records: readonly JournalRecord[], db: SqliteDatabase) => { for (const h of hooks) h(records, db); } : undefined;
  const biller = p.biller ?? createBillerPort(
    new HttpBillerGateway(
      { baseUrl: c.billing.gatewayUrl, timeoutMs: c.billing.timeoutMs, retries: c.billing.retries },
      { timers, logger: p.logger.child({ module: 'billing' }), ...(p.fetch ? { fetch: p.fetch } : {}) },
    ),
    c.billing.billers,
  );
  const kiosk = new Kiosk({
    settings: {
      terminalId: c.terminal.id, locale: c.terminal.locale, hotline: c.terminal.hotline, eReceiptBaseUrl: c.terminal.eReceiptBaseUrl,
      fsm: {
        currency: c.terminal.currency, customerTimeoutMs: c.transaction.customerTimeoutMs, moreTimePromptMs: c.transaction.moreTimePromptMs,
        messageMs: c.transaction.messageMs, maxSurplus: c.transaction.maxSurplus,
      },
    },
    journal, devices: p.devices, biller, clock, timers, logger: p.logger.child({ module: 'kiosk' }),
    newTxId: p.newTxId ?? (() => newTransactionId()),
    clockSynced,
    ...(onAppend ? { onAppend } : {}),
    ...(p.probe ? { probe: p.probe } : {}),
    ...(outbox ? { outboxFull: () => outbox.full() } : {}),
  });
  // Transactions and alarms are never dropped: at an outbox bound the terminal stops taking customers.
  const offFull = outbox?.onFullChange(() => kiosk.refreshService());
  const telemetry = outbox ? new TelemetryPublisher({
    telemetry: c.telemetry, terminal: c.terminal.id, fleet: c.terminal.fleet, outbox, clock, timers, bootId,
    version: kioskdVersion(), logger: p.logger.child({ module: 'telemetry' }), clockSynced,
    commandHooks: { reloadConfig: settingsReloader(c), ...p.commandHooks },
  }) : undefined;
  const detach = telemetry?.attachKiosk(kiosk);
  return {
    kiosk, journal, bootId, telemetry, outbox,
    async start() {
      telemetry?.start();
      await kiosk.start();
    },
    async shutdown(timeoutMs) {
      await kiosk.shutdown(timeoutMs);
      await this.close();
    },
    async close() {
      if (kiosk.serviceState().service !== 'stopped') await kiosk.stop();
      offFull?.();
      detach?.();
      await telemetry?.stop();
      journal.close();
    },
  };
}
