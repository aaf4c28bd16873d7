import { SerialPort, SerialPortMock } from 'serialport';
import { KioskError } from '../../errors/index.js';
import type { ByteLink } from '../../hal/index.js';

export interface SerialOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly dataBits?: 7 | 8;
  readonly parity?: 'none' | 'even' | 'odd';
  readonly stopBits?: 1 | 2;
  /** `mock` opens a SerialPortMock port (the in-process simulators create it first). */
  readonly binding?: 'real' | 'mock';
}

type AnyPort = SerialPort | SerialPortMock;

/** Wraps an open serialport stream as a ByteLink. */
export class SerialLink implements ByteLink {
  private closed = false;
  private readonly closeListeners = new Set<(err?: Error) => void>();

  private constructor(private readonly port: AnyPort) {
    const fire = (err?: Error): void => {
      if (this.closed) return;
      this.closed = true;
      for (const fn of [...this.closeListeners]) fn(err);
    };
    port.on('close', (err?: Error | null) => fire(err ?? undefined));
    port.on('error', (err: Error) => fire(err));
  }

  static async open(opts: SerialOptions): Promise<SerialLink> {
    const common = {
      path: opts.path,
      baudRate: opts.baudRate,
      dataBits: opts.dataBits ?? 8,
      parity: opts.parity ?? 'none',
      stopBits: opts.stopBits ?? 1,
      autoOpen: false,
    } as const;
    const port: AnyPort = opts.binding === 'mock' ? new SerialPortMock(common) : new SerialPort({ ...common, lock: true });
    await new Promise<void>((resolve, reject) => {
      port.open((err) => (err ? reject(new KioskError('KIOSK_E_DEVICE_OFFLINE', `cannot open ${opts.path}: ${err.message}`, { retryable: true, disconnected: true, cause: err })) : resolve()));
    });
    return new SerialLink(port);
  }

  get isOpen(): boolean { return !this.closed && this.port.isOpen; }

  write(data: Uint8Array): Promise<void> {
    if (!this.isOpen) return Promise.reject(new KioskError('KIOSK_E_DEVICE_OFFLINE', 'serial link closed', { disconnected: true, retryable: true }));
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(data), (err) => {
        if (err) { reject(new KioskError('KIOSK_E_DEVICE_OFFLINE', err.message, { disconnected: true, retryable: true, cause: err })); return; }
        this.port.drain((e) => (e ? reject(new KioskError('KIOSK_E_DEVICE_OFFLINE', e.message, { disconnected: true, retryable: true, cause: e })) : resolve()));
      });
    });
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    this.port.on('data', listener);
    return () => { this.port.off('data', listener); };
  }

  onClose(listener: (err?: Error) => void): () => void {
    this.closeListeners.add(listener);
    return () => { this.closeListeners.delete(listener); };
  }

  async close(): Promise<void> {
    if (!this.port.isOpen) { this.closed = true; return; }
    await new Promise<void>((resolve) => this.port.close(() => resolve()));
  }
}
