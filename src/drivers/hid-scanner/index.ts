export {
  HONEYWELL_LAYOUT, COMPACT_LAYOUT, HID_POS_REPORT_ID, HID_POS_USAGE_PAGE, HidPosDecoder, parseHidPosReport,
  type HidPosLayout, type HidPosReport, type HidPosDecoderOptions, type ParsedHidPosReport,
} from './hid-pos-report.js';
export {
  MOD, KEY_ENTER, KEY_KEYPAD_ENTER, KeyboardDecoder, keyToChar, parseBootReport,
  type BootKeyboardReport, type KeyboardDecoderOptions,
} from './keyboard-report.js';
export { createNodeHidOpener, type NodeHidModule, type NodeHidOpenerOptions } from './node-hid-link.js';
export {
  HidPosScanner, WedgeScanner, hidLinkSource, type HidScannerOptions, type HidPosScannerOptions, type WedgeScannerOptions,
} from './hid-scanners.js';
export {
  HidPosScannerConfigSchema, WedgeScannerConfigSchema, HidScannerConfigSchema, createHidScanner,
  type HidPosScannerConfig, type WedgeScannerConfig, type HidScannerConfig,
} from './config.js';
export type { HidBackend, HidSelector, HidDeviceLink, HidOpener } from '../../hal/hid.js';
