import type { Logger } from 'pino';
import type { HidBackend, HidDeviceLink, HidOpener } from '../../hal/hid.js';
import type { Clock, DeviceIdentity, Timers } from '../../hal/index.js';
import { ScannerShell, type ScanSource } from '../serial-scanner/index.js';
import { HID_POS_USAGE_PAGE, HidPosDecoder, type HidPosLayout } from './hid-pos-report.js';
import { KeyboardDecoder } from './keyboard-report.js';

export interface HidScannerOptions {
  readonly id: string;
  readonly openHid: HidOpener;
  readonly vendorId: number;
  readonly productId: number;
  /** One interface's OS path; absent: the first device with this vendor/product id. */
  readonly path?: string;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger?: Logger;
  /** Defaults to 512. */
  readonly maxLength?: number;
  /** Defaults to 200 ms. */
  readonly interCharTimeoutMs?: number;
  readonly reconnectBaseMs?: number;
  readonly reconnectMaxMs?: number;
}

export interface HidPosScannerOptions extends HidScannerOptions {
  /** Input report layouts, told apart by length. Defaults to Honeywell (64 bytes) and compact (62). */
  readonly layouts?: readonly HidPosLayout[];
  /** Scanned-data report id. Defaults to 2. */
  readonly reportId?: number;
}

export interface WedgeScannerOptions extends HidScannerOptions {
  /** Split a typed AIM identifier prefix into `symbology`. Defaults to true. */
  readonly aim?: boolean;
  /** Set for a keyboard interface with numbered reports (9-byte reports). */
  readonly reportId?: number;
}

/** A HidDeviceLink seen as a scan source. */
export function hidLinkSource(link: HidDeviceLink): ScanSource<Uint8Array> {
  return { subscribe: (fn) => link.onReport(fn), onClose: (fn) => link.onClose(fn), close: () => link.close() };
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

function identity(o: HidScannerOptions, protocol: string, backend: HidBackend): DeviceIdentity {
  return {
    model: `usb:${hex4(o.vendorId)}:${hex4(o.productId)}`, serial: '', firmware: '', protocol,
    extra: { backend, ...(o.path === undefined ? {} : { path: o.path }) },
  };
}

function shellOptions(o: HidScannerOptions, backend: HidBackend, usagePage: number) {
  return {
    id: o.id,
    clock: o.clock,
    timers: o.timers,
    logger: o.logger,
    interCharTimeoutMs: o.interCharTimeoutMs,
    reconnectBaseMs: o.reconnectBaseMs,
    reconnectMaxMs: o.reconnectMaxMs,
    openSource: async () => hidLinkSource(await o.openHid({
      vendorId: o.vendorId, productId: o.productId, backend, usagePage, ...(o.path === undefined ? {} : { path: o.path }),
    })),
  };
}

/** A HID POS (usage page 0x8C) scanner over the hidraw backend: reads arrive as scanned-data reports. */
export class HidPosScanner extends ScannerShell<Uint8Array> {
  constructor(opts: HidPosScannerOptions) {
    super({
      ...shellOptions(opts, 'hidraw', HID_POS_USAGE_PAGE),
      identity: identity(opts, 'hid-pos', 'hidraw'),
      decoder: new HidPosDecoder({ maxLength: opts.maxLength, layouts: opts.layouts, reportId: opts.reportId }),
    });
  }
}

/**
 * A keyboard-wedge scanner over the libusb backend, which detaches the kernel keyboard driver while
 * open so reads never type into a console or login prompt.
 */
export class WedgeScanner extends ScannerShell<Uint8Array> {
  constructor(opts: WedgeScannerOptions) {
    super({
      ...shellOptions(opts, 'libusb', 0x01),
      identity: identity(opts, 'hid-wedge', 'libusb'),
      decoder: new KeyboardDecoder({ maxLength: opts.maxLength, aim: opts.aim, reportId: opts.reportId }),
    });
  }
}
