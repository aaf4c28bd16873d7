import { DEFAULT_MAX_LENGTH, GS, decodeScanText, rejectScan, type ScanDecoder, type ScanResult } from '../serial-scanner/index.js';

/** Boot keyboard modifier bits (byte 0). */
export const MOD = {
  LCTRL: 0x01, LSHIFT: 0x02, LALT: 0x04, LGUI: 0x08, RCTRL: 0x10, RSHIFT: 0x20, RALT: 0x40, RGUI: 0x80,
} as const;
const SHIFT = MOD.LSHIFT | MOD.RSHIFT;
const CTRL = MOD.LCTRL | MOD.RCTRL;
const ALT_GUI = MOD.LALT | MOD.RALT | MOD.LGUI | MOD.RGUI;

export const KEY_ENTER = 0x28;
export const KEY_KEYPAD_ENTER = 0x58;
/** Usages 0x01..0x03 (ErrorRollOver, POSTFail, ErrorUndefined) fill every slot of a phantom report. */
const LAST_ERROR_USAGE = 0x03;

// US layout, usage page 0x07: [unshifted, shifted] per usage from 0x1E.
const DIGIT_ROW = ['1!', '2@', '3#', '4$', '5%', '6^', '7&', '8*', '9(', '0)'];
const PUNCT: Readonly<Record<number, string>> = {
  0x2c: '  ', 0x2d: '-_', 0x2e: '=+', 0x2f: '[{', 0x30: ']}', 0x31: '\\|', 0x32: '#~', 0x33: ';:', 0x34: '\'"',
  0x35: '`~', 0x36: ',<', 0x37: '.>', 0x38: '/?',
};
// Keypad with NumLock on (scanners that "type" digits on the keypad): shift does not change them.
const KEYPAD: Readonly<Record<number, string>> = {
  0x54: '/', 0x55: '*', 0x56: '-', 0x57: '+', 0x59: '1', 0x5a: '2', 0x5b: '3', 0x5c: '4', 0x5d: '5', 0x5e: '6',
  0x5f: '7', 0x60: '8', 0x61: '9', 0x62: '0', 0x63: '.',
};

/**
 * The character a key press types on a US layout, or undefined for keys no barcode produces (F-keys,
 * Esc, Tab, arrows…). Ctrl+] is GS, as scanners send FNC1 in keyboard mode.
 */
export function keyToChar(usage: number, modifiers: number): string | undefined {
  if ((modifiers & ALT_GUI) !== 0) return undefined;
  const shift = (modifiers & SHIFT) !== 0;
  if ((modifiers & CTRL) !== 0) return usage === 0x30 && !shift ? String.fromCharCode(GS) : undefined;
  if (usage >= 0x04 && usage <= 0x1d) {
    const c = String.fromCharCode(0x61 + usage - 0x04);
    return shift ? c.toUpperCase() : c;
  }
  if (usage >= 0x1e && usage <= 0x27) return DIGIT_ROW[usage - 0x1e]![shift ? 1 : 0];
  const p = PUNCT[usage];
  if (p !== undefined) return p[shift ? 1 : 0];
  return KEYPAD[usage];
}

export interface BootKeyboardReport {
  readonly modifiers: number;
  /** Pressed usages in slot order, zeros removed. */
  readonly keys: readonly number[];
  /** Every slot holds an error usage (too many keys held): the report says nothing about the keys. */
  readonly rollover: boolean;
}

export interface KeyboardDecoderOptions {
  /** Longest read in characters (AIM prefix included). Defaults to 512. */
  readonly maxLength?: number;
  /** Split a typed AIM identifier prefix into `symbology`. Defaults to true. */
  readonly aim?: boolean;
  /** Set when the device numbers its keyboard report: a 9-byte report that starts with this id. */
  readonly reportId?: number;
}

