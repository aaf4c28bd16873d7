import type { Logger } from 'pino';
import type * as NodeHid from 'node-hid';
import { KioskError } from '../../errors/index.js';
import type { HidBackend, HidDeviceLink, HidOpener, HidSelector } from '../../hal/hid.js';

/** The part of node-hid 3.x the opener uses. */
export type NodeHidModule = Pick<typeof NodeHid, 'HIDAsync' | 'devicesAsync' | 'setDriverType' | 'getHidapiVersion'>;
type HidAsyncDevice = NodeHid.HIDAsync;

export interface NodeHidOpenerOptions {
  /** Loads node-hid; replaced in tests. Defaults to `import('node-hid')`, run on the first open only. */
  readonly load?: () => Promise<NodeHidModule>;
  readonly logger?: Logger;
}

/**
 * node-hid loads its native binding once per process, and the backend is fixed at that moment
 * (`setDriverType` before the first native call). Remembered per module object so a second scanner
 * asking for the other backend gets a clear error instead of silently using the wrong one.
 */
const backendOf = new WeakMap<object, HidBackend>();

const offline = (reason: string, message: string, opts: { retryable: boolean; cause?: unknown }): KioskError =>
  new KioskError('KIOSK_E_DEVICE_OFFLINE', message, { retryable: opts.retryable, disconnected: true, cause: opts.cause, details: { reason } });

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

async function loadBackend(load: () => Promise<NodeHidModule>, backend: HidBackend): Promise<NodeHidModule> {
  let hid: NodeHidModule;
  try {
    hid = await load();
  } catch (e) {
    throw offline('node-hid-unavailable', `node-hid cannot be loaded: ${errText(e)}`, { retryable: false, cause: e });
  }
  const have = backendOf.get(hid);
  if (have !== undefined) {
    if (have !== backend) {
      throw offline('hid-backend-conflict', `node-hid already runs the ${have} backend in this process; a ${backend} scanner needs its own process`, { retryable: false });
    }
    return hid;
  }
  hid.setDriverType(backend);
  try {
    // The first native call loads the binding; both prebuilds link libusb-1.0 (hidraw also libudev).
    hid.getHidapiVersion();
  } catch (e) {
    throw offline('node-hid-unavailable', `node-hid native binding did not load (install libusb-1.0-0 and libudev1): ${errText(e)}`, { retryable: false, cause: e });
  }
  backendOf.set(hid, backend);
  return hid;
}

async function openDevice(hid: NodeHidModule, sel: HidSelector): Promise<HidAsyncDevice> {
  const id = `${hex4(sel.vendorId)}:${hex4(sel.productId)}`;
  let path = sel.path;
  if (path === undefined) {
    const found = await hid.devicesAsync(sel.vendorId, sel.productId).catch((e: unknown) => {
      throw offline('open-failed', `HID enumeration failed: ${errText(e)}`, { retryable: true, cause: e });
    });
    if (found.length === 0) throw offline('not-found', `no HID device ${id}`, { retryable: true });
    const pick = (sel.usagePage === undefined ? undefined : found.find((d) => d.usagePage === sel.usagePage)) ?? found[0]!;
    path = pick.path;
  }
  try {
    return path === undefined ? await hid.HIDAsync.open(sel.vendorId, sel.productId) : await hid.HIDAsync.open(path);
  } catch (e) {
    // Usually permissions (udev rule missing) or the device vanished between enumeration and open.
    throw offline('open-failed', `cannot open HID device ${id}: ${errText(e)}`, { retryable: true, cause: e });
  }
}

/** One open node-hid device as a HidDeviceLink. */
class NodeHidLink implements HidDeviceLink {
  private readonly reportListeners = new Set<(report: Buffer) => void>();
  private readonly closeListeners = new Set<(err?: Error) => void>();
  private closed = false;

  constructor(private readonly dev: HidAsyncDevice) {
    // Adding the `data` listener starts node-hid's read thread.
    dev.on('data', (report: Buffer) => { for (const fn of [...this.reportListeners]) fn(report); });
    // A read error is how an unplug shows up.
    dev.on('error', (err: unknown) => { void this.shutdown(err instanceof Error ? err : new Error(String(err))); });
  }

  onReport(fn: (report: Buffer) => void): () => void {
    this.reportListeners.add(fn);
    return () => { this.reportListeners.delete(fn); };
  }

  onClose(fn: (err?: Error) => void): () => void {
    this.closeListeners.add(fn);
    return () => { this.closeListeners.delete(fn); };
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.closed) throw offline('link-down', 'HID device closed', { retryable: true });
    try {
      await this.dev.write(Buffer.from(data));
    } catch (e) {
      throw offline('link-down', `HID write failed: ${errText(e)}`, { retryable: true, cause: e });
    }
  }

  close(): Promise<void> { return this.shutdown(undefined); }

  private async shutdown(err: Error | undefined): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reportListeners.clear();
    try { await this.dev.close(); } catch { /* already gone */ }
    for (const fn of [...this.closeListeners]) fn(err);
    this.closeListeners.clear();
  }
}

/**
 * The real HidOpener. node-hid is imported on the first open, so a kiosk without libusb (or without
 * a HID scanner) runs everything else; a load failure rejects with `details.reason = node-hid-unavailable`.
 */
export function createNodeHidOpener(opts: NodeHidOpenerOptions = {}): HidOpener {
  const load = opts.load ?? (async (): Promise<NodeHidModule> => await import('node-hid'));
  return async (sel) => {
    const hid = await loadBackend(load, sel.backend);
    const dev = await openDevice(hid, sel);
    opts.logger?.debug({ vendorId: sel.vendorId, productId: sel.productId, backend: sel.backend }, 'HID device opened');
    return new NodeHidLink(dev);
  };
}
