import type { Minor } from '../money/index.js';
import type { Device, DeviceEvents } from './device.js';

export interface Denomination {
  /** The device's channel number (1-based as on the wire). */
  readonly channel: number;
  readonly value: Minor;
  readonly currency: string;
}

export interface EscrowNote {
  readonly channel: number;
  readonly value: Minor;
  readonly currency: string;
}

/**
 * A note that can no longer be taken back (SSP NOTE CREDIT, ID-003 VEND VALID).
 * `deviceRef` is the driver's own reference for it, stable across resends, so the journal can credit
 * each note exactly once even if the device repeats the event.
 */
export interface NoteCredit {
  readonly channel: number;
  readonly value: Minor;
  readonly currency: string;
  readonly deviceRef: string;
}

export type RejectReason =
  | 'not-recognised' | 'inhibited' | 'validation' | 'timeout' | 'returned-by-host' | 'fraud' | 'other';

export interface BillValidatorEvents extends DeviceEvents {
  /** A note sits in escrow; the driver holds it until accept() or reject(). Not money yet. */
  escrow: EscrowNote;
  /** Informational mirror of a credit after the credit handler resolved. */
  credited: NoteCredit;
  rejected: { readonly reason: RejectReason; readonly code?: number };
  /** A note left escrow back to the customer. */
  returned: { readonly value?: Minor };
  /** The note was stacked into the cash box (confirmation only; money counted at credit). */
  stacked: { readonly value?: Minor };
  jam: { readonly safe: boolean };
  cashboxRemoved: Record<string, never>;
  cashboxReplaced: Record<string, never>;
  stackerFull: Record<string, never>;
  fraudAttempt: { readonly value?: Minor };
  /**
   * The device's lifetime stacked-note counter, read at each (re)connect by drivers whose protocol has one
   * (SSP GET COUNTERS). The runtime compares its growth with the journal's credits.
   */
  counters: { readonly stacked: number };
}

/** A credit handler journals the credit; the driver acknowledges the device only after it resolves. */
export type CreditHandler = (credit: NoteCredit) => Promise<void>;

/**
 * Contract: escrow (a decision is pending) is separate from credit (money counted).
 * - On `escrow`, the driver holds the note (SSP: HOLD at most every 3 s, never POLL) until the host calls
 *   accept() or reject(), which the runtime does only after journaling its decision.
 * - Credits go through the registered CreditHandler; the driver withholds the device acknowledgement
 *   (eSSP EVENT ACK, ID-003 ACK to VEND VALID) until the handler resolves; a rejected handler means the
 *   credit is not acknowledged and will be redelivered by the device.
 */
export interface BillValidator extends Device<BillValidatorEvents> {
  readonly kind: 'billValidator';
  /** The channel table as read from the device at open(). */
  denominations(): readonly Denomination[];
  /** Which note values may be inserted (the rest are inhibited). */
  setAcceptedValues(values: readonly Minor[]): Promise<void>;
  /** Stacks the note in escrow. */
  accept(): Promise<void>;
  /** Returns the note in escrow to the customer. */
  reject(): Promise<void>;
  /** The note in escrow now, if any (asked during recovery). */
  escrowNote(): EscrowNote | undefined;
  setCreditHandler(handler: CreditHandler): void;
}
