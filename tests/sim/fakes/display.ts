import iconv from 'iconv-lite';
import { KioskError } from '../../../src/errors/index.js';
import type { DeviceEvents, Display, DisplayFrame, DisplayGeometry } from '../../../src/hal/index.js';
import { displayWidth } from '../../../src/hal/text-width.js';
import { FakeDevice, type FakeDeviceOptions } from './fake-device.js';
import { remember } from './history.js';

/** The two glasses kioskd drives: HD44780 20×4 (ASCII ROM) and ST7920 128×64 (16×4 cells, GB2312 ROM). */
export type FakeDisplayGeometry =
  | { readonly cols: 20; readonly rows: 4; readonly charset: 'ascii' }
  | { readonly cols: 16; readonly rows: 4; readonly charset: 'gb2312' };

export type FakeDisplayOptions = FakeDeviceOptions & FakeDisplayGeometry;

/** True when the glass's ROM has a glyph for every character of `line`. */
export function fitsCharset(line: string, charset: DisplayGeometry['charset']): boolean {
  for (const ch of line) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x20 && cp <= 0x7e) continue;
    if (charset === 'ascii') return false;
    // EUC-CN: GB2312 symbol rows A1–A9 and hanzi rows B0–F7; iconv-lite's gb2312 is really GBK, so check.
    const b = iconv.encode(ch, 'gb2312');
    const lead = b[0] ?? 0;
    const trail = b[1] ?? 0;
    const gb2312 = b.length === 2 && ((lead >= 0xa1 && lead <= 0xa9) || (lead >= 0xb0 && lead <= 0xf7)) && trail >= 0xa1 && trail <= 0xfe;
    if (!gb2312) return false;
  }
  return true;
}

/**
 * A character display that validates every frame as the glass would take it: exactly `rows` lines, each at
 * most `cols` cells (CJK and other GB2312 double-byte glyphs count 2), only characters its ROM has.
 * A bad frame throws KIOSK_E_DEVICE_STATE and leaves the glass unchanged.
 * It does not model the ST7920 rule that a full-width glyph starts on an even cell (the driver pads).
 */
export class FakeDisplay extends FakeDevice<DeviceEvents> implements Display {
  readonly kind = 'display' as const;
  /** The frames written, in order (the newest HISTORY_LIMIT). */
  readonly frames: DisplayFrame[] = [];
  private readonly geo: DisplayGeometry;
  private shown: DisplayFrame;

  constructor(opts: FakeDisplayOptions) {
    super(opts, {
      id: 'fake-display',
      identity: {
        model: opts.charset === 'gb2312' ? 'FakeDisplay ST7920' : 'FakeDisplay HD44780', serial: 'FAKE-DP-0001',
        firmware: '1.0.0', protocol: 'fake-hal', vendor: 'kioskd', extra: { cols: opts.cols, rows: opts.rows, charset: opts.charset },
      },
      counters: ['frames', 'badFrames'],
    });
    this.geo = { cols: opts.cols, rows: opts.rows, charset: opts.charset };
    this.shown = { lines: Array.from({ length: opts.rows }, () => '') };
  }

  geometry(): DisplayGeometry { return this.geo; }

  async show(frame: DisplayFrame): Promise<void> {
    this.requireOpen('show');
    const problem = this.check(frame);
    if (problem !== undefined) {
      this.bump('badFrames');
      throw new KioskError('KIOSK_E_DEVICE_STATE', `${this.id}: frame rejected: ${problem.what}`, { details: problem.details });
    }
    this.shown = { lines: [...frame.lines] };
    remember(this.frames, this.shown);
    this.bump('frames');
  }

  current(): DisplayFrame { return this.shown; }

  /** The glass as text, one line per row. */
  text(): string { return this.shown.lines.join('\n'); }

  private check(frame: DisplayFrame): { what: string; details: Record<string, unknown> } | undefined {
    const { cols, rows, charset } = this.geo;
    if (frame.lines.length !== rows) return { what: 'wrong row count', details: { rows: frame.lines.length, expected: rows } };
    const ambiguous = charset === 'gb2312' ? 2 : 1;
    for (const [row, line] of frame.lines.entries()) {
      const width = displayWidth(line, { ambiguous });
      if (width > cols) return { what: 'line too wide', details: { row, width, cols } };
      if (!fitsCharset(line, charset)) return { what: 'character not in the display ROM', details: { row, charset } };
    }
    return undefined;
  }
}
