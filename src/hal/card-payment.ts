import type { Minor } from '../money/index.js';
import type { Device, DeviceEvents } from './device.js';

/** Modelled on UnifiedPOS CAT: authorize, then commit (book) or void, and ask for the last result. */
export interface AuthorizeRequest {
  readonly amount: Minor;
  readonly currency: string;
  /** Kiosk reference (transaction id); the idempotency key toward the acquirer or wallet gateway. */
  readonly ref: string;
  /** Wallet tender: the customer's payment code read by the scanner. */
  readonly paymentCode?: string;
}

export type AuthorizeOutcome = 'approved' | 'declined' | 'aborted' | 'timeout' | 'unknown';

export interface AuthorizeResult {
  readonly outcome: AuthorizeOutcome;
  readonly ref: string;
  readonly amount: Minor;
  readonly authCode?: string;
  /** Card brand or wallet name; never the PAN. */
  readonly cardType?: string;
  /** The last four digits of the PAN, the only card data kioskd keeps. */
  readonly last4?: string;
  readonly reason?: string;
}

export interface CardPaymentEvents extends DeviceEvents {
  /** Intermediate status for the display (insert card, enter PIN…), already free of card data. */
  intermediate: { readonly text: string; readonly code?: number };
}

export interface CardPayment extends Device<CardPaymentEvents> {
  readonly kind: 'cardPayment';
  authorize(req: AuthorizeRequest): Promise<AuthorizeResult>;
  commit(ref: string): Promise<void>;
  void(ref: string): Promise<void>;
  /** The outcome of the given (or last) transaction, asked after a lost reply or a restart. */
  queryLastResult(ref?: string): Promise<AuthorizeResult | undefined>;
}
