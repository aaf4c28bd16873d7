export {
  DEFAULT_MAX_LENGTH, GS, rejectScan, isAimIdentifier, splitAim, decodeScanText,
  type ScanRejectReason, type ScanResult, type ScanDecoder,
} from './scan-text.js';
export { ScanFramer, type ScanFramerOptions, type ScanSuffix } from './frames.js';
export { ScannerShell, type ScannerShellOptions, type ScanSource } from './scanner-shell.js';
export { SerialScanner, byteLinkSource, type SerialScannerOptions } from './serial-scanner.js';
export { SerialScannerConfigSchema, createSerialScanner, type SerialScannerConfig, type ScannerContext } from './config.js';
