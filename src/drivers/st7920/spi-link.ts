import { KioskError } from '../../errors/index.js';

/** The transport seam of the ST7920: bytes out on MOSI, nothing back (its serial mode is write-only). */
export interface SpiLink {
  transfer(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export interface SpiDeviceOptions {
  readonly bus: number;
  readonly device: number;
  readonly speedHz: number;
  /** SPI mode; the ST7920 samples SID on the rising SCLK edge (mode 0 or 3 both work). Default 3. */
  readonly mode?: 0 | 3;
  /** The ST7920's CS (RS pin) is active high. Default true. */
  readonly chipSelectHigh?: boolean;
}

interface SpiMessageSegment { byteLength: number; sendBuffer: Buffer; speedHz: number; microSecondDelay: number }
interface SpiDeviceLike {
  transfer(message: SpiMessageSegment[], cb: (err: Error | null | undefined) => void): unknown;
  close(cb: (err: Error | null | undefined) => void): void;
}
type SpiOpen = (bus: number, device: number, options: object, cb: (err: Error | null | undefined) => void) => SpiDeviceLike;

/** Every instruction takes up to 72 µs and there is no busy flag over serial: wait after each frame. */
const FRAME_BYTES = 3;
const FRAME_DELAY_US = 80;
/** spidev takes at most a few hundred transfers per ioctl. */
const SEGMENTS_PER_CALL = 256;

/** Opens `/dev/spidev<bus>.<device>` through `spi-device` (loaded on first use: native, optional). */
export async function openSpiDevice(opts: SpiDeviceOptions): Promise<SpiLink> {
  const specifier = 'spi-device';
  let open: SpiOpen;
  try {
    const m = (await import(specifier)) as { default?: { open: SpiOpen }; open?: SpiOpen };
    const fn = m.open ?? m.default?.open;
    if (fn === undefined) throw new Error('spi-device has no open()');
    open = fn;
  } catch (err) {
    throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'spi-device is not installed or not built', { cause: err });
  }
  const fail = (what: string, err: unknown): KioskError =>
    new KioskError('KIOSK_E_DEVICE_OFFLINE', `spidev${opts.bus}.${opts.device}: ${what}`, { disconnected: true, retryable: true, cause: err });
  const dev = await new Promise<SpiDeviceLike>((resolve, reject) => {
    const d = open(opts.bus, opts.device, { mode: opts.mode ?? 3, chipSelectHigh: opts.chipSelectHigh ?? true, maxSpeedHz: opts.speedHz }, (err) =>
      (err ? reject(fail('cannot open', err)) : resolve(d)));
  });
  let closed = false;
  return {
    async transfer(bytes) {
      if (closed) throw fail('closed', undefined);
      const segments: SpiMessageSegment[] = [];
      for (let i = 0; i < bytes.length; i += FRAME_BYTES) {
        const chunk = Buffer.from(bytes.subarray(i, i + FRAME_BYTES));
        segments.push({ byteLength: chunk.length, sendBuffer: chunk, speedHz: opts.speedHz, microSecondDelay: FRAME_DELAY_US });
      }
      for (let i = 0; i < segments.length; i += SEGMENTS_PER_CALL) {
        const part = segments.slice(i, i + SEGMENTS_PER_CALL);
        await new Promise<void>((resolve, reject) => { dev.transfer(part, (err) => (err ? reject(fail('transfer failed', err)) : resolve())); });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => dev.close(() => resolve()));
    },
  };
}
