export { crc16Kermit } from './crc.js';
export {
  SYNC, MIN_FRAME_LENGTH, MAX_FRAME_LENGTH, MAX_DATA_LENGTH, encodeFrame, Id003Decoder,
  type Id003Frame, type DecodeResult, type DecoderOptions,
} from './frame.js';
export {
  CMD, statusRequest, ack, reset, stack1, stack2, returnBill, hold, wait, setEnables, setSecurity,
  setCommunicationMode, setInhibit, setDirection, setOptionalFunction, setBarcodeFunction, setBarInhibit,
  getEnables, getSecurity, getCommunicationMode, getInhibit, getDirection, getOptionalFunction,
  versionRequest, bootVersionRequest, currencyAssignRequest, type CommunicationMode,
} from './commands.js';
export {
  STATUS, DEVICE_ACK, REJECT_REASONS, FAILURE_CODES, decodeStatus, isStatusCode, type Id003Status, type StatusKind,
} from './status.js';
export {
  JCM_COUNTRY_CODES, ESCROW_CODE_BASE, decodeCurrencyAssign, buildDenominationTable, inhibitMask, decodeAscii,
  parseVersion, type CurrencyAssignEntry, type DenominationTable, type VersionInfo,
} from './tables.js';
export { Id003Validator, type Id003ValidatorOptions } from './validator.js';
