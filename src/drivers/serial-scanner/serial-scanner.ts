import type { Logger } from 'pino';
import type { ByteLink, Clock, LinkFactory, Timers } from '../../hal/index.js';
import { ScanFramer, type ScanSuffix } from './frames.js';
import { ScannerShell, type ScanSource } from './scanner-shell.js';

export interface SerialScannerOptions {
  readonly id: string;
  /** Opens the serial / USB-CDC line; called again after every loss. */
  readonly openLink: LinkFactory;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger?: Logger;
  /** Defaults to `cr`. */
  readonly suffix?: ScanSuffix;
  /** Split a leading AIM identifier into `symbology`. Defaults to true. */
  readonly aim?: boolean;
  /** Defaults to 512 bytes. */
  readonly maxLength?: number;
  /** Defaults to 200 ms. */
  readonly interCharTimeoutMs?: number;
  readonly reconnectBaseMs?: number;
  readonly reconnectMaxMs?: number;
  /** Shown in identify() only. */
  readonly portPath?: string;
}

/** A ByteLink seen as a scan source. */
export function byteLinkSource(link: ByteLink): ScanSource<Uint8Array> {
  return {
    subscribe: (fn) => link.onData(fn),
    onClose: (fn) => link.onClose(fn),
    close: () => link.close(),
    get isOpen() { return link.isOpen; },
  };
}

/** A serial or USB-CDC (virtual COM) barcode scanner: text reads ended by a line suffix. */
export class SerialScanner extends ScannerShell<Uint8Array> {
  constructor(opts: SerialScannerOptions) {
    const framer = new ScanFramer({ suffix: opts.suffix ?? 'cr', aim: opts.aim ?? true, maxLength: opts.maxLength ?? 512 });
    super({
      id: opts.id,
      identity: {
        model: 'serial-scanner', serial: '', firmware: '', protocol: 'serial-scanner',
        extra: { suffix: opts.suffix ?? 'cr', ...(opts.portPath === undefined ? {} : { path: opts.portPath }) },
      },
      openSource: async () => byteLinkSource(await opts.openLink()),
      decoder: framer,
      clock: opts.clock,
      timers: opts.timers,
      logger: opts.logger,
      interCharTimeoutMs: opts.interCharTimeoutMs,
      reconnectBaseMs: opts.reconnectBaseMs,
      reconnectMaxMs: opts.reconnectMaxMs,
    });
  }
}
