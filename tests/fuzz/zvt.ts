import { isKioskError, type ErrorCode } from '../../src/errors/index.js';
import {
  ApduStreamDecoder, SerialFrameDecoder, decodeMessage, encodeApdu, encodeSerialFrame, parseApdu, type Apdu,
} from '../../src/drivers/zvt/index.js';
import { prng } from './prng.js';

/** Codes the codec may throw on hostile input. Anything else (TypeError, RangeError, INTERNAL…) escaped. */
const ALLOWED: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['KIOSK_E_FRAME_CRC', 'KIOSK_E_FRAME_LENGTH', 'KIOSK_E_FRAME_SYNTAX', 'KIOSK_E_DEVICE_PROTOCOL']);

/** mulberry32: small, fast, deterministic from the seed. */

type Int = (n: number) => number;

const bcdBytes = (int: Int, n: number): number[] => Array.from({ length: n }, () => (int(10) << 4) | int(10));
const ll = (n: number, digits: number): number[] => String(n).padStart(digits, '0').split('').map((d) => 0xf0 | Number(d));
const text = (int: Int, n: number): number[] => Array.from({ length: n }, () => (int(5) === 0 ? 0x30 + int(10) : 0x20 + int(95)));

function tlvObj(tag: number[], value: number[]): number[] {
  const l = value.length;
  return [...tag, ...(l < 128 ? [l] : l < 256 ? [0x81, l] : [0x82, l >> 8, l & 0xff]), ...value];
}

function tlvContainer(int: Int): number[] {
  const objs: number[] = [];
  for (let i = 0, n = 1 + int(4); i < n; i++) {
    const k = int(6);
    if (k === 0) objs.push(...tlvObj([0x5a], bcdBytes(int, 8)));
    else if (k === 1) objs.push(...tlvObj([0x24], tlvObj([0x07], text(int, int(40)))));
    else if (k === 2) objs.push(...tlvObj([0x1f, 0x07], [int(3)]));
    else if (k === 3) objs.push(...tlvObj([0x41], [0, int(256)]));
    else if (k === 4) objs.push(...tlvObj([0x9f, 0x6b], bcdBytes(int, 10)));
    else objs.push(...tlvObj([0x25], [...tlvObj([0x07], text(int, int(30))), ...tlvObj([0x07], text(int, int(30)))]));
  }
  const l = objs.length;
  return [0x06, ...(l < 128 ? [l] : l < 256 ? [0x81, l] : [0x82, l >> 8, l & 0xff]), ...objs];
}

/** A BMP list a terminal could send in a status information (card data included). */
function bmps(int: Int): number[] {
  const out: number[] = [0x27, int(3) === 0 ? int(256) : 0];
  const pick = (): number[] => {
    switch (int(14)) {
      case 0: return [0x04, ...bcdBytes(int, 6)];
      case 1: return [0x0b, ...bcdBytes(int, 3)];
      case 2: return [0x87, ...bcdBytes(int, 2)];
      case 3: return [0x0c, ...bcdBytes(int, 3), 0x0d, ...bcdBytes(int, 2)];
      case 4: return [0x29, ...bcdBytes(int, 4), 0x49, 0x01, 0x56];
      case 5: { const p = bcdBytes(int, 8 + int(3)); return [0x22, ...ll(p.length, 2), ...p]; }
      case 6: { const p = bcdBytes(int, 12); return [0x23, ...ll(p.length, 2), ...p]; }
      case 7: { const p = bcdBytes(int, 20); return [0x24, ...ll(p.length, 3), ...p]; }
      case 8: return [0x0e, ...bcdBytes(int, 2), 0x8a, int(256)];
      case 9: { const s = text(int, int(30)); return [0x8b, ...ll(s.length, 2), ...s]; }
      case 10: { const s = text(int, int(200)); return [0x3c, ...ll(s.length, 3), ...s]; }
      case 11: return tlvContainer(int);
      case 12: return [0x3b, ...text(int, 8), 0x19, int(256)];
      default: return [0x37, ...bcdBytes(int, 3), 0x88, ...bcdBytes(int, 3)];
    }
  };
  for (let i = 0, n = int(8); i < n; i++) out.push(...pick());
  return out;
}

