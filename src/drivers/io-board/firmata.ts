import { SerialPort, SerialPortMock } from 'serialport';
import { KioskError } from '../../errors/index.js';
import type { TimerHandle, Timers } from '../../hal/clock.js';
import type { J5IoHandle, J5IoPlugin } from '../../hal/j5-io.js';

export interface FirmataPortOptions {
  readonly path: string;
  /** StandardFirmata runs at 57600 baud. */
  readonly baudRate: number;
  /** `mock` opens a SerialPortMock port (simulators create it first). */
  readonly binding: 'real' | 'mock';
}

type FirmataCtor = new (transport: object, options: { reportVersionTimeout: number }) => J5IoPlugin & { reportVersionTimeoutId?: unknown };

async function loadFirmata(): Promise<FirmataCtor> {
  // firmata-io is CommonJS without types; `Firmata` is the transport-agnostic class.
  const specifier = 'firmata-io';
  const m = (await import(specifier)) as { default?: { Firmata: FirmataCtor }; Firmata?: FirmataCtor };
  const ctor = m.default?.Firmata ?? m.Firmata;
  if (ctor === undefined) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'firmata-io cannot be loaded');
  return ctor;
}

export interface FirmataReadyOptions {
  readonly timers: Timers;
  /** Arduino auto-reset (~2 s bootloader) plus the Firmata handshake. */
  readonly readyTimeoutMs: number;
}

/**
 * firmata-io over a serialport-13 port: an Arduino running StandardFirmata. johnny-five's own serialport 8
 * and firmata packages are never loaded. The port is created closed and opened after firmata-io has
 * subscribed to it. Resolves only once Firmata is ready (REPORT_VERSION, capabilities): a johnny-five
 * Board built on a plugin that already emitted `connect` but is not ready yet waits for `connect`
 * forever, while one built on a ready plugin replays both events itself.
 */
export async function openFirmataIo(opts: FirmataPortOptions, ready: FirmataReadyOptions): Promise<J5IoHandle> {
  const Firmata = await loadFirmata();
  const common = { path: opts.path, baudRate: opts.baudRate, autoOpen: false } as const;
  const port = opts.binding === 'mock' ? new SerialPortMock(common) : new SerialPort({ ...common, lock: true });
  // Boards that do not reset on open (Leonardo) never send REPORT_VERSION unasked: ask after 2 s, not 5.
  const io = new Firmata(port, { reportVersionTimeout: 2000 });
  // Transport errors after ready reach the owner through the Board; before that, keep them from throwing.
  io.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    port.open((err) => (err ? reject(new KioskError('KIOSK_E_DEVICE_OFFLINE', `cannot open ${opts.path}: ${err.message}`, {
      retryable: true, disconnected: true, cause: err,
    })) : resolve()));
  }).catch((err: unknown) => {
    clearTimeout(io.reportVersionTimeoutId as NodeJS.Timeout);
    throw err;
  });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    clearTimeout(io.reportVersionTimeoutId as NodeJS.Timeout);
    if (!port.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let timer: TimerHandle | undefined;
      const done = (err?: KioskError): void => {
        ready.timers.clearTimeout(timer);
        io.removeListener('ready', onReady);
        io.removeListener('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onReady = (): void => done();
      const onClose = (): void => done(new KioskError('KIOSK_E_DEVICE_OFFLINE', `${opts.path} closed before Firmata was ready`, { retryable: true, disconnected: true }));
      io.once('ready', onReady);
      io.once('close', onClose);
      timer = ready.timers.setTimeout(() => done(new KioskError('KIOSK_E_DEVICE_OFFLINE', `no StandardFirmata answer on ${opts.path} within ${ready.readyTimeoutMs} ms`, {
        retryable: true, disconnected: true,
      })), ready.readyTimeoutMs);
    });
  } catch (err) {
    await close();
    throw err;
  }
  return { io, close };
}
