import { KioskError } from '../../errors/index.js';
import { MAX_APDU_DATA } from './apdu.js';
import { crcZvt } from './crc.js';

export const DLE = 0x10;
export const STX = 0x02;
export const ETX = 0x03;
export const ACK = 0x06;
export const NAK = 0x15;

/** Longest unstuffed APDU a frame may carry (long header + maximum data). */
export const MAX_FRAME_APDU = 5 + MAX_APDU_DATA;

/** DLE STX, the APDU with every DLE doubled, DLE ETX, CRC low byte then high byte. */
export function encodeSerialFrame(apdu: Uint8Array): Uint8Array {
  const out: number[] = [DLE, STX];
  for (const b of apdu) { out.push(b); if (b === DLE) out.push(DLE); }
  out.push(DLE, ETX);
  const withEtx = new Uint8Array(apdu.length + 1);
  withEtx.set(apdu, 0);
  withEtx[apdu.length] = ETX;
  const crc = crcZvt(withEtx);
  out.push(crc & 0xff, crc >> 8);
  return Uint8Array.from(out);
}

export type SerialItem =
  | { readonly type: 'frame'; readonly apdu: Uint8Array }
  | { readonly type: 'ack' }
  | { readonly type: 'nak' }
  | { readonly type: 'error'; readonly error: KioskError };

type State = 'idle' | 'idle-dle' | 'data' | 'data-dle' | 'crc1' | 'crc2';

/**
 * Byte-at-a-time receiver for the serial transport: frames, and the single ACK/NAK bytes that answer our
 * own frames. Errors never carry payload bytes (they may be card data).
 */
export class SerialFrameDecoder {
  private state: State = 'idle';
  private data: number[] = [];
  private crcLo = 0;
  /** Byte steps so far: a fuzz harness bounds these to detect hangs. */
  steps = 0;

  get buffered(): number { return this.data.length; }

  push(chunk: Uint8Array): SerialItem[] {
    const out: SerialItem[] = [];
    for (const b of chunk) {
      this.steps++;
      this.step(b, out);
    }
    return out;
  }

  reset(): void { this.state = 'idle'; this.data = []; }

  private fail(out: SerialItem[], code: 'KIOSK_E_FRAME_CRC' | 'KIOSK_E_FRAME_SYNTAX' | 'KIOSK_E_FRAME_LENGTH', message: string): void {
    out.push({ type: 'error', error: new KioskError(code, message, { retryable: true }) });
    this.reset();
  }

  private step(b: number, out: SerialItem[]): void {
    switch (this.state) {
      case 'idle':
        if (b === ACK) out.push({ type: 'ack' });
        else if (b === NAK) out.push({ type: 'nak' });
        else if (b === DLE) this.state = 'idle-dle';
        // anything else between frames is line noise: skipped
        return;
      case 'idle-dle':
        if (b === STX) { this.state = 'data'; this.data = []; } else this.state = b === DLE ? 'idle-dle' : 'idle';
        return;
      case 'data':
        if (b === DLE) { this.state = 'data-dle'; return; }
        this.push1(b, out);
        return;
      case 'data-dle':
        if (b === DLE) { this.state = 'data'; this.push1(DLE, out); return; }
        if (b === ETX) { this.state = 'crc1'; return; }
        if (b === STX) { // a new frame starts inside the old one: the old one is lost
          this.fail(out, 'KIOSK_E_FRAME_SYNTAX', 'frame restarted before its end');
          this.state = 'data';
          return;
        }
        this.fail(out, 'KIOSK_E_FRAME_SYNTAX', 'unpaired DLE inside a frame');
        return;
      case 'crc1':
        this.crcLo = b;
        this.state = 'crc2';
        return;
      case 'crc2': {
        const apdu = Uint8Array.from(this.data);
        const withEtx = new Uint8Array(apdu.length + 1);
        withEtx.set(apdu, 0);
        withEtx[apdu.length] = ETX;
        const ok = crcZvt(withEtx) === (this.crcLo | (b << 8));
        this.reset();
        if (!ok) out.push({ type: 'error', error: new KioskError('KIOSK_E_FRAME_CRC', 'ZVT frame CRC mismatch', { retryable: true }) });
        else out.push({ type: 'frame', apdu });
        return;
      }
    }
  }

  private push1(b: number, out: SerialItem[]): void {
    if (this.data.length >= MAX_FRAME_APDU) { this.fail(out, 'KIOSK_E_FRAME_LENGTH', 'frame longer than any APDU'); return; }
    this.data.push(b);
  }
}
