import { SerialPortMock } from 'serialport';
import type { DeviceSide } from './device-side.js';

/**
 * Connects simulators to SerialPortMock ports: every write the host makes on `path` is handed to the
 * simulator, and the simulator's bytes are emitted as received data on the host's port.
 * MockPortBinding has no write hook, so the bridge wraps `open` on the binding once and `write` on each
 * opened port instance.
 */
type ReadResult = { buffer: Buffer; bytesRead: number };
type MockBindingPort = {
  write(buf: Buffer): Promise<void>;
  read(buf: Buffer, offset: number, length: number): Promise<ReadResult>;
  emitData(data: Buffer): void;
  isOpen: boolean;
  close(): Promise<void>;
};
type Opener = (opts: { path: string }) => Promise<MockBindingPort>;

const sims = new Map<string, DeviceSide>();
const open = new Map<string, MockBindingPort>();
const unplugs = new Map<string, (err: Error) => void>();
let patched = false;

function patch(): void {
  if (patched) return;
  patched = true;
  const binding = SerialPortMock.binding as unknown as { open: Opener };
  const original = binding.open.bind(binding);
  binding.open = async (opts) => {
    const port = await original(opts);
    const path = opts.path;
    const write = port.write.bind(port);
    port.write = async (buf: Buffer) => {
      await write(buf);
      const sim = sims.get(path);
      // Deliver on a later tick, as a real line would.
      if (sim) setImmediate(() => sim.receive(Buffer.from(buf)));
    };
    // A real unplug fails the pending read with a non-cancel error, which makes the stream emit 'close'
    // with a DisconnectedError; the mock's own close() only cancels, so the bridge provides that failure.
    let fail: (err: Error) => void = () => {};
    const unplugged = new Promise<never>((_, reject) => { fail = reject; });
    unplugged.catch(() => {});
    unplugs.set(path, (err) => fail(err));
    const read = port.read.bind(port);
    port.read = (buf, offset, length) => Promise.race([read(buf, offset, length), unplugged]);
    const close = port.close.bind(port);
    port.close = async () => { open.delete(path); sims.get(path)?.attach(undefined); await close(); };
    open.set(path, port);
    sims.get(path)?.attach((bytes) => { if (port.isOpen) port.emitData(Buffer.from(bytes)); });
    return port;
  };
}

/** Creates the mock port `path` (if needed) and wires `sim` to it. Returns a detach function. */
export function attachToMockPort(path: string, sim: DeviceSide): () => void {
  patch();
  const binding = SerialPortMock.binding as unknown as { createPort(p: string, o?: object): void };
  binding.createPort(path, { echo: false, record: false });
  sims.set(path, sim);
  const port = open.get(path);
  if (port) sim.attach((bytes) => { if (port.isOpen) port.emitData(Buffer.from(bytes)); });
  return () => { sims.delete(path); sim.attach(undefined); };
}

/** Simulates a USB unplug: the host's port errors and closes. */
export async function unplugMockPort(path: string): Promise<void> {
  const fail = unplugs.get(path);
  unplugs.delete(path);
  fail?.(new Error('simulated unplug'));
  await new Promise((r) => setImmediate(r));
}
