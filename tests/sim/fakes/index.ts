export { FakeDevice, type FakeDeviceOptions } from './fake-device.js';
export { FakeScanner } from './scanner.js';
export { FakeBillValidator, type FakeBillValidatorOptions, type InsertResult } from './bill-validator.js';
export { FakeCardPayment, type FakeCardPaymentOptions, type CardMode, type CardTxState } from './card-payment.js';
export { FakePrinter, type FakePrinterOptions, type PaperState } from './printer.js';
export { renderDocument, COPY_BANNER } from './printer-render.js';
export { FakeDisplay, fitsCharset, type FakeDisplayOptions, type FakeDisplayGeometry } from './display.js';
export { FakePanel, type LedChange } from './panel.js';
export { createFakeDevices, type FakeDevices, type FakeDevicesOptions } from './create.js';