/** Parses one boot keyboard input report `[modifiers][reserved][key1..key6]`; undefined when malformed. */
export function parseBootReport(raw: Uint8Array, reportId?: number): BootKeyboardReport | undefined {
  let r = raw;
  if (reportId !== undefined) {
    if (raw.length !== 9 || raw[0] !== reportId) return undefined;
    r = raw.subarray(1);
  } else if (raw.length !== 8) return undefined;
  const keys: number[] = [];
  let errors = 0;
  for (let i = 2; i < 8; i++) {
    const k = r[i]!;
    if (k === 0) continue;
    if (k <= LAST_ERROR_USAGE) errors++;
    else keys.push(k);
  }
  return { modifiers: r[0]!, keys, rollover: errors > 0 };
}

/**
 * Turns keyboard-wedge reports into reads: a key types once on its down edge (held keys repeat in
 * every report), Enter ends the read. A read with a key that types nothing useful is garbage.
 */
export class KeyboardDecoder implements ScanDecoder<Uint8Array> {
  private readonly maxLength: number;
  private readonly aim: boolean;
  private readonly reportId: number | undefined;
  private held: readonly number[] = [];
  private text: number[] = [];
  private bad = false;
  private discarding = false;
  steps = 0;

  constructor(opts: KeyboardDecoderOptions = {}) {
    this.maxLength = opts.maxLength ?? DEFAULT_MAX_LENGTH;
    this.aim = opts.aim ?? true;
    this.reportId = opts.reportId;
  }

  get pending(): boolean { return this.text.length > 0 || this.bad || this.discarding; }

  reset(): void {
    this.text = [];
    this.bad = false;
    this.discarding = false;
    this.held = [];
  }

  push(raw: Uint8Array): ScanResult[] {
    this.steps += 1 + raw.length;
    const rep = parseBootReport(raw, this.reportId);
    if (!rep) return [rejectScan('malformed', 'length', `keyboard report of ${raw.length} bytes`, { length: raw.length }, 'KIOSK_E_FRAME_LENGTH')];
    // A phantom report leaves the held-key state as it was, so nothing types twice afterwards.
    if (rep.rollover) return [];
    const out: ScanResult[] = [];
    for (const k of rep.keys) {
      this.steps++;
      if (this.held.includes(k)) continue;
      if (k === KEY_ENTER || k === KEY_KEYPAD_ENTER) { this.endRead(out); continue; }
      if (k >= 0xe0 && k <= 0xe7) continue; // a modifier reported as a key: its bit carries the meaning
      const ch = keyToChar(k, rep.modifiers);
      if (this.discarding) continue;
      if (ch === undefined) { this.bad = true; continue; }
      if (this.text.length >= this.maxLength) {
        out.push(rejectScan('oversize', 'max-length', `read longer than ${this.maxLength} characters`, { maxLength: this.maxLength }));
        this.text = [];
        this.bad = false;
        this.discarding = true;
        continue;
      }
      this.text.push(ch.charCodeAt(0));
    }
    this.held = rep.keys;
    return out;
  }

  flush(): ScanResult[] {
    const partial = this.text.length > 0 || this.bad;
    const wasDiscarding = this.discarding;
    this.text = [];
    this.bad = false;
    this.discarding = false;
    // Quiet for a whole timeout: a key-up report may have been lost, so nothing counts as held any more.
    this.held = [];
    if (!partial || wasDiscarding) return [];
    return [rejectScan('garbage', 'timeout', 'typed read without Enter timed out')];
  }

  private endRead(out: ScanResult[]): void {
    const { text, bad, discarding } = this;
    this.text = [];
    this.bad = false;
    this.discarding = false;
    if (discarding) return;
    if (bad) { out.push(rejectScan('garbage', 'unmapped-key', 'read contains a key that types no barcode character')); return; }
    if (text.length === 0) return; // a lone Enter
    out.push(decodeScanText(Uint8Array.from(text), { aim: this.aim }));
  }
}
