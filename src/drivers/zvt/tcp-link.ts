import { Socket } from 'node:net';
import { KioskError } from '../../errors/index.js';
import type { ByteLink, Timers } from '../../hal/index.js';

export interface TcpLinkOptions {
  readonly host: string;
  readonly port: number;
  readonly timers: Timers;
  /** Connect timeout. Defaults to 5000 ms. */
  readonly connectTimeoutMs?: number;
}

const offline = (message: string, cause?: unknown): KioskError =>
  new KioskError('KIOSK_E_DEVICE_OFFLINE', message, { retryable: true, disconnected: true, cause });

/** A ByteLink over a node:net TCP socket (ZVT over TCP/IP). */
export class TcpLink implements ByteLink {
  private closed = false;
  private readonly closeListeners = new Set<(err?: Error) => void>();

  private constructor(private readonly socket: Socket) {
    let lastError: Error | undefined;
    socket.on('error', (err) => { lastError = err; });
    socket.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      for (const fn of [...this.closeListeners]) fn(lastError);
    });
  }

  static open(opts: TcpLinkOptions): Promise<TcpLink> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      let settled = false;
      const timer = opts.timers.setTimeout(() => {
        if (settled) return;
        settled = true;
        socket.destroy();
        reject(offline(`connect to ${opts.host}:${opts.port} timed out`));
      }, opts.connectTimeoutMs ?? 5000);
      socket.once('error', (err) => {
        if (settled) return;
        settled = true;
        opts.timers.clearTimeout(timer);
        reject(offline(`cannot connect to ${opts.host}:${opts.port}: ${err.message}`, err));
      });
      socket.connect(opts.port, opts.host, () => {
        if (settled) { socket.destroy(); return; }
        settled = true;
        opts.timers.clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(new TcpLink(socket));
      });
    });
  }

  get isOpen(): boolean { return !this.closed && !this.socket.destroyed; }

  write(data: Uint8Array): Promise<void> {
    if (!this.isOpen) return Promise.reject(offline('tcp link closed'));
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => (err ? reject(offline(err.message, err)) : resolve()));
    });
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    this.socket.on('data', listener);
    return () => { this.socket.off('data', listener); };
  }

  onClose(listener: (err?: Error) => void): () => void {
    this.closeListeners.add(listener);
    return () => { this.closeListeners.delete(listener); };
  }

  close(): Promise<void> {
    if (this.socket.destroyed) { this.closed = true; return Promise.resolve(); }
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.destroy();
    });
  }
}
