import { KioskError } from '../../errors/index.js';

/** Banknote-validator poll events (PROTOCOLS.md §1.7), with their data sizes for pv ≤ 8. */
export type SspEventName =
  | 'slave-reset' | 'read' | 'credit' | 'rejecting' | 'rejected' | 'stacking' | 'stacked' | 'safe-jam'
  | 'unsafe-jam' | 'disabled' | 'fraud-attempt' | 'stacker-full' | 'cleared-from-front' | 'cleared-into-cashbox'
  | 'cashbox-removed' | 'cashbox-replaced' | 'barcode-validated' | 'barcode-ack' | 'note-path-open'
  | 'channel-disable' | 'initialising';

export interface SspEvent {
  readonly code: number;
  readonly name: SspEventName;
  /** For events that carry a channel byte (read, credit, fraud, cleared…); 0 = unknown / still reading. */
  readonly channel?: number;
}

interface EventDef { readonly name: SspEventName; readonly data: 0 | 1; readonly needsAck: boolean }

export const SSP_EVENTS: ReadonlyMap<number, EventDef> = new Map<number, EventDef>([
  [0xf1, { name: 'slave-reset', data: 0, needsAck: false }],
  [0xef, { name: 'read', data: 1, needsAck: false }],
  [0xee, { name: 'credit', data: 1, needsAck: true }],
  [0xed, { name: 'rejecting', data: 0, needsAck: false }],
  [0xec, { name: 'rejected', data: 0, needsAck: false }],
  [0xcc, { name: 'stacking', data: 0, needsAck: false }],
  [0xeb, { name: 'stacked', data: 0, needsAck: false }],
  [0xea, { name: 'safe-jam', data: 0, needsAck: false }],
  [0xe9, { name: 'unsafe-jam', data: 0, needsAck: false }],
  [0xe8, { name: 'disabled', data: 0, needsAck: false }],
  // GA138 erratum: "F1 F8" after reset where E8 DISABLED is meant (§1.11); tolerated as disabled.
  [0xf8, { name: 'disabled', data: 0, needsAck: false }],
  [0xe6, { name: 'fraud-attempt', data: 1, needsAck: true }],
  [0xe7, { name: 'stacker-full', data: 0, needsAck: false }],
  [0xe1, { name: 'cleared-from-front', data: 1, needsAck: false }],
  [0xe2, { name: 'cleared-into-cashbox', data: 1, needsAck: true }],
  [0xe3, { name: 'cashbox-removed', data: 0, needsAck: false }],
  [0xe4, { name: 'cashbox-replaced', data: 0, needsAck: false }],
  [0xe5, { name: 'barcode-validated', data: 0, needsAck: false }],
  [0xd1, { name: 'barcode-ack', data: 0, needsAck: true }],
  [0xe0, { name: 'note-path-open', data: 0, needsAck: false }],
  [0xb5, { name: 'channel-disable', data: 0, needsAck: false }],
  [0xb6, { name: 'initialising', data: 0, needsAck: false }],
]);

export interface PollResult {
  readonly events: readonly SspEvent[];
  /** True when the list holds an event that POLL WITH ACK repeats until EVENT ACK. */
  readonly needsAck: boolean;
  /** Set when the list could not be walked to its end; `events` holds what came before. */
  readonly error?: KioskError;
}

/**
 * Walks a POLL / POLL WITH ACK reply (whole DATA, generic response first). Tolerates GA138's example
 * without the leading 0xF0 (`F1` only). Never throws: an unknown code stops the walk with an error,
 * because its data length is unknown and guessing would desynchronise the rest of the list.
 */
export function parsePollReply(data: Uint8Array): PollResult {
  let i = 0;
  if (data[0] === 0xf0) i = 1;
  else if (data[0] !== 0xf1) {
    return { events: [], needsAck: false, error: new KioskError('KIOSK_E_DEVICE_PROTOCOL', `poll answered 0x${(data[0] ?? 0).toString(16)}`, { retryable: true, details: { code: data[0] } }) };
  }
  const events: SspEvent[] = [];
  let needsAck = false;
  while (i < data.length) {
    const code = data[i]!;
    const def = SSP_EVENTS.get(code);
    if (!def) {
      return { events, needsAck, error: new KioskError('KIOSK_E_DEVICE_PROTOCOL', `unknown poll event 0x${code.toString(16)}`, { details: { code, at: i } }) };
    }
    if (i + 1 + def.data > data.length) {
      return { events, needsAck, error: new KioskError('KIOSK_E_FRAME_LENGTH', `poll event 0x${code.toString(16)} truncated`, { details: { code, at: i } }) };
    }
    events.push(def.data === 1 ? { code, name: def.name, channel: data[i + 1]! } : { code, name: def.name });
    needsAck ||= def.needsAck;
    i += 1 + def.data;
  }
  return { events, needsAck };
}
