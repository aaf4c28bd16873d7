import type { Tenders } from '../fsm/index.js';
import { isUsable, type DeviceStatus } from '../hal/index.js';

export interface ServiceInputs {
  /** Last known status per device role; a missing one counts as not usable. */
  readonly devices: Readonly<Record<string, DeviceStatus | undefined>>;
  readonly journalFailed: boolean;
  readonly shuttingDown: boolean;
  readonly operatorOut: boolean;
  readonly doorOpen: boolean;
  /** The telemetry outbox is at its bound: no new transactions until the fleet has taken the backlog. */
  readonly outboxFull?: boolean;
}

export interface ServiceView {
  readonly tenders: Tenders;
  /** Why customers are refused, most important first; empty = in service. */
  readonly reasons: readonly string[];
}

const usable = (s: DeviceStatus | undefined): boolean => s !== undefined && isUsable(s);
const why = (role: string, s: DeviceStatus | undefined): string => `${role}-${s?.reason ?? 'missing'}`;

/**
 * Which ways to pay work, and why the terminal refuses customers if it does. Pure: the runtime feeds it
 * the devices' statuses and its own flags. A payment needs the scanner (to read the bill), the printer
 * (every money-taking transaction gets a receipt) and at least one tender.
 */
export function computeService(i: ServiceInputs): ServiceView {
  const ok = !i.journalFailed;
  const tenders: Tenders = {
    cash: usable(i.devices['billValidator']) && ok,
    card: usable(i.devices['cardPayment']) && ok,
    wallet: usable(i.devices['wallet']) && ok,
  };
  const reasons: string[] = [];
  if (i.shuttingDown) reasons.push('shutting-down');
  if (i.journalFailed) reasons.push('journal-failure');
  if (i.doorOpen) reasons.push('door-open');
  if (i.operatorOut) reasons.push('operator');
  if (i.outboxFull) reasons.push('outbox-full');
  if (!usable(i.devices['receiptPrinter'])) reasons.push(why('receiptPrinter', i.devices['receiptPrinter']));
  if (!usable(i.devices['scanner'])) reasons.push(why('scanner', i.devices['scanner']));
  if (!tenders.cash && !tenders.card && !tenders.wallet) reasons.push(i.journalFailed ? 'no-tender' : why('billValidator', i.devices['billValidator']));
  return { tenders, reasons };
}
