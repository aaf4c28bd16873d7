import { KioskError } from '../../errors/index.js';
import type { RejectReason } from '../../hal/index.js';
import { RESPONSE_NAMES, SSP_RESP, type SspResponseName } from './constants.js';

/** A reply split into its generic response byte and the data after it. */
export interface SspReply {
  readonly code: number;
  readonly name: SspResponseName | 'unknown';
  readonly ok: boolean;
  readonly payload: Buffer;
}

function protocol(msg: string): KioskError {
  return new KioskError('KIOSK_E_DEVICE_PROTOCOL', msg, { retryable: true });
}

export function decodeReply(data: Uint8Array): SspReply {
  if (data.length === 0) throw new KioskError('KIOSK_E_FRAME_LENGTH', 'empty SSP reply');
  const code = data[0]!;
  return { code, name: RESPONSE_NAMES[code] ?? 'unknown', ok: code === SSP_RESP.OK, payload: Buffer.from(data.subarray(1)) };
}

export interface SspChannel {
  readonly channel: number;
  /** Minor units (fen, cents). */
  readonly value: number;
  readonly currency: string;
}

/** SETUP REQUEST reply of a banknote validator (§1.6). */
export interface SspSetup {
  readonly unitType: number;
  /** "0335" → firmware 3.35, kept as sent. */
  readonly firmware: string;
  readonly country: string;
  readonly valueMultiplier: number;
  readonly realMultiplier: number;
  readonly protocolVersion: number;
  /** Every channel the device has, including unused ones (value 0). */
  readonly channels: readonly SspChannel[];
}

const ascii = (b: Buffer): string => b.toString('latin1');

/**
 * Parses the SETUP REQUEST payload (after 0xF0). Channel values: pv ≥ 6 → the 4-byte LE expanded value,
 * else byte × value multiplier; then × real multiplier gives minor units (GA973 §8.3 worked example).
 */
export function parseSetup(p: Buffer): SspSetup {
  if (p.length < 12) throw protocol(`SETUP REQUEST reply too short (${p.length})`);
  const unitType = p[0]!;
  const firmware = ascii(p.subarray(1, 5));
  const country = ascii(p.subarray(5, 8));
  const valueMultiplier = p.readUIntBE(8, 3);
  const n = p[11]!;
  if (n < 1 || n > 24) throw protocol(`SETUP REQUEST: ${n} channels`);
  if (p.length < 16 + 2 * n) throw protocol('SETUP REQUEST reply truncated');
  const realMultiplier = p.readUIntBE(12 + 2 * n, 3);
  const protocolVersion = p[15 + 2 * n]!;
  const expanded = protocolVersion >= 6;
  if (expanded && p.length < 16 + 9 * n) throw protocol('SETUP REQUEST reply truncated (pv ≥ 6 section)');
  const channels: SspChannel[] = [];
  for (let i = 0; i < n; i++) {
    const base = expanded ? p.readUInt32LE(16 + 5 * n + 4 * i) : p[12 + i]! * (valueMultiplier || 1);
    const value = base * realMultiplier;
    if (!Number.isSafeInteger(value)) throw protocol('SETUP REQUEST: channel value out of range');
    const currency = expanded ? ascii(p.subarray(16 + 2 * n + 3 * i, 19 + 2 * n + 3 * i)) : country;
    channels.push({ channel: i + 1, value, currency });
  }
  return { unitType, firmware, country, valueMultiplier, realMultiplier, protocolVersion, channels };
}

/** GET SERIAL NUMBER: 4 bytes big-endian. */
export function parseSerial(p: Buffer): number {
  if (p.length < 4) throw protocol('serial number reply too short');
  return p.readUInt32BE(0);
}

/** GET FIRMWARE VERSION / GET DATASET VERSION: an ASCII string (NULs and spaces trimmed). */
export function parseAscii(p: Buffer): string {
  return ascii(p).replace(/[\0\s]+$/u, '');
}

export interface SspCounters {
  readonly stacked: number;
  readonly stored: number;
  readonly dispensed: number;
  readonly transferred: number;
  readonly rejected: number;
}

/** GET COUNTERS: count byte, then 4-byte LE counters (stacked, stored, dispensed, transferred, rejected). */
export function parseCounters(p: Buffer): SspCounters {
  const n = p[0] ?? 0;
  if (n < 5 || p.length < 1 + 4 * 5) throw protocol('GET COUNTERS reply too short');
  const at = (i: number): number => p.readUInt32LE(1 + 4 * i);
  return { stacked: at(0), stored: at(1), dispensed: at(2), transferred: at(3), rejected: at(4) };
}

/** REQUEST KEY EXCHANGE reply: the slave's intermediate key, 8 bytes LE. */
export function parseKeyReply(p: Buffer): bigint {
  if (p.length < 8) throw protocol('key exchange reply too short');
  return p.readBigUInt64LE(0);
}

/** LAST REJECT CODE: 1 byte (§1.8). */
export function parseRejectCode(p: Buffer): number {
  if (p.length < 1) throw protocol('LAST REJECT CODE reply empty');
  return p[0]!;
}

const REJECT_REASONS: Readonly<Record<number, RejectReason>> = {
  0x01: 'not-recognised', 0x02: 'not-recognised', 0x03: 'not-recognised', 0x04: 'not-recognised', 0x05: 'not-recognised',
  0x06: 'inhibited', 0x07: 'validation', 0x08: 'returned-by-host', 0x09: 'not-recognised', 0x0a: 'validation',
  0x0b: 'validation', 0x0c: 'inhibited', 0x0d: 'validation', 0x0e: 'fraud', 0x0f: 'fraud', 0x10: 'other',
  0x11: 'not-recognised', 0x12: 'validation', 0x13: 'timeout', 0x14: 'not-recognised', 0x19: 'validation',
  0x1a: 'validation', 0x1c: 'validation', 0x1d: 'other',
};

export function rejectReason(code: number): RejectReason {
  return REJECT_REASONS[code] ?? 'other';
}
