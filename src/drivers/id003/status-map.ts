import type { DeviceStatus, RejectReason } from '../../hal/index.js';
import type { Id003Status } from './status.js';

const READY: DeviceStatus = { state: 'online', reason: 'ok', text: 'ready' };
const INITIALIZING: DeviceStatus = { state: 'busy', reason: 'initializing', text: 'bill validator initialising' };

/**
 * The contract status a device status stands for; `undefined` leaves the current one (the device only
 * said it disliked our last frame).
 */
export function deviceStatusFor(s: Id003Status): DeviceStatus | undefined {
  switch (s.kind) {
    case 'idling': case 'disabled': case 'accepting': case 'escrow': case 'holding': case 'stacking':
    case 'vendValid': case 'stacked': case 'rejecting': case 'returning':
      return READY;
    case 'initialize': case 'powerUp': case 'powerUpBillInAcceptor': case 'powerUpBillInStacker':
      return INITIALIZING;
    case 'stackerFull': return { state: 'error', reason: 'stacker-full', text: 'cash box full' };
    case 'stackerOpen': return { state: 'error', reason: 'cashbox-removed', text: 'cash box removed' };
    case 'acceptorJam': return { state: 'error', reason: 'jam', text: 'note jammed in the acceptor' };
    case 'stackerJam': return { state: 'error', reason: 'stacker-jam', text: 'note jammed in the stacker' };
    case 'pause': return { state: 'busy', reason: 'pause', text: 'second note inserted while busy' };
    case 'cheated': return { state: 'fraud', reason: 'cheated', text: 'validator detected a fraud attempt' };
    case 'failure': return { state: 'error', reason: `failure-${s.failureName}`, text: `validator failure 0x${s.failure.toString(16)}` };
    case 'communicationError': case 'invalidCommand':
      return undefined;
  }
}

/** Device reject reason (0x71…) → contract reason. */
export function rejectReason(code: number): RejectReason {
  if (code === 0x79) return 'inhibited';
  if (code === 0x76) return 'not-recognised';
  if ([0x72, 0x74, 0x77, 0x78, 0x7d, 0x7e].includes(code)) return 'validation';
  return 'other';
}
