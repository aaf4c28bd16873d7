import iconv from 'iconv-lite';

/** Serial-mode sync bytes: five 1s, RW=0, RS (0 instruction / 1 data), 0. */
export const SYNC_COMMAND = 0xf8;
export const SYNC_DATA = 0xfa;

/** DDRAM address of each text row on a 128×64 module (the controller's two 32-cell lines, split). */
export const ROW_ADDRESS = [0x80, 0x90, 0x88, 0x98] as const;
export const COLS = 16;
export const ROWS = 4;

/** Basic instruction set (RE=0). */
export const CMD = {
  FUNCTION_SET_BASIC: 0x30,
  /** Extended set (RE=1) with G=0: graphic display off, in case GDRAM was left on over the text. */
  FUNCTION_SET_EXTENDED_GRAPHICS_OFF: 0x34,
  CLEAR: 0x01,
  HOME: 0x02,
  ENTRY_INCREMENT: 0x06,
  DISPLAY_ON: 0x0c,
} as const;

function frame(sync: number, b: number): number[] {
  return [sync, b & 0xf0, (b & 0x0f) << 4];
}

/** One instruction as its 3-byte serial frame. */
export function commandFrame(b: number): number[] { return frame(SYNC_COMMAND, b); }
/** One data byte as its 3-byte serial frame. */
export function dataFrame(b: number): number[] { return frame(SYNC_DATA, b); }

/**
 * Power-on init: 8-bit basic set (twice, as the datasheet's sequence does), graphics off (a previous
 * program may have left GDRAM showing), back to basic, entry mode increment, display on with cursor and
 * blink off. No CLEAR: it needs 1.6 ms with no busy flag to read over the serial
 * interface; every row is rewritten in full right after instead.
 */
export function initSequence(): number[] {
  return [
    CMD.FUNCTION_SET_BASIC, CMD.FUNCTION_SET_BASIC, CMD.FUNCTION_SET_EXTENDED_GRAPHICS_OFF, CMD.FUNCTION_SET_BASIC,
    CMD.ENTRY_INCREMENT, CMD.DISPLAY_ON,
  ].flatMap(commandFrame);
}

/** The GB2312 font ROM: symbol rows A1–A9 and hanzi rows B0–F7, trail bytes A1–FE. */
function inRom(lead: number, trail: number): boolean {
  return ((lead >= 0xa1 && lead <= 0xa9) || (lead >= 0xb0 && lead <= 0xf7)) && trail >= 0xa1 && trail <= 0xfe;
}

const SPACE = 0x20;
const QUESTION = 0x3f;

/**
 * Lays a line out as the 16 bytes of one text row. Half-width ASCII takes one byte; a GB2312 glyph takes
 * two and must start on an even byte (one DDRAM word), so a space pads it when it would start odd.
 * Characters the ROM lacks (GBK extensions, emoji, controls) become `?`; what does not fit is clipped.
 */
export function layoutRow(line: string): Uint8Array {
  const out = new Uint8Array(COLS).fill(SPACE);
  let col = 0;
  for (const ch of line) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x20 && cp <= 0x7e) {
      if (col >= COLS) break;
      out[col++] = cp;
      continue;
    }
    const b = iconv.encode(ch, 'gb2312');
    if (b.length === 2 && inRom(b[0]!, b[1]!)) {
      if (col % 2 === 1) col++;
      if (col + 2 > COLS) break;
      out[col++] = b[0]!;
      out[col++] = b[1]!;
    } else {
      if (col >= COLS) break;
      out[col++] = QUESTION;
    }
  }
  return out;
}

/**
 * The serial bytes that turn row bytes `before` into `after` (undefined: unknown, write it all). Work is
 * done in DDRAM words, the ST7920's unit of address, so a hanzi is always written whole and aligned.
 */
export function rowUpdate(row: number, before: Uint8Array | undefined, after: Uint8Array): number[] {
  const bytes: number[] = [];
  let word = 0;
  while (word < COLS / 2) {
    if (before !== undefined && before[2 * word] === after[2 * word] && before[2 * word + 1] === after[2 * word + 1]) { word++; continue; }
    let end = word;
    while (end < COLS / 2 && (before === undefined || before[2 * end] !== after[2 * end] || before[2 * end + 1] !== after[2 * end + 1])) end++;
    bytes.push(...commandFrame(ROW_ADDRESS[row]! + word));
    for (let i = 2 * word; i < 2 * end; i++) bytes.push(...dataFrame(after[i]!));
    word = end;
  }
  return bytes;
}

/** Decodes row bytes back to text (what current() reports), trailing blanks trimmed. */
export function rowText(row: Uint8Array): string {
  let s = '';
  for (let i = 0; i < row.length; i++) {
    const b = row[i]!;
    if (b >= 0xa1 && i + 1 < row.length) { s += iconv.decode(Buffer.from([b, row[i + 1]!]), 'gb2312'); i++; } else s += String.fromCharCode(b);
  }
  return s.trimEnd();
}
