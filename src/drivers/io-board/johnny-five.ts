import { KioskError } from '../../errors/index.js';
import type { TimerHandle, Timers } from '../../hal/clock.js';
import type { J5IoPlugin } from '../../hal/j5-io.js';

/** The few johnny-five classes kioskd uses, typed at the library boundary (johnny-five ships no types). */
export interface J5Board {
  readonly isReady: boolean;
  readonly io: J5IoPlugin;
  timer: TimerHandle | null;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface J5Lcd {
  /** One raw HD44780 instruction (the PCF8574 controller's own `command`). */
  command(value: number): unknown;
  setCursor(col: number, row: number): unknown;
  print(message: string, options?: { readonly dontProcessSpecials?: boolean }): unknown;
}

export interface J5Led {
  on(): unknown;
  off(): unknown;
  stop(): unknown;
}

export interface J5BoardOptions {
  readonly io: J5IoPlugin;
  readonly repl: false;
  readonly debug: false;
  readonly sigint: false;
}

export interface JohnnyFive {
  Board: new (options: J5BoardOptions) => J5Board;
  LCD: new (options: { board: J5Board; controller: string; address: number; rows: number; cols: number }) => J5Lcd;
  Led: new (options: { board: J5Board; pin: number }) => J5Led;
}

let loaded: Promise<JohnnyFive> | undefined;

/**
 * Loads johnny-five on first use: it pulls in lodash, chalk and friends, and kioskd should not pay for
 * that (or fail to start) when no LCD or I/O board is configured.
 */
export function loadJohnnyFive(): Promise<JohnnyFive> {
  if (loaded === undefined) {
    // A variable specifier keeps TypeScript from looking for declarations johnny-five does not ship.
    const specifier = 'johnny-five';
    loaded = import(specifier).then((m: { default?: JohnnyFive } & JohnnyFive) => m.default ?? m).catch((err: unknown) => {
      loaded = undefined;
      throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'johnny-five cannot be loaded', { cause: err });
    });
  }
  return loaded;
}

export interface StartBoardOptions {
  readonly timers: Timers;
  /** How long the IO plugin may take to report ready (Arduino auto-reset plus Firmata handshake). */
  readonly readyTimeoutMs: number;
  /** Receives board errors after start; johnny-five would otherwise throw them as unhandled `error` events. */
  readonly onError: (err: unknown) => void;
}

/**
 * Creates a Board on an already constructed IO plugin and waits for `ready`.
 * `repl: false` keeps johnny-five off stdin; `sigint: false` stops it from installing a SIGINT handler
 * that calls process.reallyExit() (skipping kioskd's shutdown); `debug: false` keeps it off console.log.
 */
export function startBoard(five: JohnnyFive, io: J5IoPlugin, opts: StartBoardOptions): Promise<J5Board> {
  const board = new five.Board({ io, repl: false, debug: false, sigint: false });
  return new Promise<J5Board>((resolve, reject) => {
    let settled = false;
    const finish = (err?: KioskError): void => {
      if (settled) return;
      settled = true;
      opts.timers.clearTimeout(timer);
      board.removeListener('ready', onReady);
      io.removeListener('close', onClose);
      io.removeListener('disconnect', onClose);
      if (err) {
        stopBoardTimer(board);
        reject(err);
      } else {
        resolve(board);
      }
    };
    const onReady = (): void => finish();
    const onClose = (): void => finish(new KioskError('KIOSK_E_DEVICE_OFFLINE', 'I/O board transport closed before ready', { disconnected: true, retryable: true }));
    // Board errors before ready fail the start; later ones go to the owner.
    board.on('error', (e: unknown) => {
      if (!settled) finish(new KioskError('KIOSK_E_DEVICE_OFFLINE', 'I/O board failed to start', { disconnected: true, retryable: true, cause: e }));
      else opts.onError(e);
    });
    board.once('ready', onReady);
    io.once('close', onClose);
    io.once('disconnect', onClose);
    const timer = opts.timers.setTimeout(() => finish(new KioskError('KIOSK_E_DEVICE_OFFLINE', `I/O board not ready within ${opts.readyTimeoutMs} ms`, {
      disconnected: true, retryable: true,
    })), opts.readyTimeoutMs);
  });
}

/** johnny-five arms its own 10 s real-time "connect without ready" timer; disarm it when we give up. */
export function stopBoardTimer(board: J5Board): void {
  if (board.timer !== null) clearTimeout(board.timer as NodeJS.Timeout);
  board.timer = null;
}
