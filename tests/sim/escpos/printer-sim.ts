import iconv from 'iconv-lite';
import type { DeviceSide } from '../serial/device-side.js';

/**
 * An ESC/POS receipt printer on the device end of a serial line (PROTOCOLS.md §4). It parses the byte
 * stream with its own parser (never the driver's), renders what would come out of the printer into text
 * lines, and answers DLE EOT 1..4, GS r and GS I from its own state.
 *
 * Simplifications, on purpose: while offline (paper out, cover open, cutter jammed) print data and
 * non-real-time commands are parsed but dropped (a real printer buffers them until it recovers); real-time
 * commands are recognised between commands only, not inside another command's parameters.
 */

export type PaperState = 'ok' | 'near-end' | 'out';
export type SimAlign = 'left' | 'center' | 'right';

export interface SimLine {
  readonly text: string;
  readonly bold: boolean;
  /** Largest character width multiplier on the line (GS !). */
  readonly size: number;
  readonly align: SimAlign;
}

export interface SimReceipt {
  /** Rendered rows as the paper shows them (alignment as leading spaces, QR/bar codes as `[QR:…]` / `[CODE128:…]`). */
  readonly lines: string[];
  readonly styled: SimLine[];
  readonly qr: string[];
  readonly barcodes: string[];
  readonly cut: boolean;
}

export interface SimIdentity {
  readonly maker: string;
  readonly model: string;
  readonly firmware: string;
  readonly serial: string;
  readonly modelId: number;
  readonly versionId: number;
}

export interface EscposSimOptions {
  /** Characters per line in font A: 32 (58 mm) or 48 (80 mm). Defaults to 48. */
  readonly columns?: 32 | 48;
  /** Chinese (double-byte) mode after power-up and ESC @, as many Chinese-market printers do. Defaults to true. */
  readonly chineseByDefault?: boolean;
  /** What GS I answers; `null`: the printer ignores GS I (many clones). */
  readonly identity?: SimIdentity | null;
  /** Whether GS r 1 is answered. Defaults to true. */
  readonly answersGsR?: boolean;
}

export const DEFAULT_IDENTITY: SimIdentity = { maker: 'KIOSKSIM', model: 'SIM-T80', firmware: '1.07 ESC/POS', serial: 'SIM0001', modelId: 0x20, versionId: 0x07 };

export interface RecordedCommand { readonly name: string; readonly bytes: Buffer }

interface Segment { text: string; cells: number; bold: boolean; size: number }

class ReceiptBuilder {
  lines: string[] = [];
  styled: SimLine[] = [];
  qr: string[] = [];
  barcodes: string[] = [];
  get empty(): boolean { return this.lines.length === 0 && this.qr.length === 0 && this.barcodes.length === 0; }
  done(cut: boolean): SimReceipt { return { lines: [...this.lines], styled: [...this.styled], qr: [...this.qr], barcodes: [...this.barcodes], cut }; }
}

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const DLE = 0x10;

/** Needs `n` bytes from `buf`; returns undefined to ask for more. */
const need = (buf: Buffer, n: number): boolean => buf.length >= n;

/** Decodes CODE128 data in the printer's `{A`/`{B`/`{C` notation (GS k 73). */
export function decodeCode128Data(data: Buffer): string | undefined {
  if (data.length < 2 || data[0] !== 0x7b || ![0x41, 0x42, 0x43].includes(data[1]!)) return undefined;
  let set = data[1]!;
  let out = '';
  for (let i = 2; i < data.length; i++) {
    const c = data[i]!;
    if (c === 0x7b) {
      const d = data[++i];
      if (d === undefined) return undefined;
      if (d === 0x7b) out += '{';
      else if (d === 0x41 || d === 0x42 || d === 0x43) set = d;
      // {S shift and {1..{4 function characters carry no text.
      continue;
    }
    out += set === 0x43 ? String(c).padStart(2, '0') : String.fromCharCode(c);
  }
  return out;
}

export class EscposPrinterSim implements DeviceSide {
  private send: ((bytes: Buffer) => void) | undefined;
  private buf = Buffer.alloc(0);
  private readonly o: Required<Omit<EscposSimOptions, 'identity'>> & { identity: SimIdentity | null };

