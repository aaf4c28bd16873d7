import { describe, expect, it } from 'vitest';
import { isKioskError } from '../../errors/index.js';
import { I2cBusIo, type I2cBusLike } from './i2c-bus-io.js';

/** A bus that answers asynchronously, logs transfers and NACKs addresses it does not know. */
class FakeBus implements I2cBusLike {
  readonly log: string[] = [];
  constructor(private readonly present: Set<number>) {}
  i2cWrite(address: number, length: number, buffer: Buffer, cb: (err: Error | null) => void): void {
    this.log.push(`w ${address.toString(16)} ${buffer.subarray(0, length).toString('hex')}`);
    setImmediate(() => cb(this.present.has(address) ? null : new Error('EREMOTEIO')));
  }
  i2cRead(address: number, length: number, buffer: Buffer, cb: (err: Error | null, n: number) => void): void {
    this.log.push(`r ${address.toString(16)} ${length}`);
    buffer.fill(0xab, 0, length);
    setImmediate(() => (this.present.has(address) ? cb(null, length) : cb(new Error('EREMOTEIO'), 0)));
  }
  close(cb: (err: Error | null) => void): void { cb(null); }
}

describe('I2cBusIo (johnny-five IO plugin over i2c-bus)', () => {
  it('runs johnny-five-style writes in order and answers a read queued behind them', async () => {
    const bus = new FakeBus(new Set([0x27]));
    const io = new I2cBusIo(bus);
    io.i2cWrite(0x27, 0x08);
    io.i2cWrite(0x27, [0x34, 0x30]);
    io.i2cWriteReg(0x27, 0x01, 0x02);
    const reply = await new Promise<number[]>((resolve) => io.i2cReadOnce(0x27, 1, resolve));
    expect(reply).toEqual([0xab]);
    expect(bus.log).toEqual(['w 27 08', 'w 27 3430', 'w 27 0102', 'r 27 1']);
    expect(io.pending).toBe(0);
  });

  it('reports a NACK as an error event and keeps going', async () => {
    const io = new I2cBusIo(new FakeBus(new Set()));
    const errors: unknown[] = [];
    io.on('error', (e) => errors.push(e));
    io.i2cWrite(0x3f, 0x00);
    let answered = false;
    io.i2cReadOnce(0x3f, 1, () => { answered = true; });
    await new Promise((r) => setTimeout(r, 5));
    expect(answered).toBe(false);
    expect(errors).toHaveLength(2);
    expect(isKioskError(errors[0], 'KIOSK_E_DEVICE_OFFLINE')).toBe(true);
  });
});
