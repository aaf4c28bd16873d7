export type { BarcodeFormat, ParsedBill, BarcodeRejectReason } from './parsed-bill.js';
export type { BillerEntry, BillerDirectory } from './directory.js';
export { SAMPLE_BILLERS } from './directory.js';
export { parseBillBarcode, createBillBarcodeParser } from './barcode.js';
export { makeGs1Barcode, type Gs1SlipFields, type Gs1BarcodeForm } from './gs1.js';
export { makeNumericBarcode, type NumericSlipFields } from './numeric.js';
export {
  HttpBillerGateway,
  type BillerGateway, type BillerGatewayConfig, type BillerGatewayDeps,
  type PostPaymentRequest, type PostPaymentResult, type CancelPaymentResult,
} from './gateway.js';
