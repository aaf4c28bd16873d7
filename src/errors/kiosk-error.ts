import { ERROR_CODES, type ErrorCode } from './codes.js';

export interface KioskErrorOptions {
  /** Trying the same operation again may succeed (timeouts, a busy device, a flaky network). */
  retryable?: boolean;
  /** The transport is gone: the caller should reconnect rather than retry on the same handle. */
  disconnected?: boolean;
  /** Structured context for logs; never card data. */
  details?: Readonly<Record<string, unknown>>;
  cause?: unknown;
}

/** The one error type kioskd throws across module boundaries: a stable code plus two flags. */
export class KioskError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly disconnected: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message?: string, options: KioskErrorOptions = {}) {
    super(message ?? ERROR_CODES[code], options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KioskError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.disconnected = options.disconnected ?? false;
    this.details = options.details ?? {};
  }
}

export function isKioskError(e: unknown, code?: ErrorCode): e is KioskError {
  return e instanceof KioskError && (code === undefined || e.code === code);
}

/** Wraps anything thrown into a KioskError so callers can always read `code`. */
export function toKioskError(e: unknown, fallback: ErrorCode = 'KIOSK_E_INTERNAL'): KioskError {
  if (e instanceof KioskError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new KioskError(fallback, message, { cause: e });
}
