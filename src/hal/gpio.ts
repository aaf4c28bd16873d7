/**
 * The GPIO seam. Drivers see numbered lines through this port only; `onoff` (sysfs) lives behind the
 * opener in src/drivers/gpio, and the tests drive an in-memory bank through the same opener.
 * Levels are physical: active-low wiring, debounce and fail-safe defaults are the caller's business.
 */
export type GpioLevel = 0 | 1;

export interface GpioPort {
  read(): Promise<GpioLevel>;
  /** Rejects on an input line. */
  write(value: GpioLevel): Promise<void>;
  /** Subscribes to level changes (both edges) of an input; returns the unsubscribe function. */
  watch(listener: (value: GpioLevel) => void): () => void;
  /** Releases the line; safe to call twice. */
  unexport(): void;
}

export interface GpioLineRequest {
  /** The kernel's global line number (sysfs numbering: chip base + offset). */
  readonly line: number;
  readonly direction: 'in' | 'out';
  /** Level an output takes at request time, so relays and buzzers do not glitch. Defaults to 0. */
  readonly initial?: GpioLevel;
}

/** Opens one line; rejects with KIOSK_E_DEVICE_OFFLINE when the line cannot be exported. */
export type GpioOpener = (request: GpioLineRequest) => Promise<GpioPort>;
