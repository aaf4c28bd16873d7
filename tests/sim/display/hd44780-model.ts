/**
 * An HD44780 controller behind a PCF8574 I²C backpack, modelled from the wire up: every byte written to
 * the PCF8574 is its port (P0 RS, P1 RW, P2 EN, P3 backlight, P4..P7 = D4..D7); the controller latches on
 * the falling edge of EN. It starts in 8-bit mode (only D4..D7 wired, so D0..D3 read 0) until a function
 * set with DL=0, then takes nibble pairs, high first.
 */
export interface SimI2cDevice {
  /** False = NACK. */
  write(bytes: readonly number[]): boolean;
  /** Undefined = NACK. */
  read(count: number): number[] | undefined;
}

const RS = 0x01;
const EN = 0x04;
const BACKLIGHT = 0x08;
/** DDRAM offsets of the four rows of a 20×4 module. */
export const ROW_OFFSETS = [0x00, 0x40, 0x14, 0x54] as const;

export class Hd44780Model implements SimI2cDevice {
  present = true;
  /** Every instruction executed (RS=0), in order; handy to check init and cursor handling. */
  readonly instructions: number[] = [];
  /** Data bytes written to DDRAM. */
  dataWrites = 0;
  fourBit = false;
  displayOn = false;
  cursorOn = false;
  blinkOn = false;
  backlight = false;
  twoLine = false;
  private port = 0xff;
  private high: number | undefined;
  private readonly ddram = new Uint8Array(0x80).fill(0x20);
  private ac = 0;
  private increment = true;
  private cgram = false;

  constructor(readonly cols = 20, readonly rows = 4) {}

  write(bytes: readonly number[]): boolean {
    if (!this.present) return false;
    for (const b of bytes) this.portWrite(b & 0xff);
    return true;
  }

  read(count: number): number[] | undefined {
    if (!this.present) return undefined;
    return Array.from({ length: count }, () => this.port);
  }

  /** The glass, one string per row, trailing blanks trimmed; bytes outside ASCII show as □. */
  glass(): string[] {
    return this.glassRaw().map((l) => l.trimEnd());
  }

  /** The glass with every cell, `cols` characters a row. */
  glassRaw(): string[] {
    return ROW_OFFSETS.slice(0, this.rows).map((off) => {
      let s = '';
      for (let c = 0; c < this.cols; c++) {
        const b = this.ddram[off + c]!;
        s += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '\u25a1';
      }
      return s;
    });
  }

  /** Power cycle: controller back in 8-bit mode, DDRAM garbage-free but unknown to the host. */
  powerCycle(): void {
    this.fourBit = false;
    this.high = undefined;
    this.displayOn = false;
    this.ddram.fill(0x20);
    this.ac = 0;
  }

  private portWrite(b: number): void {
    const prev = this.port;
    this.port = b;
    this.backlight = (b & BACKLIGHT) !== 0;
    if ((prev & EN) !== 0 && (b & EN) === 0) this.strobe((prev & RS) !== 0, prev >> 4);
  }

  private strobe(rs: boolean, nibble: number): void {
    if (!this.fourBit) {
      this.high = undefined;
      this.execute(rs, nibble << 4);
      return;
    }
    if (this.high === undefined) { this.high = nibble; return; }
    const byte = (this.high << 4) | nibble;
    this.high = undefined;
    this.execute(rs, byte);
  }

  private execute(rs: boolean, b: number): void {
    if (rs) {
      this.dataWrites += 1;
      if (this.cgram) return;
      this.ddram[this.ac] = b;
      this.step();
      return;
    }
    this.instructions.push(b);
    if (b & 0x80) { this.ac = b & 0x7f; this.cgram = false; return; }
    if (b & 0x40) { this.cgram = true; return; }
    if (b & 0x20) { this.fourBit = (b & 0x10) === 0; this.twoLine = (b & 0x08) !== 0; return; }
    if (b & 0x10) { if ((b & 0x08) === 0) this.ac = (this.ac + ((b & 0x04) ? 1 : 0x7f)) & 0x7f; return; }
    if (b & 0x08) { this.displayOn = (b & 0x04) !== 0; this.cursorOn = (b & 0x02) !== 0; this.blinkOn = (b & 0x01) !== 0; return; }
    if (b & 0x04) { this.increment = (b & 0x02) !== 0; return; }
    if (b & 0x02) { this.ac = 0; this.cgram = false; return; }
    if (b & 0x01) { this.ddram.fill(0x20); this.ac = 0; this.increment = true; this.cgram = false; }
  }

  /** Address counter step in 2-line mode: 0x00–0x27 then 0x40–0x67, wrapping. */
  private step(): void {
    if (this.increment) {
      this.ac += 1;
      if (this.ac === 0x28) this.ac = 0x40;
      else if (this.ac >= 0x68) this.ac = 0x00;
    } else {
      this.ac = this.ac === 0x40 ? 0x27 : this.ac === 0 ? 0x67 : this.ac - 1;
    }
  }
}
