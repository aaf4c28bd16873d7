import iconv from 'iconv-lite';
import { KioskError } from '../../../src/errors/index.js';

/** Word base of each text row on a 128×64 module: DDRAM 0x80, 0x90, 0x88, 0x98. */
const ROW_WORD = [0x00, 0x10, 0x08, 0x18] as const;

/**
 * An ST7920 on the serial interface, decoding the byte stream a SPI master sends: a sync byte
 * (11111 RW RS 0) starts a transfer, then every byte arrives as two bytes carrying its high and low
 * nibble in their top halves. Text mode only: DDRAM is 32 words of two bytes; a GB2312 glyph shows only
 * when its two bytes fill one word, so a hanzi that starts on an odd byte is garbage (shown as U+FFFD).
 */
export class St7920Sim {
  /** Instructions executed, in order. */
  readonly instructions: number[] = [];
  /** Frames that broke the serial framing (nibble byte with a non-zero low half, RW=1, …). */
  readonly framingErrors: string[] = [];
  transfers = 0;
  displayOn = false;
  extended = false;
  graphicsOn = false;
  private failing = false;
  private readonly ddram = new Uint8Array(64).fill(0x20);
  private ptr = 0;
  private rs: boolean | undefined;
  private high: number | undefined;

  /** The SpiLink opener the driver gets. */
  readonly opener = async (): Promise<{ transfer(bytes: Uint8Array): Promise<void>; close(): Promise<void> }> => {
    if (this.failing) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'sim: no spidev', { disconnected: true });
    return {
      transfer: async (bytes) => {
        if (this.failing) throw new KioskError('KIOSK_E_DEVICE_OFFLINE', 'sim: spidev I/O error', { disconnected: true });
        this.transfers += 1;
        for (const b of bytes) this.byte(b);
      },
      close: async () => {},
    };
  };

  /** Makes spidev fail (the kernel module gone, the bus unconfigured). */
  setFailing(failing: boolean): void { this.failing = failing; }

  /** The four text rows, trailing blanks trimmed. */
  glass(): string[] {
    return ROW_WORD.map((w) => decodeRow(this.ddram.subarray(w * 2, w * 2 + 16)).trimEnd());
  }

  private byte(b: number): void {
    if ((b & 0xf8) === 0xf8 && (b & 0x0f) !== 0) {
      if (b & 0x04) this.framingErrors.push(`read requested (0x${b.toString(16)})`);
      this.rs = (b & 0x02) !== 0;
      this.high = undefined;
      return;
    }
    if ((b & 0x0f) !== 0 || this.rs === undefined) {
      this.framingErrors.push(`unexpected byte 0x${b.toString(16)}`);
      return;
    }
    if (this.high === undefined) { this.high = b & 0xf0; return; }
    const value = this.high | (b >> 4);
    this.high = undefined;
    if (this.rs) this.data(value);
    else this.instruction(value);
  }

  private instruction(b: number): void {
    this.instructions.push(b);
    if ((b & 0xe0) === 0x20) {
      this.extended = (b & 0x04) !== 0;
      if (this.extended) this.graphicsOn = (b & 0x02) !== 0;
      return;
    }
    if (this.extended) return; // standby, scroll, reverse, GDRAM addresses: not modelled
    if (b & 0x80) { this.ptr = (b & 0x1f) * 2; return; }
    if (b & 0x40) return; // CGRAM
    if (b & 0x08) { this.displayOn = (b & 0x04) !== 0; return; }
    if (b === 0x01) { this.ddram.fill(0x20); this.ptr = 0; }
    if (b === 0x02 || b === 0x03) this.ptr = 0;
  }

  private data(b: number): void {
    this.ddram[this.ptr] = b;
    this.ptr = (this.ptr + 1) % this.ddram.length;
  }
}

function decodeRow(row: Uint8Array): string {
  let s = '';
  for (let i = 0; i < row.length; i++) {
    const b = row[i]!;
    if (b < 0x80) { s += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '\u25a1'; continue; }
    // A double-byte glyph needs a word to itself: lead byte on an even offset.
    if (i % 2 === 0 && b >= 0xa1 && (row[i + 1] ?? 0) >= 0xa1) {
      s += iconv.decode(Buffer.from([b, row[i + 1]!]), 'gb2312');
      i++;
    } else {
      s += '\ufffd';
    }
  }
  return s;
}
