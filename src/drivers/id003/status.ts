import { KioskError } from '../../errors/index.js';
import type { Id003Frame } from './frame.js';

/** Device → host status bytes, the reply to STATUS REQUEST (PROTOCOLS.md §2.5). */
export const STATUS = {
  IDLING: 0x11,
  ACCEPTING: 0x12,
  ESCROW: 0x13,
  STACKING: 0x14,
  VEND_VALID: 0x15,
  STACKED: 0x16,
  REJECTING: 0x17,
  RETURNING: 0x18,
  HOLDING: 0x19,
  DISABLED: 0x1a,
  INITIALIZE: 0x1b,
  POWER_UP: 0x40,
  POWER_UP_BILL_IN_ACCEPTOR: 0x41,
  POWER_UP_BILL_IN_STACKER: 0x42,
  STACKER_FULL: 0x43,
  STACKER_OPEN: 0x44,
  ACCEPTOR_JAM: 0x45,
  STACKER_JAM: 0x46,
  PAUSE: 0x47,
  CHEATED: 0x48,
  FAILURE: 0x49,
  COMMUNICATION_ERROR: 0x4a,
  INVALID_COMMAND: 0x4b,
} as const;

/** The device's acknowledgement of an operation command (RESET, STACK, RETURN, HOLD, WAIT). */
export const DEVICE_ACK = 0x50;

export type StatusKind =
  | 'idling' | 'accepting' | 'escrow' | 'stacking' | 'vendValid' | 'stacked' | 'rejecting' | 'returning'
  | 'holding' | 'disabled' | 'initialize' | 'powerUp' | 'powerUpBillInAcceptor' | 'powerUpBillInStacker'
  | 'stackerFull' | 'stackerOpen' | 'acceptorJam' | 'stackerJam' | 'pause' | 'cheated' | 'failure'
  | 'communicationError' | 'invalidCommand';

const KIND_BY_CODE: ReadonlyMap<number, StatusKind> = new Map<number, StatusKind>([
  [STATUS.IDLING, 'idling'], [STATUS.ACCEPTING, 'accepting'], [STATUS.ESCROW, 'escrow'], [STATUS.STACKING, 'stacking'],
  [STATUS.VEND_VALID, 'vendValid'], [STATUS.STACKED, 'stacked'], [STATUS.REJECTING, 'rejecting'],
  [STATUS.RETURNING, 'returning'], [STATUS.HOLDING, 'holding'], [STATUS.DISABLED, 'disabled'],
  [STATUS.INITIALIZE, 'initialize'], [STATUS.POWER_UP, 'powerUp'], [STATUS.POWER_UP_BILL_IN_ACCEPTOR, 'powerUpBillInAcceptor'],
  [STATUS.POWER_UP_BILL_IN_STACKER, 'powerUpBillInStacker'], [STATUS.STACKER_FULL, 'stackerFull'],
  [STATUS.STACKER_OPEN, 'stackerOpen'], [STATUS.ACCEPTOR_JAM, 'acceptorJam'], [STATUS.STACKER_JAM, 'stackerJam'],
  [STATUS.PAUSE, 'pause'], [STATUS.CHEATED, 'cheated'], [STATUS.FAILURE, 'failure'],
  [STATUS.COMMUNICATION_ERROR, 'communicationError'], [STATUS.INVALID_COMMAND, 'invalidCommand'],
]);

/** Data of REJECTING (0x17) [OSS hackwin, TerminalClient]. */
export const REJECT_REASONS: Readonly<Record<number, string>> = {
  0x71: 'insertion-error',
  0x72: 'magnetic-pattern',
  0x73: 'sensor-while-idle',
  0x74: 'data-amplitude',
  0x75: 'feed-error',
  0x76: 'denomination-assessing',
  0x77: 'photo-pattern',
  0x78: 'photo-level',
  0x79: 'inhibited',
  0x7b: 'operation-error',
  0x7c: 'bill-in-transport',
  0x7d: 'length-error',
  0x7e: 'colour-pattern',
  0x7f: 'other',
};

/** Data of FAILURE (0x49) [OSS TerminalClient]. */
export const FAILURE_CODES: Readonly<Record<number, string>> = {
  0xa2: 'stacker-motor',
  0xa5: 'transport-motor-speed',
  0xa6: 'transport-motor',
  0xa7: 'aligning-motor',
  0xab: 'cashbox-not-ready',
  0xac: 'optical-sensor',
  0xad: 'magnetic-sensor',
  0xaf: 'head-removed',
  0xb0: 'boot-rom',
  0xb1: 'external-rom',
  0xb2: 'rom',
  0xb3: 'external-rom-write',
};

export type Id003Status =
  | { readonly kind: 'escrow'; readonly code: number; readonly escrowCode: number }
  | { readonly kind: 'stacking'; readonly code: number; readonly target?: number }
  | { readonly kind: 'rejecting'; readonly code: number; readonly reason: number; readonly reasonName: string }
  | { readonly kind: 'failure'; readonly code: number; readonly failure: number; readonly failureName: string }
  | { readonly kind: 'powerUpBillInStacker'; readonly code: number; readonly extra?: number }
  | { readonly kind: Exclude<StatusKind, 'escrow' | 'stacking' | 'rejecting' | 'failure' | 'powerUpBillInStacker'>; readonly code: number };

export function isStatusCode(cmd: number): boolean {
  return KIND_BY_CODE.has(cmd);
}

function needByte(frame: Id003Frame, what: string): number {
  const b = frame.data[0];
  if (b === undefined) {
    throw new KioskError('KIOSK_E_DEVICE_PROTOCOL', `status 0x${frame.cmd.toString(16)} without ${what}`, { retryable: true });
  }
  return b;
}

/**
 * Decodes a status frame. Statuses that need a data byte (ESCROW, REJECTING, FAILURE) throw
 * KIOSK_E_DEVICE_PROTOCOL without it; extra trailing bytes are tolerated (recyclers append some).
 */
export function decodeStatus(frame: Id003Frame): Id003Status {
  const kind = KIND_BY_CODE.get(frame.cmd);
  const code = frame.cmd;
  switch (kind) {
    case undefined:
      throw new KioskError('KIOSK_E_DEVICE_PROTOCOL', `unknown status 0x${code.toString(16)}`, { retryable: true, details: { status: code } });
    case 'escrow':
      return { kind, code, escrowCode: needByte(frame, 'escrow code') };
    case 'rejecting': {
      const reason = needByte(frame, 'reject reason');
      return { kind, code, reason, reasonName: REJECT_REASONS[reason] ?? 'unknown' };
    }
    case 'failure': {
      const failure = needByte(frame, 'failure code');
      return { kind, code, failure, failureName: FAILURE_CODES[failure] ?? 'unknown' };
    }
    case 'stacking':
      return frame.data[0] === undefined ? { kind, code } : { kind, code, target: frame.data[0] };
    case 'powerUpBillInStacker':
      return frame.data[0] === undefined ? { kind, code } : { kind, code, extra: frame.data[0] };
    default:
      return { kind, code };
  }
}
