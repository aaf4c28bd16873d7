/** `kioskctl flash io-board FILE.hex --port PORT`: programs the Arduino I/O board and verifies it. */
import { readFileSync, statSync } from 'node:fs';
import { SerialPort, SerialPortMock } from 'serialport';
import { toKioskError } from '../../errors/index.js';
import { parseIntelHex, type FlashImage } from '../flash/intel-hex.js';
import { flashStk500, type BootloaderLink, type FlashProgress } from '../flash/stk500.js';
import { EXIT, errnoResult, fail, type CommandResult } from '../output.js';

export interface FlashArgs {
  readonly file: string;
  readonly port: string;
  readonly baudRate?: number;
  readonly verify?: boolean;
  readonly binding?: 'real' | 'mock';
  /** `bar`: one redrawn line (a terminal); `lines`: a line per quarter; none: silent (--json). */
  readonly progress?: 'bar' | 'lines';
  /** Bootloader reply timeout per command (default 1000 ms). */
  readonly replyTimeoutMs?: number;
  readonly write?: (s: string) => void;
}

/** `[##########----------]  50% write 128/256 pages` */
export function progressBar(p: FlashProgress, width = 30): string {
  const frac = p.total === 0 ? 1 : p.done / p.total;
  const fill = Math.round(frac * width);
  return `[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${String(Math.round(frac * 100)).padStart(3)}% ${p.phase === 'write' ? 'writing  ' : 'verifying'} ${p.done}/${p.total} pages`;
}

type AnyPort = SerialPort | SerialPortMock;

async function openBootloaderLink(path: string, baudRate: number, binding: 'real' | 'mock'): Promise<{ link: BootloaderLink; close: () => Promise<void> }> {
  const opts = { path, baudRate, autoOpen: false } as const;
  const port: AnyPort = binding === 'mock' ? new SerialPortMock(opts) : new SerialPort({ ...opts, lock: true });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  port.on('error', () => { /* reported through the pending command's timeout */ });
  const set = (v: { dtr: boolean; rts: boolean }): Promise<void> => new Promise((resolve) => port.set(v, () => resolve()));
  const link: BootloaderLink = {
    write: (data) => new Promise((resolve, reject) => {
      port.write(Buffer.from(data), (err) => { if (err) reject(err); else port.drain((e) => (e ? reject(e) : resolve())); });
    }),
    onData: (fn) => { port.on('data', fn); return () => { port.off('data', fn); }; },
    // Auto-reset: DTR low then high pulses the board's RESET through its capacitor; optiboot then
    // listens for about a second. PTYs refuse the ioctl; that is harmless (the board was reset by hand).
    reset: async () => {
      await set({ dtr: false, rts: false });
      await new Promise((r) => setTimeout(r, 100));
      await set({ dtr: true, rts: true });
      await new Promise((r) => setTimeout(r, 50));
    },
  };
  return { link, close: () => new Promise<void>((resolve) => { if (port.isOpen) port.close(() => resolve()); else resolve(); }) };
}

/** Exit 0 written and verified; 65 not Intel HEX / does not fit; 66 no file or port; 69 no bootloader; 74 verify failed. */
export async function flashIoBoard(a: FlashArgs): Promise<CommandResult> {
  let text: string;
  try {
    if (statSync(a.file).size > 4 * 1024 * 1024) return fail(EXIT.dataErr, 'KIOSK_E_FIRMWARE_INVALID', `${a.file} is far too large to be AVR firmware`);
    text = readFileSync(a.file, 'latin1');
  } catch (err) {
    return errnoResult(err, a.file);
  }
  let image: FlashImage;
  try { image = parseIntelHex(text); } catch (err) {
    const e = toKioskError(err);
    return fail(EXIT.dataErr, e.code, `${a.file}: ${e.message} (expected the .hex file the Arduino IDE exports, not .bin or .elf)`);
  }
  const binding = a.binding ?? 'real';
  let opened;
  try {
    if (binding === 'real') statSync(a.port);
    opened = await openBootloaderLink(a.port, a.baudRate ?? 115200, binding);
  } catch (err) {
    const msg = (err as Error).message;
    if ((err as NodeJS.ErrnoException).code || /no such file/i.test(msg)) return errnoResult(err, a.port);
    if (/does not exist/i.test(msg)) return fail(EXIT.noInput, 'not-found', `${a.port}: no such port`);
    if (/lock/i.test(msg)) return fail(EXIT.tempFail, 'busy', `${a.port} is in use (systemctl stop kioskd first)`);
    return fail(EXIT.unavailable, 'cannot-open', `cannot open ${a.port}: ${msg}`);
  }
  const write = a.write ?? ((s: string) => process.stderr.write(s));
  let lastQuarter = -1;
  const onProgress = (p: FlashProgress): void => {
    if (a.progress === 'bar') write(`\r${progressBar(p)}${p.done === p.total ? '\n' : ''}`);
    else if (a.progress === 'lines') {
      const q = Math.floor((p.done / p.total) * 4) + (p.phase === 'verify' ? 10 : 0);
      if (q !== lastQuarter) { lastQuarter = q; write(`${progressBar(p)}\n`); }
    }
  };
  try {
    const r = await flashStk500({ link: opened.link, image, verify: a.verify ?? true, onProgress, ...(a.replyTimeoutMs ? { replyTimeoutMs: a.replyTimeoutMs } : {}) });
    if ((a.verify ?? true) && !r.verified) {
      return fail(EXIT.ioErr, 'verify-failed', `verification FAILED at 0x${(r.mismatchAt ?? 0).toString(16)}: the board does not hold the firmware; flash again, then replace the board if it fails twice`, { ...r });
    }
    return {
      code: EXIT.ok,
      text: `${r.mcu}: ${r.bytes} bytes in ${r.pages} pages written${r.verified ? ' and verified' : ' (not verified: --no-verify)'}`,
      json: r,
    };
  } catch (err) {
    const e = toKioskError(err);
    if (e.code === 'KIOSK_E_FIRMWARE_INVALID') return fail(EXIT.dataErr, e.code, e.message);
    return fail(EXIT.unavailable, e.code, e.message);
  } finally {
    await opened.close();
  }
}
