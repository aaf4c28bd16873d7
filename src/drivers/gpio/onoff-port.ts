import { KioskError } from '../../errors/index.js';
import type { GpioLevel, GpioLineRequest, GpioOpener, GpioPort } from '../../hal/gpio.js';

/** The slice of onoff's `Gpio` used here (onoff ships types, but it is loaded lazily). */
interface OnoffGpio {
  read(): Promise<GpioLevel>;
  write(value: GpioLevel): Promise<void>;
  watch(cb: (err: Error | null | undefined, value: GpioLevel) => void): void;
  unwatch(cb?: (err: Error | null | undefined, value: GpioLevel) => void): void;
  unexport(): void;
}
type OnoffCtor = new (line: number, direction: 'in' | 'high' | 'low', edge?: 'both' | 'none') => OnoffGpio;

let loaded: Promise<OnoffCtor> | undefined;

function loadOnoff(): Promise<OnoffCtor> {
  if (loaded === undefined) {
    const specifier = 'onoff';
    loaded = import(specifier).then((m: { default?: { Gpio: OnoffCtor }; Gpio?: OnoffCtor }) => {
      const ctor = m.Gpio ?? m.default?.Gpio;
      if (ctor === undefined) throw new Error('onoff has no Gpio export');
      return ctor;
    }).catch((err: unknown) => {
      loaded = undefined;
      throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'onoff cannot be loaded (native epoll addon missing?)', { cause: err });
    });
  }
  return loaded;
}

function wrap(g: OnoffGpio, line: number): GpioPort {
  let exported = true;
  const fail = (err: unknown): KioskError =>
    new KioskError('KIOSK_E_DEVICE_OFFLINE', `GPIO line ${line}: ${err instanceof Error ? err.message : String(err)}`, { disconnected: true, cause: err });
  return {
    read: () => g.read().catch((e: unknown) => { throw fail(e); }),
    write: (v) => g.write(v).catch((e: unknown) => { throw fail(e); }),
    watch: (listener) => {
      const cb = (err: Error | null | undefined, value: GpioLevel): void => { if (!err) listener(value); };
      g.watch(cb);
      return () => { if (exported) g.unwatch(cb); };
    },
    unexport: () => {
      if (!exported) return;
      exported = false;
      g.unwatch();
      g.unexport();
    },
  };
}

/**
 * GPIO through onoff (sysfs `/sys/class/gpio`, epoll for edges). Lines are global sysfs numbers; resolve
 * names with resolvePins() first. Outputs take their level at export time (`high`/`low` direction).
 */
export function onoffOpener(): GpioOpener {
  return async (req: GpioLineRequest) => {
    const Gpio = await loadOnoff();
    try {
      const g = req.direction === 'in' ? new Gpio(req.line, 'in', 'both') : new Gpio(req.line, req.initial === 1 ? 'high' : 'low');
      return wrap(g, req.line);
    } catch (err) {
      // EINVAL on export means the number is not a line of this kernel (see DEPENDENCIES.md §2).
      throw new KioskError('KIOSK_E_DEVICE_OFFLINE', `cannot export GPIO line ${req.line}`, { disconnected: true, cause: err, details: { line: req.line } });
    }
  };
}
