/**
 * The device end of a serial line as a simulator sees it: bytes in from the host, bytes out to it.
 * Simulators implement this and never know whether a SerialPortMock or a socat PTY carries them.
 */
export interface DeviceSide {
  /** Bytes the host wrote, in whatever chunks the transport delivered. */
  receive(chunk: Buffer): void;
  /** Gives the simulator its way to send bytes to the host; `undefined` when the line is unplugged. */
  attach(send: ((bytes: Buffer) => void) | undefined): void;
}
