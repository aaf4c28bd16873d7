import type { DeviceSide } from '../serial/device-side.js';

/**
 * An Arduino Uno's optiboot as the host's serial line sees it (STK500v1): a 32 KiB flash of 0xFF,
 * 128-byte pages, signature 1E 95 0F. Written from the STK500 command table, independently of
 * src/cli/flash. Faults for tests: `silent` (no bootloader), `stuckBit` (one flash byte that always
 * reads back wrong).
 */
export interface Stk500SimOptions {
  readonly signature?: readonly [number, number, number];
  readonly flashBytes?: number;
  readonly silent?: boolean;
  /** Byte address whose stored value is XORed with 0x01 (a bad flash cell). */
  readonly stuckBit?: number;
}

const INSYNC = 0x14;
const OK = 0x10;
const NOSYNC = 0x15;
const EOP = 0x20;

/** Bytes each command carries before its CRC_EOP (PROG_PAGE / READ_PAGE: a header then the data). */
const FIXED: Readonly<Record<number, number>> = { 0x30: 0, 0x50: 0, 0x51: 0, 0x55: 2, 0x75: 0, 0x41: 1, 0x42: 20, 0x45: 5 };

export class Stk500BootloaderSim implements DeviceSide {
  readonly flash: Uint8Array;
  readonly commands: number[] = [];
  private send: ((b: Buffer) => void) | undefined;
  private rx: number[] = [];
  private wordAddress = 0;
  private progMode = false;

  constructor(private readonly o: Stk500SimOptions = {}) {
    this.flash = new Uint8Array(o.flashBytes ?? 32 * 1024).fill(0xff);
  }

  attach(send: ((bytes: Buffer) => void) | undefined): void { this.send = send; this.rx = []; }

  receive(chunk: Buffer): void {
    if (this.o.silent) return;
    this.rx.push(...chunk);
    for (;;) {
      const need = this.length();
      if (need === undefined || this.rx.length < need) return;
      const msg = this.rx.splice(0, need);
      this.handle(msg);
    }
  }

  /** Whole length of the command at the head of rx, including CRC_EOP; undefined while unknown. */
  private length(): number | undefined {
    const cmd = this.rx[0];
    if (cmd === undefined) return undefined;
    if (cmd === 0x64 || cmd === 0x74) {
      if (this.rx.length < 4) return undefined;
      const size = (this.rx[1]! << 8) | this.rx[2]!;
      return cmd === 0x64 ? 4 + size + 1 : 5;
    }
    return (FIXED[cmd] ?? 0) + 2;
  }

  private reply(bytes: readonly number[]): void { this.send?.(Buffer.from([INSYNC, ...bytes, OK])); }

  private handle(msg: number[]): void {
    const cmd = msg[0]!;
    this.commands.push(cmd);
    if (msg[msg.length - 1] !== EOP) { this.send?.(Buffer.of(NOSYNC)); return; }
    const byteAddr = this.wordAddress * 2;
    switch (cmd) {
      case 0x30: case 0x42: case 0x45: this.reply([]); return;
      case 0x41: this.reply([0x03]); return;
      case 0x50: this.progMode = true; this.reply([]); return;
      case 0x51: this.progMode = false; this.reply([]); return;
      case 0x75: this.reply([...(this.o.signature ?? [0x1e, 0x95, 0x0f])]); return;
      case 0x55: this.wordAddress = msg[1]! | (msg[2]! << 8); this.reply([]); return;
      case 0x64: {
        const size = (msg[1]! << 8) | msg[2]!;
        if (!this.progMode || byteAddr + size > this.flash.length) { this.send?.(Buffer.of(NOSYNC)); return; }
        this.flash.set(msg.slice(4, 4 + size), byteAddr);
        if (this.o.stuckBit !== undefined && this.o.stuckBit >= byteAddr && this.o.stuckBit < byteAddr + size) this.flash[this.o.stuckBit]! ^= 0x01;
        this.reply([]);
        return;
      }
      case 0x74: {
        const size = (msg[1]! << 8) | msg[2]!;
        this.reply([...this.flash.subarray(byteAddr, byteAddr + size)]);
        return;
      }
      default: this.send?.(Buffer.of(NOSYNC));
    }
  }
}
