/**
 * The one registry of kioskd error codes. Codes are permanent: tests and operators match on them,
 * never on messages. docs/errors.md lists the same codes; errors.test.ts keeps the two in step.
 */
export const ERROR_CODES = {
  KIOSK_E_CONFIG_INVALID: 'configuration does not match the schema',
  KIOSK_E_CONFIG_UNREADABLE: 'configuration file cannot be read or parsed',
  KIOSK_E_CONFIG_VERSION: 'configuration schema version is newer than this kioskd understands',
  KIOSK_E_OVERRIDE_REFUSED: 'runtime override rejected; the last good configuration stays',
  KIOSK_E_SETTINGS_CORRUPT: 'settings file unreadable or corrupt; set aside, kioskd runs without runtime overrides',
  KIOSK_E_JOURNAL_OPEN: 'journal database cannot be opened',
  KIOSK_E_JOURNAL_FOREIGN: 'journal file is not a kioskd journal',
  KIOSK_E_JOURNAL_VERSION: 'journal schema is newer than this kioskd understands',
  KIOSK_E_JOURNAL_CORRUPT: 'journal database is corrupt',
  KIOSK_E_JOURNAL_WRITE: 'journal append failed (disk full or I/O error)',
  KIOSK_E_BARCODE_UNKNOWN: 'barcode matches no known bill format',
  KIOSK_E_BARCODE_CHECK: 'barcode check digit or structure is wrong',
  KIOSK_E_BILL_NOT_FOUND: 'biller knows no such bill',
  KIOSK_E_BILLER_UNAVAILABLE: 'biller gateway unreachable, slow or answering garbage',
  KIOSK_E_BILLER_REFUSED: 'biller refused the posting for good',
  KIOSK_E_DEVICE_TIMEOUT: 'device did not answer in time',
  KIOSK_E_DEVICE_OFFLINE: 'device is not connected',
  KIOSK_E_DEVICE_PROTOCOL: 'device answered with bytes that break its protocol',
  KIOSK_E_DEVICE_STATE: 'device operation not allowed in its current state',
  KIOSK_E_DEVICE_CURRENCY: 'device currency differs from the terminal currency',
  KIOSK_E_DEVICE_FAULT: 'device reports a hardware fault',
  KIOSK_E_FRAME_CRC: 'frame checksum mismatch',
  KIOSK_E_FRAME_LENGTH: 'frame length out of range',
  KIOSK_E_FRAME_SYNTAX: 'frame does not follow the protocol grammar',
  KIOSK_E_MQTT_PAYLOAD: 'MQTT payload rejected',
  KIOSK_E_FIRMWARE_INVALID: 'firmware file is not valid Intel HEX or does not fit the board',
  KIOSK_E_INTERNAL: 'internal invariant broken',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
