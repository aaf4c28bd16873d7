/** SSP command codes used by a cash-in kiosk (PROTOCOLS.md §1.5). */
export const SSP_CMD = {
  RESET: 0x01,
  SET_INHIBITS: 0x02,
  SETUP_REQUEST: 0x05,
  HOST_PROTOCOL_VERSION: 0x06,
  POLL: 0x07,
  REJECT: 0x08,
  DISABLE: 0x09,
  ENABLE: 0x0a,
  GET_SERIAL_NUMBER: 0x0c,
  SYNC: 0x11,
  LAST_REJECT_CODE: 0x17,
  HOLD: 0x18,
  GET_FIRMWARE_VERSION: 0x20,
  GET_DATASET_VERSION: 0x21,
  SET_GENERATOR: 0x4a,
  SET_MODULUS: 0x4b,
  REQUEST_KEY_EXCHANGE: 0x4c,
  POLL_WITH_ACK: 0x56,
  EVENT_ACK: 0x57,
  GET_COUNTERS: 0x58,
} as const;

/** Generic responses: the first DATA byte of every reply (§1.4). */
export const SSP_RESP = {
  OK: 0xf0,
  COMMAND_NOT_KNOWN: 0xf2,
  WRONG_PARAMETERS: 0xf3,
  PARAMETER_OUT_OF_RANGE: 0xf4,
  CANNOT_PROCESS: 0xf5,
  SOFTWARE_ERROR: 0xf6,
  FAIL: 0xf8,
  KEY_NOT_SET: 0xfa,
} as const;

export type SspResponseName =
  | 'ok' | 'command-not-known' | 'wrong-parameters' | 'parameter-out-of-range' | 'cannot-process'
  | 'software-error' | 'fail' | 'key-not-set';

export const RESPONSE_NAMES: Readonly<Record<number, SspResponseName>> = {
  0xf0: 'ok', 0xf2: 'command-not-known', 0xf3: 'wrong-parameters', 0xf4: 'parameter-out-of-range',
  0xf5: 'cannot-process', 0xf6: 'software-error', 0xf8: 'fail', 0xfa: 'key-not-set',
};

/** eSSP: first DATA byte of an encrypted packet (§1.10). */
export const STEX = 0x7e;