  // print modes
  private bold = false;
  private widthMul = 1;
  private align: SimAlign = 'left';
  private chinese: boolean;
  private line: Segment[] = [];
  private lineAlign: SimAlign = 'left';
  private qrData: string | undefined;
  private hri = 0;

  // faults and sensors
  private paper: PaperState = 'ok';
  private cover = false;
  private cutterJamNext = false;
  private cutterError = false;
  private silent = false;
  private dead = false;
  private garbled = false;
  private linesUntilOut: number | undefined;
  private linesUntilSilent: number | undefined;

  private readonly done: SimReceipt[] = [];
  private current = new ReceiptBuilder();
  private readonly unknown: RecordedCommand[] = [];
  private readonly log: RecordedCommand[] = [];
  private statusRequestCount = 0;
  private asbMask = 0;

  constructor(opts: EscposSimOptions = {}) {
    this.o = {
      columns: opts.columns ?? 48, chineseByDefault: opts.chineseByDefault ?? true,
      identity: opts.identity === undefined ? DEFAULT_IDENTITY : opts.identity, answersGsR: opts.answersGsR ?? true,
    };
    this.chinese = this.o.chineseByDefault;
  }

  // ── DeviceSide ──────────────────────────────────────────────────────────────────────────────────

  attach(send: ((bytes: Buffer) => void) | undefined): void { this.send = send; }

