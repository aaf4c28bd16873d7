import { FakeBillValidator } from './bill-validator.js';
import { FakeCardPayment, type CardMode } from './card-payment.js';
import { FakeDisplay, type FakeDisplayGeometry } from './display.js';
import { FakePanel } from './panel.js';
import { FakePrinter } from './printer.js';
import { FakeScanner } from './scanner.js';

export interface FakeDevicesOptions {
  /** Currency of the validator's channel table and the card terminal. Defaults to CNY. */
  readonly currency?: string;
  /** Defaults to the 16×4 GB2312 glass. */
  readonly display?: FakeDisplayGeometry;
  readonly printerColumns?: 32 | 48;
  readonly cardMode?: CardMode;
  readonly onListenerError?: (err: unknown, event: string) => void;
}

/** One fake of each device class, keyed by DeviceClass. */
export interface FakeDevices {
  readonly scanner: FakeScanner;
  readonly billValidator: FakeBillValidator;
  readonly cardPayment: FakeCardPayment;
  readonly receiptPrinter: FakePrinter;
  readonly display: FakeDisplay;
  readonly panel: FakePanel;
}

export function createFakeDevices(opts: FakeDevicesOptions = {}): FakeDevices {
  const currency = opts.currency ?? 'CNY';
  const common = opts.onListenerError === undefined ? {} : { onListenerError: opts.onListenerError };
  return {
    scanner: new FakeScanner(common),
    billValidator: new FakeBillValidator({ ...common, currency }),
    cardPayment: new FakeCardPayment({ ...common, currency, mode: opts.cardMode ?? 'approve' }),
    receiptPrinter: new FakePrinter({ ...common, columns: opts.printerColumns ?? 48 }),
    display: new FakeDisplay({ ...common, ...(opts.display ?? { cols: 16, rows: 4, charset: 'gb2312' }) }),
    panel: new FakePanel(common),
  };
}
