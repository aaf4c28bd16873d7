import type { Scanner, ScannerEvents } from '../../../src/hal/index.js';
import { FakeDevice, type FakeDeviceOptions } from './fake-device.js';

/** A scanner that reports what the test scans, only while open and enabled (a disabled scanner does not read). */
export class FakeScanner extends FakeDevice<ScannerEvents> implements Scanner {
  readonly kind = 'scanner' as const;

  constructor(opts: FakeDeviceOptions = {}) {
    super(opts, {
      id: 'fake-scanner',
      identity: { model: 'FakeScanner', serial: 'FAKE-SC-0001', firmware: '1.0.0', protocol: 'fake-hal', vendor: 'kioskd' },
      counters: ['goodReads', 'ignoredReads'],
    });
  }

  /** Presents a code to the scanner; true when a `scan` event went out. */
  scan(data: string, symbology?: string): boolean {
    if (!this.isEnabled()) {
      this.bump('ignoredReads');
      return false;
    }
    this.bump('goodReads');
    this.events.emit('scan', symbology === undefined ? { data } : { data, symbology });
    return true;
  }
}
