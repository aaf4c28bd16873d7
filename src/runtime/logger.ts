import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths that may carry card or personal data if anyone ever logs such an object. Redaction applies to
 * object keys only, never to the message string: never interpolate payloads into `msg`.
 */
export const REDACT_PATHS = [
  'pan', '*.pan', 'track2', '*.track2', 'track1', '*.track1', 'expiry', '*.expiry', 'cvv', '*.cvv',
  'paymentCode', '*.paymentCode', 'barcode', '*.barcode', 'data', '*.data',
  'account', '*.account', 'card', '*.card', 'password', '*.password', 'key', '*.key',
];

export interface LoggerSettings {
  readonly level: string;
  /** Write to this stream instead of stdout (the simulated kiosk keeps logs out of the screen). */
  readonly destination?: DestinationStream;
  readonly base?: Record<string, unknown>;
}

export function createLogger(s: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: s.level,
    base: s.base ?? {},
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return s.destination ? pino(options, s.destination) : pino(options);
}

export type { Logger };
