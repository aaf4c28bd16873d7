export { crcZvt } from './crc.js';
export {
  MAX_AMOUNT, CURRENCY_NUMERIC, encodeBcd, decodeBcd, decodePaddedBcd, encodeAmount, decodeAmount, decodeVarLength,
  encodeVarLength, currencyToBcd, currencyFromNumeric, encodePassword,
} from './bcd.js';
export { MAX_APDU_DATA, encodeApdu, parseApdu, apduHeader, ApduStreamDecoder, type Apdu } from './apdu.js';
export { DLE, STX, ETX, ACK, NAK, MAX_FRAME_APDU, encodeSerialFrame, SerialFrameDecoder, type SerialItem } from './frame.js';
export { maskPans, safeText, last4Of } from './redact.js';
export { decodeTlv, encodeTlv, tlvContainerLength, type TlvSummary } from './tlv.js';
export { CARD_DATA_BMPS, CARD_TYPES, decodeBmps, cardTypeOf, bmp, bmpLl, type BmpFields } from './bmp.js';
export {
  CONFIG, DEFAULT_CONFIG_BYTE, DEFAULT_SERVICE_BYTE, ACK_APDU, WAIT_APDU, GOODS_FAILED_APDU, RESULT_ABORTED,
  registration, authorization, reversal, endOfDay, repeatReceipt, statusEnquiry, abort, logOff, decodeMessage,
  intermediateText, resultReason, type PtMessage,
} from './messages.js';
export {
  SerialZvtTransport, TcpZvtTransport, newTransportCounters,
  type ZvtTransport, type TransportCounters, type SerialTransportOptions,
} from './transport.js';
export { TcpLink, type TcpLinkOptions } from './tcp-link.js';
export {
  ZvtCardTerminal,
  type ZvtCardTerminalOptions, type ZvtTxState, type ZvtTerminalEvents, type ZvtReversedEvent, type EndOfDayResult,
} from './terminal.js';
export { ZvtConfigSchema, createZvtTerminal, type ZvtConfig, type ZvtContext } from './config.js';
