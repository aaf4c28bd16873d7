import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KioskError } from '../../errors/index.js';

export interface GpioChipInfo {
  readonly name: string;
  readonly base: number;
  readonly ngpio: number;
  readonly label: string;
}

export const DEFAULT_SYSFS_GPIO = '/sys/class/gpio';

/**
 * The SoC's own GPIO controller on Raspberry Pi boards: bcm2835 (Pi 1–3), bcm2711 (Pi 4), rp1 (Pi 5).
 * Matching by label, never by base: kernels ≥ 6.6 number from 512 (Pi 4) or 571 (Pi 5), other kernels
 * from 0, and a Pi 5 has lower-numbered brcmstb chips besides.
 */
export const SOC_CHIP_LABEL = /pinctrl-(bcm2835|bcm2711|rp1)|^rp1/;

const PIN_NAME = /^GPIO(\d{1,3})$/;

/** Reads every `gpiochip*` under the sysfs GPIO class directory. */
export async function readGpioChips(sysfsRoot: string = DEFAULT_SYSFS_GPIO): Promise<GpioChipInfo[]> {
  let entries: string[];
  try {
    entries = (await readdir(sysfsRoot)).filter((e) => e.startsWith('gpiochip'));
  } catch (err) {
    throw new KioskError('KIOSK_E_DEVICE_OFFLINE', `no sysfs GPIO at ${sysfsRoot}`, { disconnected: true, cause: err });
  }
  const chips: GpioChipInfo[] = [];
  for (const name of entries) {
    const read = async (f: string): Promise<string> => (await readFile(join(sysfsRoot, name, f), 'utf8')).trim();
    try {
      chips.push({ name, base: Number.parseInt(await read('base'), 10), ngpio: Number.parseInt(await read('ngpio'), 10), label: await read('label') });
    } catch {
      // A chip directory without the attributes is not one we can use.
    }
  }
  return chips.sort((a, b) => a.base - b.base);
}

/** Picks the SoC GPIO chip, or the one whose label matches `label` when the board is not a Pi. */
export function socChip(chips: readonly GpioChipInfo[], label?: string): GpioChipInfo {
  const chip = chips.find((c) => (label === undefined ? SOC_CHIP_LABEL.test(c.label) : c.label === label));
  if (chip === undefined) {
    throw new KioskError('KIOSK_E_DEVICE_OFFLINE', `no GPIO chip labelled ${label ?? 'pinctrl-bcm2835/bcm2711/rp1'}`, {
      disconnected: true, details: { chips: chips.map((c) => `${c.label}@${c.base}`) },
    });
  }
  return chip;
}

/** `GPIO17` on a chip with base 512 → sysfs line 529. */
export function resolvePin(name: string, chip: GpioChipInfo): number {
  const m = PIN_NAME.exec(name);
  const offset = m === null ? Number.NaN : Number(m[1]);
  if (!(offset >= 0 && offset < chip.ngpio)) {
    throw new KioskError('KIOSK_E_CONFIG_INVALID', `GPIO pin ${name} is not a line of ${chip.label} (${chip.ngpio} lines)`, {
      details: { pin: name, chip: chip.label },
    });
  }
  return chip.base + offset;
}

/** Resolves every named pin against the SoC chip found under `sysfsRoot`. */
export async function resolvePins<K extends string>(
  pins: Readonly<Record<K, string>>, opts: { readonly sysfsRoot?: string; readonly chipLabel?: string } = {},
): Promise<Record<K, number>> {
  const chip = socChip(await readGpioChips(opts.sysfsRoot), opts.chipLabel);
  const out = {} as Record<K, number>;
  for (const k of Object.keys(pins) as K[]) out[k] = resolvePin(pins[k], chip);
  return out;
}
