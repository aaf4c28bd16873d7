import { EventEmitter } from 'node:events';
import { KioskError } from '../../errors/index.js';
import { J5_MODES, type I2cReplyCallback, type J5IoHandle, type J5IoPlugin, type J5PinInfo } from '../../hal/j5-io.js';

/** The callback API of an `i2c-bus` Bus that this plugin needs (also what a test fake implements). */
export interface I2cBusLike {
  i2cWrite(address: number, length: number, buffer: Buffer, cb: (err: Error | null) => void): void;
  i2cRead(address: number, length: number, buffer: Buffer, cb: (err: Error | null, bytesRead: number) => void): void;
  close(cb: (err: Error | null) => void): void;
}

type Op =
  | { readonly kind: 'write'; readonly address: number; readonly bytes: Buffer }
  | { readonly kind: 'read'; readonly address: number; readonly register: number | undefined; readonly count: number; readonly cb: I2cReplyCallback };

/**
 * A minimal johnny-five IO plugin over the Linux I²C bus (`/dev/i2c-N` through `i2c-bus`): I²C only, no
 * pins. johnny-five issues writes synchronously and fire-and-forget; they are queued and run in order on
 * the asynchronous bus calls, so the event loop never blocks on the bus and a read queued after writes
 * answers only once those writes are done. A failed transfer (NACK: EREMOTEIO/ENXIO) emits `error`.
 */
export class I2cBusIo extends EventEmitter implements J5IoPlugin {
  readonly name = 'kioskd-i2c-bus';
  readonly isReady = true;
  readonly pins: readonly J5PinInfo[] = [];
  readonly analogPins: readonly number[] = [];
  readonly MODES = J5_MODES;
  readonly HIGH = 1 as const;
  readonly LOW = 0 as const;
  private readonly queue: Op[] = [];
  private running = false;
  private closed = false;

  constructor(private readonly bus: I2cBusLike) {
    super();
  }

  /** Transfers queued but not yet done (johnny-five reads `pending` too). */
  get pending(): number { return this.queue.length + (this.running ? 1 : 0); }

  pinMode(): void { this.noPins(); }
  digitalWrite(): void { this.noPins(); }
  digitalRead(): void { this.noPins(); }
  analogWrite(): void { this.noPins(); }

  i2cConfig(): void {}

  i2cWrite(address: number, registerOrData: number | readonly number[], inBytes?: number | readonly number[]): void {
    const head = typeof registerOrData === 'number' ? [registerOrData] : [...registerOrData];
    const tail = inBytes === undefined ? [] : typeof inBytes === 'number' ? [inBytes] : [...inBytes];
    this.push({ kind: 'write', address, bytes: Buffer.from([...head, ...tail].map((b) => b & 0xff)) });
  }

  i2cWriteReg(address: number, register: number, value: number): void {
    this.push({ kind: 'write', address, bytes: Buffer.from([register & 0xff, value & 0xff]) });
  }

  i2cReadOnce(address: number, registerOrCount: number, countOrCallback: number | I2cReplyCallback, callback?: I2cReplyCallback): void {
    if (typeof countOrCallback === 'function') {
      this.push({ kind: 'read', address, register: undefined, count: registerOrCount, cb: countOrCallback });
    } else if (callback !== undefined) {
      this.push({ kind: 'read', address, register: registerOrCount, count: countOrCallback, cb: callback });
    }
  }

  /** Continuous reads are not needed by kioskd's devices; one read is done. */
  i2cRead(address: number, registerOrCount: number, countOrCallback: number | I2cReplyCallback, callback?: I2cReplyCallback): void {
    this.i2cReadOnce(address, registerOrCount, countOrCallback, callback);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    await new Promise<void>((resolve) => this.bus.close(() => resolve()));
    this.emit('close');
  }

  private noPins(): void {
    this.emit('error', new KioskError('KIOSK_E_DEVICE_STATE', 'the I²C bus plugin has no GPIO pins'));
  }

  private push(op: Op): void {
    if (this.closed) return;
    this.queue.push(op);
    if (!this.running) this.next();
  }

  private next(): void {
    const op = this.queue.shift();
    if (op === undefined || this.closed) { this.running = false; return; }
    this.running = true;
    const done = (err: Error | null): void => {
      if (err) this.fail(op.address, err);
      this.next();
    };
    if (op.kind === 'write') {
      this.bus.i2cWrite(op.address, op.bytes.length, op.bytes, done);
      return;
    }
    const readNow = (): void => {
      const buf = Buffer.alloc(op.count);
      this.bus.i2cRead(op.address, op.count, buf, (err, n) => {
        if (!err) op.cb([...buf.subarray(0, n)]);
        done(err);
      });
    };
    if (op.register === undefined) { readNow(); return; }
    const reg = Buffer.from([op.register & 0xff]);
    this.bus.i2cWrite(op.address, 1, reg, (err) => (err ? done(err) : readNow()));
  }

  private fail(address: number, err: Error): void {
    this.emit('error', new KioskError('KIOSK_E_DEVICE_OFFLINE', `I²C transfer to 0x${address.toString(16)} failed: ${err.message}`, {
      disconnected: true, retryable: true, details: { address }, cause: err,
    }));
  }
}

/** Opens `/dev/i2c-<bus>` through `i2c-bus` (loaded on first use: it is a native, optional dependency). */
export async function openI2cBusIo(busNumber: number): Promise<J5IoHandle> {
  const specifier = 'i2c-bus';
  let mod: { open(bus: number, cb: (err: Error | null) => void): I2cBusLike };
  try {
    const m = (await import(specifier)) as { default?: typeof mod } & Partial<typeof mod>;
    mod = m.default ?? (m as typeof mod);
  } catch (err) {
    throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'i2c-bus is not installed or not built', { cause: err });
  }
  const bus = await new Promise<I2cBusLike>((resolve, reject) => {
    const b = mod.open(busNumber, (err) => (err ? reject(new KioskError('KIOSK_E_DEVICE_OFFLINE', `cannot open /dev/i2c-${busNumber}: ${err.message}`, {
      disconnected: true, retryable: true, cause: err,
    })) : resolve(b)));
  });
  const io = new I2cBusIo(bus);
  return { io, close: () => io.close() };
}
