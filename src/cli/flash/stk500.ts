/**
 * STK500v1 as the Arduino bootloaders (optiboot on the Uno/Nano) speak it: GET_SYNC, READ_SIGN,
 * ENTER_PROGMODE, LOAD_ADDRESS (word address) + PROG_PAGE per page, READ_PAGE to verify, LEAVE_PROGMODE.
 * Every command ends with CRC_EOP (0x20); every answer is INSYNC (0x14) … OK (0x10).
 */
import { KioskError } from '../../errors/index.js';
import type { FlashImage } from './intel-hex.js';

export const STK = {
  OK: 0x10, INSYNC: 0x14, CRC_EOP: 0x20,
  GET_SYNC: 0x30, ENTER_PROGMODE: 0x50, LEAVE_PROGMODE: 0x51, LOAD_ADDRESS: 0x55,
  PROG_PAGE: 0x64, READ_PAGE: 0x74, READ_SIGN: 0x75,
} as const;

/** What flashing needs of the serial line; `reset` pulses DTR/RTS (the Arduino's auto-reset). */
export interface BootloaderLink {
  write(data: Uint8Array): Promise<void>;
  onData(listener: (chunk: Buffer) => void): () => void;
  reset(): Promise<void>;
}

export interface McuInfo { readonly name: string; readonly pageSize: number; readonly flashBytes: number; readonly bootloaderBytes: number }

/** Parts the STK500v1 bootloaders run on (signature → geometry). */
export const MCUS: Readonly<Record<string, McuInfo>> = {
  '1e950f': { name: 'ATmega328P', pageSize: 128, flashBytes: 32 * 1024, bootloaderBytes: 512 },
  '1e9514': { name: 'ATmega328', pageSize: 128, flashBytes: 32 * 1024, bootloaderBytes: 512 },
  '1e9406': { name: 'ATmega168', pageSize: 128, flashBytes: 16 * 1024, bootloaderBytes: 512 },
};

export interface FlashProgress { readonly phase: 'write' | 'verify'; readonly done: number; readonly total: number }

export interface FlashOptions {
  readonly link: BootloaderLink;
  readonly image: FlashImage;
  readonly verify?: boolean;
  readonly onProgress?: (p: FlashProgress) => void;
  readonly replyTimeoutMs?: number;
  readonly syncAttempts?: number;
}

export interface FlashResult {
  readonly mcu: string;
  readonly bytes: number;
  readonly pages: number;
  readonly verified: boolean;
  /** First byte address whose read-back differs (verification failed). */
  readonly mismatchAt?: number;
}

/** Serialises request/response exchanges on the link; each answer is collected to an exact length. */
class Stk500Session {
  private buf: number[] = [];
  private waiter: (() => void) | undefined;
  private readonly off: () => void;

  constructor(private readonly link: BootloaderLink, private readonly timeoutMs: number) {
    this.off = link.onData((chunk) => { this.buf.push(...chunk); this.waiter?.(); });
  }

  close(): void { this.off(); }
  drain(): void { this.buf = []; }

  /** Sends `cmd … CRC_EOP`, expects INSYNC, `n` payload bytes, OK. */
  async command(bytes: readonly number[], n = 0, what = 'command'): Promise<Uint8Array> {
    await this.link.write(Uint8Array.from([...bytes, STK.CRC_EOP]));
    const need = n + 2;
    const deadline = Date.now() + this.timeoutMs;
    while (this.buf.length < need) {
      const left = deadline - Date.now();
      if (left <= 0) throw new KioskError('KIOSK_E_DEVICE_TIMEOUT', `bootloader did not answer ${what}`, { retryable: true });
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { this.waiter = undefined; resolve(); }, left);
        this.waiter = () => { clearTimeout(t); this.waiter = undefined; resolve(); };
      });
    }
    const reply = this.buf.splice(0, need);
    if (reply[0] !== STK.INSYNC || reply[need - 1] !== STK.OK) {
      this.buf = [];
      throw new KioskError('KIOSK_E_DEVICE_PROTOCOL', `bootloader answered ${what} out of sync`, { retryable: true });
    }
    return Uint8Array.from(reply.slice(1, 1 + n));
  }
}

