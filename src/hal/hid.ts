/**
 * HID transport seam. Drivers read input reports through a HidDeviceLink; the runtime hands them a
 * node-hid backed opener, tests an in-memory one, so no driver ever loads the native addon itself.
 */

/**
 * hidraw: the Linux default; usage pages are visible, the kernel keeps its own input handling (HID POS).
 * libusb: hidapi detaches the kernel driver while open, so a keyboard-wedge scanner stops typing into
 * the console (needs the `SUBSYSTEM=="usb"` udev rule).
 */
export type HidBackend = 'hidraw' | 'libusb';

export interface HidSelector {
  readonly vendorId: number;
  readonly productId: number;
  /** OS path of one interface (hidraw node or libusb `bus:addr:iface`); absent: found by vendor/product. */
  readonly path?: string;
  readonly backend: HidBackend;
  /**
   * Preferred HID usage page when the device has several interfaces (0x8C for HID POS, 0x01 for the
   * keyboard). Only hidraw reports usage pages; with libusb the first interface is taken.
   */
  readonly usagePage?: number;
}

export interface HidDeviceLink {
  /** Subscribes to input reports (report ID first when the device numbers its reports). Returns the unsubscribe. */
  onReport(fn: (report: Buffer) => void): () => void;
  /** Called once when the device goes away (unplug, read error, close). */
  onClose(fn: (err?: Error) => void): () => void;
  /** Sends an output report (report ID first). */
  write?(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens one HID device. Rejects with a KioskError `KIOSK_E_DEVICE_OFFLINE` whose `details.reason` says
 * why: `node-hid-unavailable`, `not-found`, `open-failed`, `hid-backend-conflict`.
 */
export type HidOpener = (sel: HidSelector) => Promise<HidDeviceLink>;
