import type { EventMap } from './emitter.js';

/** The six device classes. A device class never names a protocol. */
export type DeviceClass = 'scanner' | 'billValidator' | 'cardPayment' | 'receiptPrinter' | 'display' | 'panel';

/**
 * One status vocabulary for every device (after UnifiedPOS / CEN XFS):
 * - online: ready; offline: transport gone or never answered; busy: working, try later;
 * - degraded: works with a limit (paper near end, stacker nearly full);
 * - error: needs a person (jam, paper out, cash box removed); fraud: the device saw a fraud attempt.
 */
export type DeviceState = 'online' | 'offline' | 'busy' | 'degraded' | 'error' | 'fraud';

export interface DeviceStatus {
  readonly state: DeviceState;
  /** Stable machine-readable reason, e.g. `paper-out`, `jam`, `cashbox-removed`, `no-reply`. */
  readonly reason: string;
  /** A short human text for logs and the field engineer; never card or personal data. */
  readonly text: string;
}

export interface DeviceIdentity {
  readonly model: string;
  readonly serial: string;
  readonly firmware: string;
  readonly protocol: string;
  readonly vendor?: string;
  /** Protocol-specific extras (dataset version, currency, channel table summary). */
  readonly extra?: Readonly<Record<string, string | number>>;
}

export interface DeviceHealth {
  readonly ok: boolean;
  readonly status: DeviceStatus;
}

/** Counters kept per device: notes accepted/rejected per reason, jams, cuts, good reads, comm errors. */
export type DeviceStatistics = Readonly<Record<string, number>>;

/** Events every device emits. */
export interface DeviceEvents extends EventMap {
  status: DeviceStatus;
}

/**
 * The shared lifecycle. Every method is async, idempotent and bounded by a timeout inside the driver:
 * - open(): transport up, identify, self-check; resolves when the device answered, rejects with a
 *   KioskError (`disconnected` when the transport is missing) otherwise;
 * - enable()/disable(): accept customer input or not;
 * - close(): releases the transport; safe to call twice and after a failed open().
 */
export interface Device<E extends DeviceEvents = DeviceEvents> {
  readonly id: string;
  readonly kind: DeviceClass;
  open(): Promise<void>;
  enable(): Promise<void>;
  disable(): Promise<void>;
  close(): Promise<void>;
  status(): DeviceStatus;
  checkHealth(): Promise<DeviceHealth>;
  identify(): Promise<DeviceIdentity>;
  statistics(): DeviceStatistics;
  /** Subscribes to a typed event; returns the unsubscribe function. */
  on<K extends keyof E & string>(event: K, listener: (payload: E[K]) => void): () => void;
}

export const STATUS_ONLINE: DeviceStatus = { state: 'online', reason: 'ok', text: 'ready' };
export const STATUS_CLOSED: DeviceStatus = { state: 'offline', reason: 'closed', text: 'not opened' };

/** A device that can take customer input right now. */
export function isUsable(s: DeviceStatus): boolean {
  return s.state === 'online' || s.state === 'degraded';
}
