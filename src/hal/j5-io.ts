/**
 * The johnny-five IO-plugin surface: the seam between a johnny-five `Board` and whatever moves the bits
 * (firmata-io over a serial port to an Arduino running StandardFirmata, the Pi's own I²C bus, or a
 * simulator). Only the members johnny-five's Board, LCD (PCF8574 controller), Led and our panel use are
 * listed. johnny-five calls these synchronously and fire-and-forget; replies come through callbacks.
 *
 * Events an IO plugin emits: `connect`, `ready` (then `isReady` is true), `error` (a failed transfer,
 * e.g. an I²C NACK; the display treats it as the device gone), `close` / `disconnect` (transport lost).
 */
export interface J5PinInfo {
  readonly supportedModes: readonly number[];
  readonly analogChannel: number;
  mode?: number;
  value?: number;
  report?: number;
}

/** Pin modes as johnny-five and Firmata number them. */
export const J5_MODES = { INPUT: 0x00, OUTPUT: 0x01, ANALOG: 0x02, PWM: 0x03, SERVO: 0x04, PULLUP: 0x0b } as const;
export type J5Modes = { readonly [K in keyof typeof J5_MODES]: number };

export type I2cReplyCallback = (bytes: number[]) => void;

export interface J5IoPlugin {
  readonly name: string;
  readonly isReady: boolean;
  readonly pins: readonly J5PinInfo[];
  readonly analogPins: readonly number[];
  readonly MODES: J5Modes;
  readonly HIGH: 1;
  readonly LOW: 0;
  defaultLed?: number;

  pinMode(pin: number, mode: number): void;
  digitalWrite(pin: number, value: number): void;
  /** Subscribes to a digital input: the callback gets the level now and on every change. */
  digitalRead(pin: number, callback: (value: number) => void): void;
  analogWrite(pin: number, value: number): void;

  i2cConfig(options?: number | { readonly address?: unknown; readonly delay?: number }): void;
  /** `i2cWrite(addr, byteOrBytes)` or `i2cWrite(addr, register, bytes)`. */
  i2cWrite(address: number, registerOrData: number | readonly number[], inBytes?: number | readonly number[]): void;
  i2cWriteReg(address: number, register: number, value: number): void;
  /** `i2cReadOnce(addr, bytesToRead, cb)` or `i2cReadOnce(addr, register, bytesToRead, cb)`. */
  i2cReadOnce(address: number, registerOrCount: number, countOrCallback: number | I2cReplyCallback, callback?: I2cReplyCallback): void;
  i2cRead(address: number, registerOrCount: number, countOrCallback: number | I2cReplyCallback, callback?: I2cReplyCallback): void;

  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
  emit(event: string, ...args: unknown[]): boolean;
}

/** An opened IO plugin and the way to release its transport. */
export interface J5IoHandle {
  readonly io: J5IoPlugin;
  /** Releases the transport; safe to call twice. */
  close(): Promise<void>;
}

/** Opens an IO plugin; called again to reconnect after the transport dropped. */
export type J5IoOpener = () => Promise<J5IoHandle>;

/**
 * Lets two devices (the LCD backpack and the panel on one Arduino) share one IO plugin: the first
 * open() opens it, the last close() releases it.
 */
export function sharedJ5Io(open: J5IoOpener): J5IoOpener {
  let users = 0;
  let pending: Promise<J5IoHandle> | undefined;
  return async () => {
    if (pending === undefined) pending = open();
    let handle: J5IoHandle;
    try {
      handle = await pending;
    } catch (err) {
      pending = undefined;
      throw err;
    }
    users += 1;
    let released = false;
    return {
      io: handle.io,
      close: async () => {
        if (released) return;
        released = true;
        users -= 1;
        if (users > 0) return;
        pending = undefined;
        await handle.close();
      },
    };
  };
}