/** Finds the bootloader (reset, then GET_SYNC a few times), identifies the chip. */
async function connect(s: Stk500Session, link: BootloaderLink, attempts: number): Promise<McuInfo & { signature: string }> {
  await link.reset();
  let synced = false;
  for (let i = 0; i < attempts && !synced; i++) {
    try { s.drain(); await s.command([STK.GET_SYNC], 0, 'GET_SYNC'); synced = true; } catch { /* bootloader still starting */ }
  }
  if (!synced) {
    throw new KioskError('KIOSK_E_DEVICE_TIMEOUT', 'no STK500 bootloader answered: check the port, the board type (Uno/Nano, 115200; old Nano 57600) and that the board resets when the port opens', { retryable: true });
  }
  const sig = await s.command([STK.READ_SIGN], 3, 'READ_SIGN');
  const signature = Array.from(sig, (b) => b.toString(16).padStart(2, '0')).join('');
  const mcu = MCUS[signature];
  if (!mcu) throw new KioskError('KIOSK_E_DEVICE_PROTOCOL', `unsupported chip signature ${signature} (STK500v1 boards: ATmega328P/168)`, { details: { signature } });
  return { ...mcu, signature };
}

const loadAddress = (s: Stk500Session, byteAddr: number): Promise<Uint8Array> => {
  const word = byteAddr >> 1;
  return s.command([STK.LOAD_ADDRESS, word & 0xff, (word >> 8) & 0xff], 0, 'LOAD_ADDRESS');
};

/** Programs the image page by page and (by default) reads every page back. */
export async function flashStk500(o: FlashOptions): Promise<FlashResult> {
  const s = new Stk500Session(o.link, o.replyTimeoutMs ?? 1000);
  try {
    const mcu = await connect(s, o.link, o.syncAttempts ?? 10);
    const { start, data } = o.image;
    const limit = mcu.flashBytes - mcu.bootloaderBytes;
    if (start % mcu.pageSize !== 0 || start + data.length > limit) {
      throw new KioskError('KIOSK_E_FIRMWARE_INVALID', `firmware spans 0x${start.toString(16)}..0x${(start + data.length).toString(16)}; the ${mcu.name} application area is 0x0..0x${limit.toString(16)}`);
    }
    const pages = Math.ceil(data.length / mcu.pageSize);
    const padded = new Uint8Array(pages * mcu.pageSize).fill(0xff);
    padded.set(data);
    await s.command([STK.ENTER_PROGMODE], 0, 'ENTER_PROGMODE');
    for (let p = 0; p < pages; p++) {
      const chunk = padded.subarray(p * mcu.pageSize, (p + 1) * mcu.pageSize);
      await loadAddress(s, start + p * mcu.pageSize);
      await s.command([STK.PROG_PAGE, chunk.length >> 8, chunk.length & 0xff, 0x46, ...chunk], 0, 'PROG_PAGE');
      o.onProgress?.({ phase: 'write', done: p + 1, total: pages });
    }
    let mismatchAt: number | undefined;
    if (o.verify ?? true) {
      for (let p = 0; p < pages && mismatchAt === undefined; p++) {
        await loadAddress(s, start + p * mcu.pageSize);
        const back = await s.command([STK.READ_PAGE, mcu.pageSize >> 8, mcu.pageSize & 0xff, 0x46], mcu.pageSize, 'READ_PAGE');
        for (let i = 0; i < mcu.pageSize; i++) {
          if (back[i] !== padded[p * mcu.pageSize + i]) { mismatchAt = start + p * mcu.pageSize + i; break; }
        }
        o.onProgress?.({ phase: 'verify', done: p + 1, total: pages });
      }
    }
    await s.command([STK.LEAVE_PROGMODE], 0, 'LEAVE_PROGMODE');
    return { mcu: mcu.name, bytes: data.length, pages, verified: (o.verify ?? true) && mismatchAt === undefined, ...(mismatchAt !== undefined ? { mismatchAt } : {}) };
  } finally {
    s.close();
  }
}
