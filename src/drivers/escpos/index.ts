export * as escposCommands from './commands.js';
export {
  PAPER, COPY_BANNER, columnsForPaper, encodeDocument, encodeText, pairRows, textRows, qrModulesFor,
  type EncodeOptions, type PrinterColumns, type ReceiptLanguage,
} from './encode.js';
export {
  CLEAN_CONDITION, STATUS_NO_REPLY, STATUS_PROTOCOL_ERROR, STATUS_DISCONNECTED, isStatusByte, isAsbFirstByte,
  decodeStatusByte, decodeStatusReplies, decodeAsb, conditionStatus, canPrint,
  type PrinterCondition, type StatusRequest,
} from './status.js';
export { ReplyReader, MAX_ID_TEXT, type Expectation, type ReplyItem } from './reply-reader.js';
export { UsbLpLink, type UsbLpOptions, type LpHandle } from './usblp-link.js';
export { EscposPrinter, type EscposPrinterOptions } from './printer.js';
export { EscposPrinterConfigSchema, createEscposPrinter, type EscposPrinterConfig, type EscposPrinterContext } from './config.js';
