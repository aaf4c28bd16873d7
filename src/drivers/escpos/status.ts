import { KioskError } from '../../errors/index.js';
import type { DeviceStatus } from '../../hal/index.js';

/**
 * What the printer's status bytes say, merged from the four DLE EOT replies (§4.6) or one ASB block (§4.7).
 * Every flag is `true` when the printer reports that condition.
 */
export interface PrinterCondition {
  /** n=1 bit2: drawer-kick connector pin 3 high. */
  readonly drawerHigh: boolean;
  /** n=1 bit3. */
  readonly offline: boolean;
  /** n=1 bit5: waiting for online recovery. */
  readonly waitingRecovery: boolean;
  /** n=1 bit6: paper-feed button pressed. */
  readonly feedButton: boolean;
  /** n=2 bit2. */
  readonly coverOpen: boolean;
  /** n=2 bit3: paper being fed by the button. */
  readonly paperFeeding: boolean;
  /** n=2 bit5 (printing stopped by paper end) or n=4 bits 5/6 (roll paper end sensor). */
  readonly paperOut: boolean;
  /** n=2 bit6: an error occurred. */
  readonly errorOccurred: boolean;
  /** n=3 bit2. */
  readonly recoverableError: boolean;
  /** n=3 bit3. */
  readonly cutterError: boolean;
  /** n=3 bit5. */
  readonly unrecoverableError: boolean;
  /** n=3 bit6 (e.g. head too hot; clears by itself). */
  readonly autoRecoverableError: boolean;
  /** n=4 bits 2/3: roll paper near-end sensor. */
  readonly paperNearEnd: boolean;
}

export const CLEAN_CONDITION: PrinterCondition = {
  drawerHigh: false, offline: false, waitingRecovery: false, feedButton: false, coverOpen: false, paperFeeding: false,
  paperOut: false, errorOccurred: false, recoverableError: false, cutterError: false, unrecoverableError: false,
  autoRecoverableError: false, paperNearEnd: false,
};

export type StatusRequest = 1 | 2 | 3 | 4;

/** The DLE EOT reply pattern `0xx1xx10`: bit0 = 0, bit1 = 1, bit4 = 1, bit7 = 0 (§4.6). */
export const isStatusByte = (byte: number): boolean => (byte & 0x93) === 0x12;

const bit = (byte: number, n: number): boolean => ((byte >> n) & 1) === 1;

/**
 * Decodes the one-byte reply to `DLE EOT n`. A byte without the fixed bits is not a status: it throws
 * KIOSK_E_DEVICE_PROTOCOL. Sensors reported on two bits count when either bit is set.
 */
export function decodeStatusByte(n: StatusRequest, byte: number): Partial<PrinterCondition> {
  if (!Number.isInteger(byte) || byte < 0 || byte > 0xff || !isStatusByte(byte)) {
    throw new KioskError('KIOSK_E_DEVICE_PROTOCOL', `DLE EOT ${n} reply 0x${(byte & 0xff).toString(16).padStart(2, '0')} lacks the fixed bits 0xx1xx10`, { retryable: true, details: { n, byte } });
  }
  switch (n) {
    case 1: return { drawerHigh: bit(byte, 2), offline: bit(byte, 3), waitingRecovery: bit(byte, 5), feedButton: bit(byte, 6) };
    case 2: return { coverOpen: bit(byte, 2), paperFeeding: bit(byte, 3), paperOut: bit(byte, 5), errorOccurred: bit(byte, 6) };
    case 3: return { recoverableError: bit(byte, 2), cutterError: bit(byte, 3), unrecoverableError: bit(byte, 5), autoRecoverableError: bit(byte, 6) };
    case 4: return { paperNearEnd: bit(byte, 2) || bit(byte, 3), paperOut: bit(byte, 5) || bit(byte, 6) };
  }
}