/** A well-formed PT → ECR APDU. */
function validApdu(rnd: () => number, int: Int): Uint8Array {
  const p = rnd();
  if (p < 0.4) return encodeApdu(0x04, 0x0f, bmps(int));
  if (p < 0.55) return encodeApdu(0x04, 0xff, int(2) ? [int(256), int(256)] : [0xff, 0x00, ...tlvContainer(int)]);
  if (p < 0.65) return encodeApdu(0x06, 0xd1, [int(256), ...text(int, int(60))]);
  if (p < 0.75) return encodeApdu(0x06, 0xd3, tlvContainer(int));
  if (p < 0.83) return encodeApdu(0x06, 0x0f, int(2) ? [] : [0x19, int(256), 0x29, ...bcdBytes(int, 4)]);
  if (p < 0.9) return encodeApdu(0x06, 0x1e, [int(256)]);
  if (p < 0.95) return int(2) ? encodeApdu(0x80, 0x00) : Uint8Array.of(0x84, int(256), 0x00);
  return encodeApdu(0x06, 0xd1, [0, ...text(int, 255 + int(400))]); // long APDU (FF lo hi)
}

function corruptFrame(rnd: () => number, int: Int): Uint8Array {
  const base = encodeSerialFrame(validApdu(rnd, int));
  switch (int(6)) {
    case 0: { const c = Uint8Array.from(base); const i = 2 + int(c.length - 2); c[i] = c[i]! ^ (1 + int(255)); return c; }
    case 1: return base.subarray(0, 1 + int(base.length - 1));
    case 2: return Uint8Array.from({ length: 1 + int(40) }, () => (rnd() < 0.2 ? 0x10 : int(256)));
    case 3: { // valid framing and CRC, but the APDU's length field lies
      const a = Uint8Array.from(validApdu(rnd, int));
      if (a[2] !== 0xff) a[2] = (a[2]! + 1 + int(20)) & 0xfe;
      return encodeSerialFrame(a);
    }
    case 4: return encodeSerialFrame(Uint8Array.from([0x04, 0x0f, ...(() => { const d = Array.from({ length: int(60) }, () => int(256)); return [d.length, ...d]; })()]));
    default: return Uint8Array.from([0x10, 0x02, ...base.subarray(2, 2 + int(base.length - 2)), 0x10, 0x10 + 1 + int(200)]);
  }
}

/**
 * Fuzzes the ZVT codec: serial frames (60 % valid, so they reach APDU, BMP and TLV decoding) fed to the
 * frame decoder in random chunks, and the valid APDUs also as a TCP stream. A hang is a blown step budget.
 */
export function fuzzZvt(opts: { frames: number; seed: number }): { frames: number; decoded: number; escapedErrors: number; hangs: number } {
  const rnd = prng(opts.seed);
  const int: Int = (n) => Math.floor(rnd() * n);
  const serial = new SerialFrameDecoder();
  const tcp = new ApduStreamDecoder();
  let decoded = 0;
  let escapedErrors = 0;
  let hangs = 0;
  const consume = (a: Apdu): boolean => {
    try { decodeMessage(a); return true; } catch (err) {
      if (!(isKioskError(err) && ALLOWED.has(err.code))) escapedErrors++;
      return false;
    }
  };
  const feedSerial = (chunk: Uint8Array): void => {
    const before = serial.steps;
    let items;
    try { items = serial.push(chunk); } catch { escapedErrors++; return; }
    if (serial.steps - before > chunk.length) hangs++;
    for (const it of items) {
      if (it.type === 'error') { if (!ALLOWED.has(it.error.code)) escapedErrors++; continue; }
      if (it.type !== 'frame') continue;
      let a: Apdu;
      try { a = parseApdu(it.apdu); } catch (err) { if (!(isKioskError(err) && ALLOWED.has(err.code))) escapedErrors++; continue; }
      if (consume(a)) decoded++;
    }
  };
  const feedTcp = (chunk: Uint8Array): void => {
    const before = tcp.steps;
    let got;
    try { got = tcp.push(chunk); } catch { escapedErrors++; return; }
    if (tcp.steps - before > chunk.length + 2) hangs++;
    for (const a of got) consume(a);
  };
  let sq: number[] = [];
  let tq: number[] = [];
  for (let n = 0; n < opts.frames; n++) {
    const valid = rnd() < 0.6;
    if (valid) {
      const a = validApdu(rnd, int);
      sq.push(...encodeSerialFrame(a));
      if (int(2)) tq.push(...a);
    } else {
      sq.push(...corruptFrame(rnd, int));
    }
    const last = n === opts.frames - 1;
    while (sq.length > 64 || (last && sq.length > 0)) { const k = Math.min(sq.length, 1 + int(64)); feedSerial(Uint8Array.from(sq.slice(0, k))); sq = sq.slice(k); }
    while (tq.length > 64 || (last && tq.length > 0)) { const k = Math.min(tq.length, 1 + int(64)); feedTcp(Uint8Array.from(tq.slice(0, k))); tq = tq.slice(k); }
  }
  if (tcp.buffered !== 0) hangs++; // valid APDUs only: the TCP decoder must end empty
  return { frames: opts.frames, decoded, escapedErrors, hangs };
}
