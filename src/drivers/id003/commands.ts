import { encodeFrame } from './frame.js';

/** Host → device command bytes (PROTOCOLS.md §2.4). */
export const CMD = {
  STATUS_REQUEST: 0x11,
  ACK: 0x50,
  RESET: 0x40,
  STACK_1: 0x41,
  STACK_2: 0x42,
  RETURN: 0x43,
  HOLD: 0x44,
  WAIT: 0x45,
  SET_ENABLES: 0xc0,
  SET_SECURITY: 0xc1,
  SET_COMMUNICATION_MODE: 0xc2,
  SET_INHIBIT: 0xc3,
  SET_DIRECTION: 0xc4,
  SET_OPTIONAL_FUNCTION: 0xc5,
  SET_BARCODE_FUNCTION: 0xc6,
  SET_BAR_INHIBIT: 0xc7,
  GET_ENABLES: 0x80,
  GET_SECURITY: 0x81,
  GET_COMMUNICATION_MODE: 0x82,
  GET_INHIBIT: 0x83,
  GET_DIRECTION: 0x84,
  GET_OPTIONAL_FUNCTION: 0x85,
  VERSION_REQUEST: 0x88,
  BOOT_VERSION_REQUEST: 0x89,
  CURRENCY_ASSIGN_REQUEST: 0x8a,
} as const;

export type CommunicationMode = 'polling' | 'interrupt-1' | 'interrupt-2';

function u16le(mask: number): [number, number] {
  if (!Number.isInteger(mask) || mask < 0 || mask > 0xffff) throw new RangeError(`16-bit mask out of range: ${mask}`);
  return [mask & 0xff, mask >>> 8];
}

export const statusRequest = (): Uint8Array => encodeFrame(CMD.STATUS_REQUEST);
export const ack = (): Uint8Array => encodeFrame(CMD.ACK);
export const reset = (): Uint8Array => encodeFrame(CMD.RESET);
export const stack1 = (): Uint8Array => encodeFrame(CMD.STACK_1);
export const stack2 = (): Uint8Array => encodeFrame(CMD.STACK_2);
export const returnBill = (): Uint8Array => encodeFrame(CMD.RETURN);
export const hold = (): Uint8Array => encodeFrame(CMD.HOLD);
export const wait = (): Uint8Array => encodeFrame(CMD.WAIT);

/**
 * Denomination enable/disable: bit i (byte 0 = bits 0–7) stands for escrow code `first + i`;
 * **1 inhibits** that note, 0 enables it (TerminalClient and Portalum agree; §2.4).
 */
export const setEnables = (inhibitMask: number): Uint8Array => encodeFrame(CMD.SET_ENABLES, u16le(inhibitMask));
/** Per-denomination high security, same bit layout as setEnables. */
export const setSecurity = (mask: number): Uint8Array => encodeFrame(CMD.SET_SECURITY, u16le(mask));
export const setCommunicationMode = (mode: CommunicationMode): Uint8Array =>
  encodeFrame(CMD.SET_COMMUNICATION_MODE, [mode === 'polling' ? 0 : mode === 'interrupt-1' ? 1 : 2]);
/** Acceptor-wide inhibit: `C3 00` accepts notes, `C3 01` refuses them. */
export const setInhibit = (inhibited: boolean): Uint8Array => encodeFrame(CMD.SET_INHIBIT, [inhibited ? 1 : 0]);
/** Orientations to refuse (bitmask); 0 accepts all four. */
export const setDirection = (refuseMask: number): Uint8Array => encodeFrame(CMD.SET_DIRECTION, [refuseMask & 0xff]);
export const setOptionalFunction = (b1: number, b2: number): Uint8Array => encodeFrame(CMD.SET_OPTIONAL_FUNCTION, [b1 & 0xff, b2 & 0xff]);
export const setBarcodeFunction = (b1: number, b2: number): Uint8Array => encodeFrame(CMD.SET_BARCODE_FUNCTION, [b1 & 0xff, b2 & 0xff]);
/** bit0 = 1 refuses currency, bit1 = 1 refuses barcode tickets. */
export const setBarInhibit = (mask: number): Uint8Array => encodeFrame(CMD.SET_BAR_INHIBIT, [mask & 0xff]);
export const getEnables = (): Uint8Array => encodeFrame(CMD.GET_ENABLES);
export const getSecurity = (): Uint8Array => encodeFrame(CMD.GET_SECURITY);
export const getCommunicationMode = (): Uint8Array => encodeFrame(CMD.GET_COMMUNICATION_MODE);
export const getInhibit = (): Uint8Array => encodeFrame(CMD.GET_INHIBIT);
export const getDirection = (): Uint8Array => encodeFrame(CMD.GET_DIRECTION);
export const getOptionalFunction = (): Uint8Array => encodeFrame(CMD.GET_OPTIONAL_FUNCTION);
export const versionRequest = (): Uint8Array => encodeFrame(CMD.VERSION_REQUEST);
export const bootVersionRequest = (): Uint8Array => encodeFrame(CMD.BOOT_VERSION_REQUEST);
export const currencyAssignRequest = (): Uint8Array => encodeFrame(CMD.CURRENCY_ASSIGN_REQUEST);
