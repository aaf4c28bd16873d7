/** `kioskctl ports`: serial ports and HID devices with their USB ids and a guess of what each is. */
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { EXIT, type CommandResult } from '../output.js';
import { guessUsb, hex4, hexId, type UsbGuess } from '../usb-ids.js';

export interface SerialInfo {
  readonly path: string;
  readonly vendorId?: number;
  readonly productId?: number;
  readonly manufacturer?: string;
  readonly serialNumber?: string;
}

export interface HidInfo {
  readonly path?: string;
  readonly vendorId: number;
  readonly productId: number;
  readonly manufacturer?: string;
  readonly product?: string;
  readonly usagePage?: number;
  readonly usage?: number;
}

export interface PortsDeps {
  /** serialport's list(); only called when udevadm exists (serialport 13 crashes the process otherwise). */
  readonly serialList: () => Promise<readonly SerialInfo[]>;
  readonly hasUdevadm: () => boolean;
  /** Reads /sys/class/tty directly: the fallback without udevadm. */
  readonly sysfsList: () => readonly SerialInfo[];
  /** node-hid's devices(), or undefined when node-hid does not load (no libusb/libudev). */
  readonly hidList: () => Promise<readonly HidInfo[] | undefined>;
}

export function onPath(cmd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env['PATH'] ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, cmd)));
}

const readTrim = (p: string): string | undefined => { try { return readFileSync(p, 'utf8').trim(); } catch { return undefined; } };

/** Serial ports from sysfs: ttyUSB/ttyACM (USB ids from the parent USB device) and ttyS/ttyAMA with a driver. */
export function sysfsSerialPorts(root = '/sys/class/tty'): SerialInfo[] {
  let names: string[];
  try { names = readdirSync(root); } catch { return []; }
  const out: SerialInfo[] = [];
  for (const name of names.sort()) {
    if (!/^tty(USB|ACM|S|AMA|AMA\d|XRUSB)\d*$/.test(name)) continue;
    let dev: string;
    try { dev = realpathSync(join(root, name, 'device')); } catch { continue; }
    if (/^ttyS\d+$/.test(name) && !existsSync(join(dev, 'driver'))) continue;
    let vendorId: number | undefined;
    let productId: number | undefined;
    let manufacturer: string | undefined;
    let serialNumber: string | undefined;
    for (let d = dev; d !== '/' && d !== '.'; d = dirname(d)) {
      const vid = readTrim(join(d, 'idVendor'));
      if (vid === undefined) continue;
      vendorId = hexId(vid);
      productId = hexId(readTrim(join(d, 'idProduct')));
      manufacturer = readTrim(join(d, 'manufacturer'));
      serialNumber = readTrim(join(d, 'serial'));
      break;
    }
    out.push({ path: `/dev/${name}`, ...(vendorId !== undefined ? { vendorId } : {}), ...(productId !== undefined ? { productId } : {}), ...(manufacturer ? { manufacturer } : {}), ...(serialNumber ? { serialNumber } : {}) });
  }
  return out;
}

export const realPortsDeps: PortsDeps = {
  hasUdevadm: () => onPath('udevadm'),
  serialList: async () => {
    const { SerialPort } = await import('serialport');
    const list = await SerialPort.list();
    return list.map((p) => {
      const vendorId = hexId(p.vendorId);
      const productId = hexId(p.productId);
      return { path: p.path, ...(vendorId !== undefined ? { vendorId } : {}), ...(productId !== undefined ? { productId } : {}), ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}), ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}) };
    });
  },
  sysfsList: () => sysfsSerialPorts(),
  hidList: async () => {
    try {
      const hid = (await import('node-hid')) as unknown as { devices(): HidInfo[] };
      return hid.devices();
    } catch {
      return undefined;
    }
  },
};

/** Stable names given by the udev rules (/dev/kiosk/*) pointing at each port. */
function stableNames(dir = '/dev/kiosk'): Map<string, string> {
  const m = new Map<string, string>();
  try {
    for (const n of readdirSync(dir)) {
      try { m.set(realpathSync(join(dir, n)), join(dir, n)); } catch { /* dangling link */ }
    }
  } catch { /* no udev rules installed */ }
  return m;
}

export async function ports(deps: PortsDeps = realPortsDeps): Promise<CommandResult> {
  const notes: string[] = [];
  let serial: readonly SerialInfo[];
  if (deps.hasUdevadm()) {
    try { serial = await deps.serialList(); } catch (err) {
      notes.push(`serialport could not list ports (${(err as Error).message}); read sysfs instead`);
      serial = deps.sysfsList();
    }
  } else {
    notes.push('udevadm is not installed: ports read from sysfs (apt install udev for full details)');
    serial = deps.sysfsList();
  }
  const hid = await deps.hidList();
  if (hid === undefined) notes.push('node-hid did not load (apt install libusb-1.0-0 libudev1): HID devices not listed');
  const names = stableNames();
  const rows = [
    ...serial.map((p) => {
      let real = p.path;
      try { real = realpathSync(p.path); } catch { /* keep */ }
      return { kind: 'serial' as const, ...p, stableName: names.get(real), guess: guessUsb(p.vendorId, p.productId) };
    }),
    ...(hid ?? []).map((h) => ({ kind: 'hid' as const, ...h, guess: hidGuess(h) })),
  ];
  const lines = rows.map((r) => {
    const label = r.kind === 'serial' ? r.path : `hid ${r.path ?? ''}`;
    const who = r.kind === 'serial' ? r.manufacturer : [r.manufacturer, r.product].filter(Boolean).join(' ');
    const alias = r.kind === 'serial' && r.stableName ? ` (${r.stableName})` : '';
    return `${label}${alias}  ${hex4(r.vendorId)}:${hex4(r.productId)}  ${who ?? ''}  → ${r.guess?.guess ?? 'unknown device'}`.replace(/ {3,}/g, '  ');
  });
  const text = [...(lines.length ? lines : ['no serial ports or HID devices found']), ...notes.map((n) => `note: ${n}`)].join('\n');
  return { code: EXIT.ok, text, json: { ports: rows, notes } };
}

function hidGuess(h: HidInfo): UsbGuess | undefined {
  const g = guessUsb(h.vendorId, h.productId);
  // HID POS barcode scanner usage page (0x8C) says "scanner" whatever the vendor.
  if (h.usagePage === 0x8c) return { vendor: g?.vendor ?? 'unknown', guess: 'HID POS barcode scanner', role: 'scanner' };
  return g;
}
