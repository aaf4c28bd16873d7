import { EventEmitter } from 'node:events';
import { KioskError } from '../../../src/errors/index.js';
import type { I2cReplyCallback, J5IoHandle, J5IoOpener, J5IoPlugin, J5PinInfo } from '../../../src/hal/j5-io.js';
import type { SimI2cDevice } from './hd44780-model.js';

const MODES = { INPUT: 0x00, OUTPUT: 0x01, ANALOG: 0x02, PWM: 0x03, SERVO: 0x04, PULLUP: 0x0b } as const;

export interface SimBoardOptions {
  /** How a NACK shows: an `error` event (the Pi's I²C bus plugin) or nothing at all (Firmata). */
  readonly nack?: 'error' | 'silent';
  /** `never`: the board connects but never reports ready (no Firmata sketch on it). */
  readonly ready?: 'immediate' | 'never';
  /** Digital pins 0..n-1 (an Uno has 20 counting A0..A5). */
  readonly pinCount?: number;
}

/**
 * The hardware behind a johnny-five IO plugin: an Arduino-like board with digital pins and an I²C bus
 * with devices on it. Each open gives a fresh plugin instance, as a reconnect would.
 */
export class SimBoard {
  /** I²C transfers that no device acknowledged. */
  nacks = 0;
  /** Plugin instances handed out (one per open). */
  opens = 0;
  readonly outputLog: { pin: number; value: number }[] = [];
  private readonly devices = new Map<number, SimI2cDevice>();
  private readonly levels = new Map<number, 0 | 1>();
  private readonly outputs = new Map<number, number>();
  private live: SimJ5Io | undefined;
  private plugged = true;

  constructor(readonly opts: SimBoardOptions = {}) {}

  attachI2c(address: number, device: SimI2cDevice): void { this.devices.set(address, device); }

  /** The J5IoOpener the driver gets; rejects like a missing serial port while unplugged. */
  readonly opener: J5IoOpener = async (): Promise<J5IoHandle> => {
    if (!this.plugged) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'sim: no board on the port', { disconnected: true });
    const io = new SimJ5Io(this);
    this.live = io;
    this.opens += 1;
    return { io, close: async () => io.shutdown() };
  };

  /** The USB cable comes out: the live plugin reports `disconnect`, later opens fail. */
  unplug(): void {
    this.plugged = false;
    this.live?.drop();
  }

  replug(): void { this.plugged = true; }

  /** Drives an input pin (a switch to ground reads 0). */
  setInput(pin: number, level: 0 | 1): void {
    if (this.levels.get(pin) === level) return;
    this.levels.set(pin, level);
    this.live?.report(pin, level);
  }

  inputLevel(pin: number): 0 | 1 { return this.levels.get(pin) ?? 1; }

  /** An output pin's last written value (digitalWrite 0/1, analogWrite 0..255); undefined if never written. */
  output(pin: number): number | undefined { return this.outputs.get(pin); }

  /** @internal used by the plugin */
  i2cDevice(address: number): SimI2cDevice | undefined { return this.devices.get(address); }
  /** @internal */
  recordOutput(pin: number, value: number): void {
    this.outputs.set(pin, value);
    this.outputLog.push({ pin, value });
  }
}

/** The johnny-five IO-plugin surface over a SimBoard. Replies come asynchronously, as over a wire. */
export class SimJ5Io extends EventEmitter implements J5IoPlugin {
  readonly name = 'kioskd-sim-io';
  isReady = false;
  readonly pins: J5PinInfo[];
  readonly analogPins: number[] = [];
  readonly MODES = MODES;
  readonly HIGH = 1 as const;
  readonly LOW = 0 as const;
  defaultLed = 13;
  private readonly readers = new Map<number, ((v: number) => void)[]>();
  private alive = true;

  constructor(private readonly board: SimBoard) {
    super();
    const n = board.opts.pinCount ?? 20;
    this.pins = Array.from({ length: n }, () => ({ supportedModes: [MODES.INPUT, MODES.OUTPUT, MODES.PULLUP], analogChannel: 127 }));
    process.nextTick(() => {
      if (!this.alive) return;
      this.emit('connect');
      if (board.opts.ready === 'never') return;
      this.isReady = true;
      this.emit('ready');
    });
  }

  pinMode(pin: number, mode: number): void {
    const p = this.pins[pin];
    if (p !== undefined) p.mode = mode;
  }

  digitalWrite(pin: number, value: number): void { if (this.alive) this.board.recordOutput(pin, value); }
  analogWrite(pin: number, value: number): void { if (this.alive) this.board.recordOutput(pin, value); }

  digitalRead(pin: number, callback: (value: number) => void): void {
    const list = this.readers.get(pin) ?? [];
    list.push(callback);
    this.readers.set(pin, list);
    // Firmata reports the pin's level as soon as reporting is switched on.
    setImmediate(() => { if (this.alive) callback(this.board.inputLevel(pin)); });
  }

  i2cConfig(): void {}

  i2cWrite(address: number, registerOrData: number | readonly number[], inBytes?: number | readonly number[]): void {
    const head = typeof registerOrData === 'number' ? [registerOrData] : [...registerOrData];
    const tail = inBytes === undefined ? [] : typeof inBytes === 'number' ? [inBytes] : [...inBytes];
    if (!this.alive) return;
    const dev = this.board.i2cDevice(address);
    if (dev === undefined || !dev.write([...head, ...tail])) this.nack(address);
  }

  i2cWriteReg(address: number, register: number, value: number): void { this.i2cWrite(address, [register, value]); }

  i2cReadOnce(address: number, registerOrCount: number, countOrCallback: number | I2cReplyCallback, callback?: I2cReplyCallback): void {
    const count = typeof countOrCallback === 'function' ? registerOrCount : countOrCallback;
    const cb = typeof countOrCallback === 'function' ? countOrCallback : callback;
    if (!this.alive || cb === undefined) return;
    const bytes = this.board.i2cDevice(address)?.read(count);
    if (bytes === undefined) { this.nack(address); return; }
    setImmediate(() => { if (this.alive) cb(bytes); });
  }

  i2cRead(address: number, registerOrCount: number, countOrCallback: number | I2cReplyCallback, callback?: I2cReplyCallback): void {
    this.i2cReadOnce(address, registerOrCount, countOrCallback, callback);
  }

  /** @internal an input changed on the board */
  report(pin: number, level: 0 | 1): void {
    if (!this.alive) return;
    for (const cb of this.readers.get(pin) ?? []) cb(level);
  }

  /** @internal cable pulled */
  drop(): void {
    if (!this.alive) return;
    this.alive = false;
    this.isReady = false;
    this.emit('disconnect');
  }

  /** @internal host closed the transport */
  shutdown(): void {
    if (!this.alive) return;
    this.alive = false;
    this.isReady = false;
  }

  private nack(address: number): void {
    this.board.nacks += 1;
    if (this.board.opts.nack === 'error') {
      setImmediate(() => this.emit('error', new Error(`sim: I2C NACK from 0x${address.toString(16)}`)));
    }
  }
}