  receive(chunk: Buffer): void {
    if (this.dead) return;
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      const used = this.step(this.buf);
      if (used === 0) break;
      this.buf = this.buf.subarray(used);
    }
  }

  // ── what came out ───────────────────────────────────────────────────────────────────────────────

  /** Every receipt so far: the cut ones, then the one still on the printer (cut: false) if it has content. */
  receipts(): SimReceipt[] {
    return this.current.empty ? [...this.done] : [...this.done, this.current.done(false)];
  }

  lastReceiptText(): string {
    const all = this.receipts();
    return all.length ? all[all.length - 1]!.lines.join('\n') : '';
  }

  /** Commands the simulator did not know (recorded, skipped). */
  unknownCommands(): readonly RecordedCommand[] { return this.unknown; }
  /** Every command and text run, in order (names such as `ESC @`, `FS &`, `GS V`, `TEXT`). */
  commands(): readonly RecordedCommand[] { return this.log; }
  statusRequests(): number { return this.statusRequestCount; }
  chineseMode(): boolean { return this.chinese; }
  asb(): number { return this.asbMask; }

  // ── faults ──────────────────────────────────────────────────────────────────────────────────────

  setPaper(p: PaperState): void { this.paper = p; if (p !== 'out') this.linesUntilOut = undefined; }
  openCover(): void { this.cover = true; }
  closeCover(): void { this.cover = false; }
  /** The next cut fails: autocutter error until clearCutter(). */
  jamCutter(): void { this.cutterJamNext = true; }
  clearCutter(): void { this.cutterJamNext = false; this.cutterError = false; }
  /** Paper runs out after `n` more printed lines (mid-receipt). */
  runOutOfPaperAfterLines(n: number): void { this.linesUntilOut = n; }
  /** Never answers anything (prints on, as with a broken TX line). */
  setSilent(on: boolean): void { this.silent = on; }
  /** Stops answering after `n` more printed lines. */
  goSilentAfterLines(n: number): void { this.linesUntilSilent = n; }
  /** Status bytes without the fixed bits. */
  setGarbledReplies(on: boolean): void { this.garbled = on; }
  /** Powered off / cable pulled at the device: takes nothing, says nothing. */
  unplug(): void { this.dead = true; this.buf = Buffer.alloc(0); }
  replug(): void { this.dead = false; this.resetModes(); }

  private get offline(): boolean { return this.paper === 'out' || this.cover || this.cutterError; }

  // ── replies ─────────────────────────────────────────────────────────────────────────────────────

  private reply(bytes: number[]): void {
    if (this.silent || this.dead) return;
    this.send?.(Buffer.from(bytes));
  }

  private statusByte(n: number): number {
    if (this.garbled) return 0x00;
    const outPaper = this.paper === 'out';
    switch (n) {
      case 1: return 0x12 | (this.offline ? 0x08 : 0);
      case 2: return 0x12 | (this.cover ? 0x04 : 0) | (outPaper ? 0x20 : 0) | (this.cutterError ? 0x40 : 0);
      case 3: return 0x12 | (this.cutterError ? 0x08 : 0);
      default: return 0x12 | (this.paper !== 'ok' ? 0x0c : 0) | (outPaper ? 0x60 : 0);
    }
  }

  // ── parser ──────────────────────────────────────────────────────────────────────────────────────

  /** Parses one item at the start of `buf`; returns bytes used, 0 when more bytes are needed. */
  private step(buf: Buffer): number {
    if (buf.length === 0) return 0;
    const b0 = buf[0]!;
    if (b0 === DLE) return this.dle(buf);
    if (b0 === ESC) return this.esc(buf);
    if (b0 === GS) return this.gs(buf);
    if (b0 === FS) return this.fs(buf);
    if (b0 === 0x0a) { this.record('LF', buf.subarray(0, 1)); if (!this.offline) this.printLine(); return 1; }
    if (b0 === 0x0d) return 1;
    if (b0 < 0x20 || b0 === 0x7f) { this.unknownCmd(buf.subarray(0, 1)); return 1; }
    return this.text(buf);
  }

  private record(name: string, bytes: Buffer): void { this.log.push({ name, bytes: Buffer.from(bytes) }); }
  private unknownCmd(bytes: Buffer): void { this.unknown.push({ name: 'unknown', bytes: Buffer.from(bytes) }); this.record('unknown', bytes); }

  private dle(buf: Buffer): number {
    if (!need(buf, 2)) return 0;
    const b1 = buf[1]!;
    if (b1 === 0x04 || b1 === 0x05) {
      if (!need(buf, 3)) return 0;
      const n = buf[2]!;
      if (b1 === 0x04 && n >= 1 && n <= 4) {
        this.statusRequestCount++;
        this.record(`DLE EOT ${n}`, buf.subarray(0, 3));
        this.reply([this.statusByte(n)]);
      } else {
        this.unknownCmd(buf.subarray(0, 3));
      }
      return 3;
    }
    this.unknownCmd(buf.subarray(0, 2));
    return 2;
  }

  private esc(buf: Buffer): number {
    if (!need(buf, 2)) return 0;
    const c = buf[1]!;
    const one: Record<number, string> = { 0x45: 'ESC E', 0x61: 'ESC a', 0x64: 'ESC d', 0x21: 'ESC !', 0x2d: 'ESC -', 0x4d: 'ESC M', 0x74: 'ESC t', 0x52: 'ESC R', 0x7b: 'ESC {', 0x47: 'ESC G', 0x4a: 'ESC J', 0x33: 'ESC 3', 0x20: 'ESC SP' };
    if (c === 0x40) { this.record('ESC @', buf.subarray(0, 2)); if (!this.offline) this.resetModes(); return 2; }
    if (c === 0x32) { this.record('ESC 2', buf.subarray(0, 2)); return 2; }
    if (c === 0x70) { if (!need(buf, 5)) return 0; this.record('ESC p', buf.subarray(0, 5)); return 5; }
    const name = one[c];
    if (name === undefined) { this.unknownCmd(buf.subarray(0, 2)); return 2; }
    if (!need(buf, 3)) return 0;
    const n = buf[2]!;
    this.record(name, buf.subarray(0, 3));
    if (this.offline) return 3;
    if (c === 0x45) this.bold = (n & 1) === 1;
    else if (c === 0x61) this.align = n === 1 || n === 0x31 ? 'center' : n === 2 || n === 0x32 ? 'right' : 'left';
    else if (c === 0x64) this.feed(n);
    else if (c === 0x21) { this.bold = (n & 0x08) !== 0; this.widthMul = n & 0x20 ? 2 : 1; }
    return 3;
  }

  private gs(buf: Buffer): number {
    if (!need(buf, 2)) return 0;
    const c = buf[1]!;
    switch (c) {
      case 0x21: { // GS ! n
        if (!need(buf, 3)) return 0;
        this.record('GS !', buf.subarray(0, 3));
        if (!this.offline) this.widthMul = ((buf[2]! >> 4) & 0x07) + 1;
        return 3;
      }
      case 0x56: { // GS V m [n]
        if (!need(buf, 3)) return 0;
        const m = buf[2]!;
        const len = [65, 66, 97, 98, 103, 104].includes(m) ? 4 : 3;
        if (!need(buf, len)) return 0;
        this.record('GS V', buf.subarray(0, len));
        if (!this.offline) this.cut();
        return len;
      }
      case 0x68: case 0x77: case 0x48: case 0x66: case 0x61: case 0x72: case 0x49: case 0x42: {
        if (!need(buf, 3)) return 0;
        const n = buf[2]!;
        this.record(`GS ${String.fromCharCode(c)}`, buf.subarray(0, 3));
        if (c === 0x61) this.asbMask = n; // accepted even offline: a setting, not print data
        if (this.offline) return 3;
        if (c === 0x48) this.hri = n & 3;
        else if (c === 0x72) { if (this.o.answersGsR) this.reply([n === 1 || n === 0x31 ? this.paperSensorByte() : 0x00]); }
        else if (c === 0x49) this.answerId(n);
        return 3;
      }
      case 0x4c: case 0x57: { // GS L / GS W nL nH
        if (!need(buf, 4)) return 0;
        this.record(`GS ${String.fromCharCode(c)}`, buf.subarray(0, 4));
        return 4;
      }
      case 0x6b: return this.barcode(buf);
      case 0x28: { // GS ( fn pL pH …
        if (!need(buf, 5)) return 0;
        const len = 5 + buf[3]! + 256 * buf[4]!;
        if (!need(buf, len)) return 0;
        const body = buf.subarray(5, len);
        if (buf[2] === 0x6b) { this.record('GS ( k', buf.subarray(0, len)); if (!this.offline) this.qr(body); } else this.unknownCmd(buf.subarray(0, len));
        return len;
      }
      default:
        this.unknownCmd(buf.subarray(0, 2));
        return 2;
    }
  }

  private fs(buf: Buffer): number {
    if (!need(buf, 2)) return 0;
    const c = buf[1]!;
    if (c === 0x26) { this.record('FS &', buf.subarray(0, 2)); this.chinese = true; return 2; }
    if (c === 0x2e) { this.record('FS .', buf.subarray(0, 2)); this.chinese = false; return 2; }
    if (c === 0x21 || c === 0x2d || c === 0x43 || c === 0x57) { if (!need(buf, 3)) return 0; this.record(`FS ${String.fromCharCode(c)}`, buf.subarray(0, 3)); return 3; }
    this.unknownCmd(buf.subarray(0, 2));
    return 2;
  }

  /** A run of printable bytes up to the next control byte; in Chinese mode GB18030 sequences are 2 or 4 bytes. */
  private text(buf: Buffer): number {
    let i = 0;
    const cells: { ch: string; w: number }[] = [];
    while (i < buf.length) {
      const b = buf[i]!;
      if (b < 0x20 || b === 0x7f) break;
      if (b < 0x80) { cells.push({ ch: String.fromCharCode(b), w: 1 }); i++; continue; }
      if (!this.chinese) { cells.push({ ch: '\ufffd', w: 1 }); i++; continue; }
      if (b === 0x80 || b === 0xff) { cells.push({ ch: '\ufffd', w: 1 }); i++; continue; }
      if (i + 1 >= buf.length) break; // wait for the trail byte
      const t = buf[i + 1]!;
      const len = t >= 0x30 && t <= 0x39 ? 4 : 2;
      if (i + len > buf.length) break;
      cells.push({ ch: iconv.decode(buf.subarray(i, i + len), 'gb18030'), w: 2 });
      i += len;
    }
    if (i === 0) return 0;
    this.record('TEXT', buf.subarray(0, i));
    if (!this.offline) for (const c of cells) this.addChar(c.ch, c.w);
    return i;
  }

  private barcode(buf: Buffer): number {
    if (!need(buf, 3)) return 0;
    const m = buf[2]!;
    let data: Buffer;
    let len: number;
    if (m <= 6) {
      const end = buf.indexOf(0x00, 3);
      if (end < 0) return 0;
      data = buf.subarray(3, end);
      len = end + 1;
    } else {
      if (!need(buf, 4)) return 0;
      len = 4 + buf[3]!;
      if (!need(buf, len)) return 0;
      data = buf.subarray(4, len);
    }
    this.record(`GS k ${m}`, buf.subarray(0, len));
    if (this.offline) return len;
    const text = m === 73 ? decodeCode128Data(data) : data.toString('latin1');
    if (text === undefined) { this.unknownCmd(buf.subarray(0, len)); return len; }
    this.flushPartial();
    this.current.barcodes.push(text);
    this.emit({ text: `[${m === 73 ? 'CODE128' : `BARCODE${m}`}:${text}]`, bold: false, size: 1, align: this.align });
    return len;
  }

  private qr(body: Buffer): void {
    const cn = body[0];
    const fn = body[1];
    if (cn !== 0x31) return;
    if (fn === 0x50 && body[2] === 0x30) this.qrData = body.subarray(3).toString('utf8');
    else if (fn === 0x51 && this.qrData !== undefined) {
      this.flushPartial();
      this.current.qr.push(this.qrData);
      this.emit({ text: `[QR:${this.qrData}]`, bold: false, size: 1, align: this.align });
    }
  }

  private answerId(n: number): void {
    const id = this.o.identity;
    if (!id) return;
    const text: Record<number, string> = { 0x41: id.firmware, 0x42: id.maker, 0x43: id.model, 0x44: id.serial };
    if (n === 1 || n === 0x31) this.reply([id.modelId]);
    else if (n === 2 || n === 0x32) this.reply([0x02]);
    else if (n === 3 || n === 0x33) this.reply([id.versionId]);
    else if (text[n] !== undefined) this.reply([0x5f, ...Buffer.from(text[n]!, 'latin1'), 0x00]);
  }

  /** GS r 1 reply: bits 0/1 paper near end, bits 2/3 paper end. */
  private paperSensorByte(): number {
    return (this.paper !== 'ok' ? 0x03 : 0) | (this.paper === 'out' ? 0x0c : 0);
  }

  // ── rendering ───────────────────────────────────────────────────────────────────────────────────

  private resetModes(): void {
    this.bold = false;
    this.widthMul = 1;
    this.align = 'left';
    this.chinese = this.o.chineseByDefault;
    this.line = [];
    this.qrData = undefined;
  }

  private used(): number { return this.line.reduce((s, g) => s + g.cells, 0); }

  private addChar(ch: string, w: number): void {
    const cells = w * this.widthMul;
    if (this.line.length === 0) this.lineAlign = this.align;
    if (this.used() + cells > this.o.columns && this.line.length > 0) this.printLine(); // the printer wraps
    if (this.line.length === 0) this.lineAlign = this.align;
    this.line.push({ text: ch, cells, bold: this.bold, size: this.widthMul });
  }

  private flushPartial(): void { if (this.line.length > 0) this.printLine(); }

  private printLine(): void {
    const used = this.used();
    const align = this.line.length ? this.lineAlign : this.align;
    const body = this.line.map((g) => g.text).join('');
    const padBy = align === 'center' ? Math.floor((this.o.columns - used) / 2) : align === 'right' ? this.o.columns - used : 0;
    this.emit({
      text: ' '.repeat(Math.max(0, padBy)) + body,
      bold: this.line.some((g) => g.bold),
      size: this.line.reduce((m, g) => Math.max(m, g.size), 1),
      align,
    });
    this.line = [];
  }

  private feed(n: number): void {
    if (this.line.length > 0) { this.printLine(); n--; }
    for (let i = 0; i < n && !this.offline; i++) this.emit({ text: '', bold: false, size: 1, align: this.align });
  }

  /** One row leaves the printer; paper and power faults armed by line count fire here. */
  private emit(l: SimLine): void {
    if (this.offline) return;
    this.current.lines.push(l.text);
    this.current.styled.push(l);
    if (this.linesUntilOut !== undefined && --this.linesUntilOut <= 0) { this.linesUntilOut = undefined; this.paper = 'out'; }
    if (this.linesUntilSilent !== undefined && --this.linesUntilSilent <= 0) { this.linesUntilSilent = undefined; this.silent = true; }
  }

  private cut(): void {
    this.flushPartial();
    if (this.cutterJamNext) { this.cutterJamNext = false; this.cutterError = true; return; }
    this.done.push(this.current.done(true));
    this.current = new ReceiptBuilder();
  }

  /** Exposes the HRI setting for tests (GS H). */
  hriPosition(): number { return this.hri; }
}
