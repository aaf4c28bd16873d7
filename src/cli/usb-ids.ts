/**
 * A small table of USB vendor/product ids seen on payment kiosks, to guess what a port is. A guess only:
 * many devices sit behind a generic USB-serial adapter (FTDI, Prolific, CH340, CP210x) — JCM ID-003
 * validators and ZVT card terminals usually do — so `kioskctl probe` is the real test.
 */
export interface UsbGuess {
  readonly vendor: string;
  /** What this most likely is on a kiosk. */
  readonly guess: string;
  /** The kioskd device role it usually fills, when the id says so. */
  readonly role?: 'billValidator' | 'scanner' | 'printer' | 'panel' | 'cardPayment';
}

interface Entry extends UsbGuess { readonly vid: number; readonly pid?: number }

const TABLE: readonly Entry[] = [
  { vid: 0x191c, vendor: 'Innovative Technology (ITL)', guess: 'ITL banknote validator (SSP/eSSP)', role: 'billValidator' },
  { vid: 0x2341, pid: 0x0043, vendor: 'Arduino', guess: 'Arduino Uno: the I/O board (StandardFirmata)', role: 'panel' },
  { vid: 0x2341, pid: 0x0042, vendor: 'Arduino', guess: 'Arduino Mega 2560: the I/O board (StandardFirmata)', role: 'panel' },
  { vid: 0x2341, vendor: 'Arduino', guess: 'Arduino board: the I/O board', role: 'panel' },
  { vid: 0x2a03, vendor: 'Arduino (arduino.org)', guess: 'Arduino board: the I/O board', role: 'panel' },
  { vid: 0x1a86, pid: 0x7523, vendor: 'QinHeng (CH340)', guess: 'CH340 USB-serial: Arduino clone (I/O board) or an RS-232 adapter' },
  { vid: 0x1a86, vendor: 'QinHeng (CH34x)', guess: 'CH34x USB-serial adapter or Arduino clone' },
  { vid: 0x0403, vendor: 'FTDI', guess: 'FTDI USB-serial adapter: a validator (ID-003/SSP), printer or card terminal behind it' },
  { vid: 0x067b, vendor: 'Prolific', guess: 'PL2303 USB-serial adapter: a validator, printer or card terminal behind it' },
  { vid: 0x10c4, vendor: 'Silicon Labs', guess: 'CP210x USB-serial adapter: a validator, printer or card terminal behind it' },
  { vid: 0x04b8, vendor: 'Seiko Epson', guess: 'Epson TM receipt printer (ESC/POS)', role: 'printer' },
  { vid: 0x0416, vendor: 'Winbond', guess: 'generic thermal receipt printer (ESC/POS; Xprinter and similar)', role: 'printer' },
  { vid: 0x0483, vendor: 'STMicroelectronics', guess: 'STM32-based device: often a thermal receipt printer (Xprinter and similar)', role: 'printer' },
  { vid: 0x0a5f, vendor: 'Zebra Technologies', guess: 'Zebra printer', role: 'printer' },
  { vid: 0x05e0, vendor: 'Symbol / Zebra', guess: 'Zebra (Symbol) barcode scanner', role: 'scanner' },
  { vid: 0x0c2e, vendor: 'Honeywell (Metrologic)', guess: 'Honeywell barcode scanner', role: 'scanner' },
  { vid: 0x0536, vendor: 'Honeywell (Hand Held Products)', guess: 'Honeywell barcode scanner', role: 'scanner' },
  { vid: 0x05f9, vendor: 'Datalogic (PSC)', guess: 'Datalogic barcode scanner', role: 'scanner' },
  { vid: 0x1eab, vendor: 'Newland Auto-ID', guess: 'Newland barcode scanner', role: 'scanner' },
  { vid: 0x0b00, vendor: 'Ingenico', guess: 'Ingenico card terminal', role: 'cardPayment' },
  { vid: 0x11ca, vendor: 'VeriFone', guess: 'VeriFone card terminal', role: 'cardPayment' },
];

/** The best match for a vendor/product id pair (product-specific entries first). */
export function guessUsb(vendorId: number | undefined, productId: number | undefined): UsbGuess | undefined {
  if (vendorId === undefined) return undefined;
  const e = TABLE.find((t) => t.vid === vendorId && t.pid !== undefined && t.pid === productId) ?? TABLE.find((t) => t.vid === vendorId && t.pid === undefined);
  return e ? { vendor: e.vendor, guess: e.guess, ...(e.role ? { role: e.role } : {}) } : undefined;
}

/** "0403" → 0x0403; numbers pass through; anything else → undefined. */
export function hexId(v: string | number | undefined): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{1,4}$/.test(v)) return undefined;
  return parseInt(v, 16);
}

export const hex4 = (n: number | undefined): string => (n === undefined ? '----' : n.toString(16).padStart(4, '0'));
