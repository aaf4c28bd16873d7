import { SimHidDevice } from './hid-device.js';

const LSHIFT = 0x02;
const LCTRL = 0x01;
const ENTER = 0x28;

// US layout: character → [usage, shifted]. Built from the keyboard rows, independent of the driver's table.
const KEYS = new Map<string, readonly [number, boolean]>();
'abcdefghijklmnopqrstuvwxyz'.split('').forEach((c, i) => { KEYS.set(c, [0x04 + i, false]); KEYS.set(c.toUpperCase(), [0x04 + i, true]); });
'1234567890'.split('').forEach((c, i) => KEYS.set(c, [0x1e + i, false]));
'!@#$%^&*()'.split('').forEach((c, i) => KEYS.set(c, [0x1e + i, true]));
const ROW: readonly [number, string, string][] = [
  [0x2c, ' ', ''], [0x2d, '-', '_'], [0x2e, '=', '+'], [0x2f, '[', '{'], [0x30, ']', '}'], [0x31, '\\', '|'],
  [0x33, ';', ':'], [0x34, '\'', '"'], [0x35, '`', '~'], [0x36, ',', '<'], [0x37, '.', '>'], [0x38, '/', '?'],
];
for (const [u, plain, shifted] of ROW) { KEYS.set(plain, [u, false]); if (shifted) KEYS.set(shifted, [u, true]); }

/** Boot keyboard reports typing `text`: press then release per character; GS as Ctrl+]; Enter at the end. */
export function encodeKeystrokes(text: string, opts: { readonly enter?: boolean } = {}): Buffer[] {
  const out: Buffer[] = [];
  const key = (mod: number, usage: number): void => {
    out.push(Buffer.from([mod, 0, usage, 0, 0, 0, 0, 0]));
    out.push(Buffer.alloc(8));
  };
  for (const ch of text) {
    if (ch === '\x1d') { key(LCTRL, 0x30); continue; }
    const k = KEYS.get(ch);
    if (!k) throw new Error(`the wedge simulator cannot type ${JSON.stringify(ch)}`);
    key(k[1] ? LSHIFT : 0, k[0]);
  }
  if (opts.enter ?? true) key(0, ENTER);
  return out;
}

/** A barcode scanner in USB keyboard (wedge) mode. */
export class WedgeSim extends SimHidDevice {
  /** Types `text` and (by default) Enter. Returns how many handles got the reports. */
  type(text: string, opts: { readonly enter?: boolean } = {}): number {
    let n = 0;
    for (const r of encodeKeystrokes(text, opts)) n = this.sendReport(r);
    return n;
  }
}
