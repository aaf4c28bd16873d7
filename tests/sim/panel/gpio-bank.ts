import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KioskError } from '../../../src/errors/index.js';
import type { GpioLevel, GpioLineRequest, GpioOpener, GpioPort } from '../../../src/hal/gpio.js';

interface Line {
  direction: 'in' | 'out';
  level: GpioLevel;
  exported: boolean;
  readonly watchers: Set<(v: GpioLevel) => void>;
  readonly writes: GpioLevel[];
}

export interface GpioBankOptions {
  /** Global number of the SoC chip's line 0 (512 on a Pi 4, 571 on a Pi 5 with a ≥ 6.6 kernel). */
  readonly base: number;
  readonly ngpio?: number;
  /** Level a pressed button drives (to ground through the switch: 0). */
  readonly pressedLevel?: GpioLevel;
}

/**
 * An in-memory GPIO controller behind the GpioOpener seam. Lines are addressed like the kernel does
 * (base + offset), the test controls speak BCM names (`GPIO17`), so a driver that ignores the chip base
 * exports lines that do not exist and is refused, as the real kernel refuses with EINVAL.
 * Inputs idle high (pull-ups) unless set otherwise.
 */
export class GpioBank {
  readonly base: number;
  readonly ngpio: number;
  private readonly pressed: GpioLevel;
  private readonly lines = new Map<number, Line>();
  /** Input levels set before the line was exported. */
  private readonly preset = new Map<number, GpioLevel>();

  constructor(opts: GpioBankOptions) {
    this.base = opts.base;
    this.ngpio = opts.ngpio ?? 58;
    this.pressed = opts.pressedLevel ?? 0;
  }

  readonly opener: GpioOpener = async (req: GpioLineRequest): Promise<GpioPort> => {
    if (req.line < this.base || req.line >= this.base + this.ngpio) {
      throw new KioskError('KIOSK_E_DEVICE_OFFLINE', `sim: export ${req.line}: EINVAL`, { disconnected: true, details: { line: req.line } });
    }
    const existing = this.lines.get(req.line);
    if (existing?.exported) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', `sim: export ${req.line}: EBUSY`, { disconnected: true });
    const line: Line = existing ?? { direction: req.direction, level: 1, exported: true, watchers: new Set(), writes: [] };
    line.direction = req.direction;
    line.exported = true;
    line.level = req.direction === 'out' ? (req.initial ?? 0) : (this.preset.get(req.line) ?? line.level);
    this.lines.set(req.line, line);
    return {
      read: async () => line.level,
      write: async (v) => {
        if (!line.exported) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'sim: line unexported', { disconnected: true });
        if (line.direction !== 'out') throw new KioskError('KIOSK_E_DEVICE_STATE', 'sim: write to an input');
        line.level = v;
        line.writes.push(v);
      },
      watch: (fn) => {
        line.watchers.add(fn);
        return () => { line.watchers.delete(fn); };
      },
      unexport: () => {
        line.exported = false;
        line.watchers.clear();
      },
    };
  };

  /** Global line number of a BCM name. */
  lineOf(name: string): number {
    const m = /^GPIO(\d+)$/.exec(name);
    if (m === null) throw new Error(`bad pin name ${name}`);
    return this.base + Number(m[1]);
  }

  /** Drives an input to a level (edges reach watchers at once, like epoll would). */
  set(name: string, level: GpioLevel): void {
    const n = this.lineOf(name);
    this.preset.set(n, level);
    const line = this.lines.get(n);
    if (line === undefined || !line.exported || line.direction !== 'in' || line.level === level) return;
    line.level = level;
    for (const fn of [...line.watchers]) fn(level);
  }

  press(name: string): void { this.set(name, this.pressed); }
  release(name: string): void { this.set(name, this.pressed === 0 ? 1 : 0); }

  /**
   * A press with contact bounce: `times` make/break pairs, then the contact settles closed. `between`
   * runs after every edge (e.g. advance a manual clock by a few ms).
   */
  bounce(name: string, times: number, between: () => void = () => {}): void {
    for (let i = 0; i < times; i++) {
      this.press(name);
      between();
      this.release(name);
      between();
    }
    this.press(name);
  }

  /** Current level of a line (an output's last write). */
  level(name: string): GpioLevel | undefined { return this.lines.get(this.lineOf(name))?.level; }
  /** Every write to an output line, in order. */
  writes(name: string): readonly GpioLevel[] { return this.lines.get(this.lineOf(name))?.writes ?? []; }
  exported(name: string): boolean { return this.lines.get(this.lineOf(name))?.exported ?? false; }
  exportedCount(): number { return [...this.lines.values()].filter((l) => l.exported).length; }
}

export type SysfsVariant = 'pi4-6.6' | 'pi5-6.6' | 'pi3-6.1';

const TREES: Readonly<Record<SysfsVariant, readonly { base: number; ngpio: number; label: string }[]>> = {
  // Pi 4, Raspberry Pi OS kernel ≥ 6.6: SoC chip at 512, the firmware expander after it.
  'pi4-6.6': [
    { base: 512, ngpio: 58, label: 'pinctrl-bcm2711' },
    { base: 570, ngpio: 8, label: 'raspberrypi-exp-gpio' },
  ],
  // Pi 5 after raspberrypi/linux#6144: brcmstb chips below, RP1 (the 40-pin header) at 571.
  'pi5-6.6': [
    { base: 512, ngpio: 32, label: 'gpio-brcmstb@107d508500' },
    { base: 544, ngpio: 4, label: 'gpio-brcmstb@107d508520' },
    { base: 548, ngpio: 17, label: 'gpio-brcmstb@107d517c00' },
    { base: 565, ngpio: 6, label: 'gpio-brcmstb@107d517c20' },
    { base: 571, ngpio: 54, label: 'pinctrl-rp1' },
  ],
  // Older kernels numbered the SoC chip from 0.
  'pi3-6.1': [
    { base: 0, ngpio: 54, label: 'pinctrl-bcm2835' },
    { base: 504, ngpio: 8, label: 'raspberrypi-exp-gpio' },
  ],
};

/** Writes a fake `/sys/class/gpio` tree under `root`; returns the SoC chip's base. */
export async function writeFakeSysfs(root: string, variant: SysfsVariant): Promise<number> {
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'export'), '');
  await writeFile(join(root, 'unexport'), '');
  for (const chip of TREES[variant]) {
    const dir = join(root, `gpiochip${chip.base}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'base'), `${chip.base}\n`);
    await writeFile(join(dir, 'ngpio'), `${chip.ngpio}\n`);
    await writeFile(join(dir, 'label'), `${chip.label}\n`);
  }
  return TREES[variant].find((c) => c.label.startsWith('pinctrl'))!.base;
}
