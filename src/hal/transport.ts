/**
 * Transport seams. Drivers speak bytes through these; the runtime opens the real `serialport` port, a
 * `SerialPortMock` or a socat PTY behind them, so a driver runs unchanged against a simulator.
 */
export interface ByteLink {
  /** Writes bytes; resolves once they are handed to the OS (drain). Rejects with `disconnected` when closed. */
  write(data: Uint8Array): Promise<void>;
  /** Subscribes to received chunks (any chunking). Returns the unsubscribe function. */
  onData(listener: (chunk: Buffer) => void): () => void;
  /** Called once when the link goes away (unplug, close, error). */
  onClose(listener: (err?: Error) => void): () => void;
  close(): Promise<void>;
  readonly isOpen: boolean;
}

/** Opens a ByteLink; called again by the driver's supervisor to reconnect after the link dropped. */
export type LinkFactory = () => Promise<ByteLink>;
