import { KioskError } from '../../errors/index.js';
import { SSP_CMD } from './constants.js';

/** Command encoders: each returns the DATA field (command byte + parameters) of one SSP frame. */
const one = (code: number) => (): Uint8Array => Uint8Array.of(code);

export const sync = one(SSP_CMD.SYNC);
export const reset = one(SSP_CMD.RESET);
export const setupRequest = one(SSP_CMD.SETUP_REQUEST);
export const getSerialNumber = one(SSP_CMD.GET_SERIAL_NUMBER);
export const getFirmwareVersion = one(SSP_CMD.GET_FIRMWARE_VERSION);
export const getDatasetVersion = one(SSP_CMD.GET_DATASET_VERSION);
export const enable = one(SSP_CMD.ENABLE);
export const disable = one(SSP_CMD.DISABLE);
export const poll = one(SSP_CMD.POLL);
export const pollWithAck = one(SSP_CMD.POLL_WITH_ACK);
export const eventAck = one(SSP_CMD.EVENT_ACK);
export const hold = one(SSP_CMD.HOLD);
export const reject = one(SSP_CMD.REJECT);
export const lastRejectCode = one(SSP_CMD.LAST_REJECT_CODE);
export const getCounters = one(SSP_CMD.GET_COUNTERS);

export function hostProtocolVersion(version: number): Uint8Array {
  if (!Number.isInteger(version) || version < 1 || version > 255) throw new KioskError('KIOSK_E_INTERNAL', `bad protocol version ${version}`);
  return Uint8Array.of(SSP_CMD.HOST_PROTOCOL_VERSION, version);
}

/**
 * SET INHIBITS: bit (channel-1) set = channel enabled. Always at least 2 mask bytes (fewer → 0xF3 on
 * NV9), more when a channel above 16 is enabled.
 */
export function setInhibits(enabledChannels: readonly number[]): Uint8Array {
  const max = enabledChannels.reduce((m, c) => Math.max(m, c), 0);
  const bytes = Math.max(2, Math.ceil(max / 8));
  const out = new Uint8Array(1 + bytes);
  out[0] = SSP_CMD.SET_INHIBITS;
  for (const ch of enabledChannels) {
    if (!Number.isInteger(ch) || ch < 1 || ch > 8 * bytes) throw new KioskError('KIOSK_E_INTERNAL', `bad channel ${ch}`);
    out[1 + ((ch - 1) >> 3)]! |= 1 << ((ch - 1) & 7);
  }
  return out;
}

function u64le(code: number, v: bigint): Uint8Array {
  if (v < 0n || v >= 1n << 64n) throw new KioskError('KIOSK_E_INTERNAL', 'key exchange value out of 64-bit range');
  const out = Buffer.alloc(9);
  out[0] = code;
  out.writeBigUInt64LE(v, 1);
  return out;
}

export const setGenerator = (g: bigint): Uint8Array => u64le(SSP_CMD.SET_GENERATOR, g);
export const setModulus = (m: bigint): Uint8Array => u64le(SSP_CMD.SET_MODULUS, m);
export const requestKeyExchange = (hostInter: bigint): Uint8Array => u64le(SSP_CMD.REQUEST_KEY_EXCHANGE, hostInter);
