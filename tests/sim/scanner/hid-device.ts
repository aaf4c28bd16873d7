import { KioskError } from '../../../src/errors/index.js';
import type { HidDeviceLink, HidOpener, HidSelector } from '../../../src/hal/hid.js';

/** One open handle on a simulated device. */
class SimHidLink implements HidDeviceLink {
  private readonly reports = new Set<(r: Buffer) => void>();
  private readonly closes = new Set<(err?: Error) => void>();
  closed = false;

  constructor(private readonly device: SimHidDevice) {}

  onReport(fn: (report: Buffer) => void): () => void { this.reports.add(fn); return () => { this.reports.delete(fn); }; }
  onClose(fn: (err?: Error) => void): () => void { this.closes.add(fn); return () => { this.closes.delete(fn); }; }

  async write(data: Uint8Array): Promise<void> {
    if (this.closed) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'simulated HID device closed', { disconnected: true, retryable: true });
    this.device.writes.push(Buffer.from(data));
  }

  async close(): Promise<void> { this.end(undefined); }

  deliver(report: Buffer): void { if (!this.closed) for (const fn of [...this.reports]) fn(Buffer.from(report)); }

  end(err: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.device.forget(this);
    for (const fn of [...this.closes]) fn(err);
  }
}

/**
 * A USB HID device in memory: every open handle receives the input reports the test makes it send;
 * unplug() ends all handles with a read error and makes opens fail until replug().
 */
export class SimHidDevice {
  readonly writes: Buffer[] = [];
  private readonly links = new Set<SimHidLink>();
  private plugged = true;

  constructor(readonly vendorId: number, readonly productId: number, readonly path = `sim-hid-${vendorId.toString(16)}-${productId.toString(16)}`) {}

  get isPlugged(): boolean { return this.plugged; }
  get openHandles(): number { return this.links.size; }

  /** Opens a handle, as the bus does for an opener. */
  open(): HidDeviceLink {
    if (!this.plugged) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'simulated HID device unplugged', { disconnected: true, retryable: true, details: { reason: 'not-found' } });
    const link = new SimHidLink(this);
    this.links.add(link);
    return link;
  }

  /** Sends one raw input report to every open handle; returns how many got it. */
  sendReport(raw: ArrayLike<number>): number {
    const buf = Buffer.from(Array.from(raw));
    const n = this.links.size;
    for (const l of [...this.links]) l.deliver(buf);
    return n;
  }

  unplug(): void {
    this.plugged = false;
    for (const l of [...this.links]) l.end(new Error('simulated unplug: read error'));
  }

  replug(): void { this.plugged = true; }

  /** @internal */
  forget(link: SimHidLink): void { this.links.delete(link); }
}

/** Simulated devices by vendor/product id (and path), handed out through `opener`. */
export class SimHidBus {
  readonly opens: HidSelector[] = [];
  private readonly devices: SimHidDevice[] = [];
  /** Makes the next opens reject with this error (e.g. a failing node-hid load). */
  failWith: Error | undefined;

  add<T extends SimHidDevice>(device: T): T { this.devices.push(device); return device; }

  readonly opener: HidOpener = async (sel) => {
    this.opens.push(sel);
    if (this.failWith) throw this.failWith;
    const dev = this.devices.find((d) => d.vendorId === sel.vendorId && d.productId === sel.productId && (sel.path === undefined || d.path === sel.path));
    if (!dev) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'no such simulated HID device', { disconnected: true, retryable: true, details: { reason: 'not-found' } });
    return dev.open();
  };
}