/** Merges the replies to DLE EOT 1, 2, 3, 4 (in that order). Throws like decodeStatusByte. */
export function decodeStatusReplies(bytes: readonly [number, number, number, number]): PrinterCondition {
  const parts = bytes.map((b, i) => decodeStatusByte((i + 1) as StatusRequest, b));
  const paperOut = parts[1]!.paperOut === true || parts[3]!.paperOut === true;
  return { ...CLEAN_CONDITION, ...parts[0], ...parts[1], ...parts[2], ...parts[3], paperOut };
}

/** ASB block byte 0 pattern: bits 0, 1, 7 = 0 and bit 4 = 1 (§4.7). */
export const isAsbFirstByte = (byte: number): boolean => (byte & 0x93) === 0x10;

/**
 * Decodes a 4-byte Automatic Status Back block (§4.7, as ESC-POS-.NET parses it). Throws
 * KIOSK_E_DEVICE_PROTOCOL when it is not 4 bytes or byte 0 lacks its fixed bits.
 */
export function decodeAsb(block: Uint8Array): PrinterCondition {
  if (block.length !== 4 || !isAsbFirstByte(block[0]!)) {
    throw new KioskError('KIOSK_E_DEVICE_PROTOCOL', 'not an ASB status block', { retryable: true, details: { bytes: Buffer.from(block).toString('hex') } });
  }
  const [b0, b1, b2] = [block[0]!, block[1]!, block[2]!];
  return {
    drawerHigh: bit(b0, 2), offline: bit(b0, 3), coverOpen: bit(b0, 5), paperFeeding: bit(b0, 6),
    waitingRecovery: bit(b1, 0), feedButton: bit(b1, 1), recoverableError: bit(b1, 2), cutterError: bit(b1, 3),
    unrecoverableError: bit(b1, 5), autoRecoverableError: bit(b1, 6), errorOccurred: false,
    paperNearEnd: bit(b2, 0) || bit(b2, 1), paperOut: bit(b2, 2) || bit(b2, 3),
  };
}

const st = (state: DeviceStatus['state'], reason: string, text: string): DeviceStatus => ({ state, reason, text });

/** The printer never answered (or its answers were not status bytes): offline. */
export const STATUS_NO_REPLY: DeviceStatus = st('offline', 'no-reply', 'printer does not answer status requests');
export const STATUS_PROTOCOL_ERROR: DeviceStatus = st('offline', 'protocol-error', 'printer answers bytes that are not status replies');
export const STATUS_DISCONNECTED: DeviceStatus = st('offline', 'disconnected', 'printer link is down');

/**
 * One DeviceStatus for a condition, most serious cause first: cover open, paper out, cutter error and
 * other errors need a person (`error`); an auto-recoverable error or the feed button is `busy`; an offline
 * printer with no stated cause is `error` (`printer-offline`); paper near end still prints (`degraded`).
 */
export function conditionStatus(c: PrinterCondition): DeviceStatus {
  if (c.coverOpen) return st('error', 'cover-open', 'printer cover open');
  if (c.paperOut) return st('error', 'paper-out', 'receipt paper out');
  if (c.cutterError) return st('error', 'cutter-error', 'auto-cutter error');
  if (c.unrecoverableError) return st('error', 'unrecoverable-error', 'printer reports an unrecoverable error');
  if (c.autoRecoverableError) return st('busy', 'auto-recoverable-error', 'printer recovering from an error (e.g. head temperature)');
  if (c.recoverableError || c.errorOccurred) return st('error', 'printer-error', 'printer reports an error');
  if (c.paperFeeding || c.feedButton) return st('busy', 'paper-feeding', 'paper being fed by the button');
  if (c.offline || c.waitingRecovery) return st('error', 'printer-offline', 'printer reports offline');
  if (c.paperNearEnd) return st('degraded', 'paper-near-end', 'receipt paper near end');
  return st('online', 'ok', 'ready');
}

/** A receipt can be started: online, or degraded by paper near end. */
export const canPrint = (s: DeviceStatus): boolean => s.state === 'online' || s.state === 'degraded';
