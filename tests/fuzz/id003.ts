import { isKioskError, type ErrorCode } from '../../src/errors/index.js';
import {
  Id003Decoder, STATUS, buildDenominationTable, decodeAscii, decodeCurrencyAssign, decodeStatus, encodeFrame,
  isStatusCode, parseVersion, type Id003Frame,
} from '../../src/drivers/id003/index.js';
import { prng } from './prng.js';

/** Codes the codec may throw on hostile input: framing and protocol-level refusals. Anything else escaped. */
const ALLOWED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'KIOSK_E_FRAME_CRC', 'KIOSK_E_FRAME_LENGTH', 'KIOSK_E_FRAME_SYNTAX', 'KIOSK_E_DEVICE_PROTOCOL', 'KIOSK_E_DEVICE_CURRENCY',
]);

/** mulberry32: small, fast, deterministic from the seed. */

const STATUS_CODES = Object.values(STATUS);

/** Content that reaches the status and data decoders (and sometimes breaks their rules). */
function validFrame(rnd: () => number, int: (n: number) => number): Uint8Array {
  const pick = rnd();
  const bytes = (n: number): number[] => Array.from({ length: n }, () => int(256));
  if (pick < 0.55) {
    const code = STATUS_CODES[int(STATUS_CODES.length)]!;
    const withData = code === STATUS.ESCROW || code === STATUS.REJECTING || code === STATUS.FAILURE ? rnd() < 0.9 : rnd() < 0.1;
    const data = withData ? [code === STATUS.ESCROW ? 0x61 + int(8) : code === STATUS.REJECTING ? 0x71 + int(15) : 0xa0 + int(20)] : [];
    return encodeFrame(code, rnd() < 0.05 ? [...data, ...bytes(int(4))] : data);
  }
  if (pick < 0.7) {
    // currency assign: mostly whole 4-byte rows in CNY, sometimes ragged or foreign
    const rows = int(9);
    const data: number[] = [];
    for (let i = 0; i < rows; i++) data.push(0x5f + int(10), rnd() < 0.85 ? 0x2d : int(256), int(256), int(6));
    if (rnd() < 0.15) data.push(...bytes(1 + int(3)));
    return encodeFrame(0x8a, data);
  }
  if (pick < 0.8) return encodeFrame(rnd() < 0.5 ? 0x88 : 0x89, bytes(int(40)));
  const len = rnd() < 0.9 ? int(8) : int(251);
  return encodeFrame(int(256), bytes(len));
}

function corruptFrame(rnd: () => number, int: (n: number) => number): Uint8Array {
  const base = validFrame(rnd, int);
  const kind = int(5);
  if (kind === 0) { // flipped byte (CRC failure or worse)
    const c = Uint8Array.from(base);
    const i = 1 + int(c.length - 1);
    c[i] = c[i]! ^ (1 + int(255));
    return c;
  }
  if (kind === 1) return Uint8Array.from([0xfc, int(5), ...base.subarray(2)]); // LNG below minimum
  if (kind === 2) return base.subarray(0, 1 + int(base.length - 1)); // truncated
  if (kind === 3) return Uint8Array.from({ length: 1 + int(40) }, () => (rnd() < 0.2 ? 0xfc : int(256))); // line noise
  return Uint8Array.from([0xfc, 5 + int(251), ...base.subarray(2)]); // LNG lies
}

/** Decodes what a driver would decode from one frame; throws whatever the codec throws. */
function consume(frame: Id003Frame): void {
  if (isStatusCode(frame.cmd)) { decodeStatus(frame); return; }
  if (frame.cmd === 0x8a) { buildDenominationTable(decodeCurrencyAssign(frame.data), 'CNY'); return; }
  if (frame.cmd === 0x88 || frame.cmd === 0x89) { parseVersion(decodeAscii(frame.data)); return; }
  decodeStatus(frame); // anything else would be an unknown status to the driver
}

/**
 * Fuzzes the ID-003 codec: at least half the frames are valid (framing and CRC) so they reach status and
 * data decoding; the rest are corrupt. The byte stream is fed in random chunk sizes. A hang is a blown
 * step budget, counted from the decoder's iterations, not a timer.
 */
export function fuzzId003(opts: { frames: number; seed: number }): { frames: number; decoded: number; escapedErrors: number; hangs: number } {
  const rnd = prng(opts.seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const decoder = new Id003Decoder();
  let decoded = 0;
  let escapedErrors = 0;
  let hangs = 0;
  let queue: number[] = [];

  const feed = (chunk: Uint8Array): void => {
    const before = decoder.steps;
    const budget = 4 * (decoder.buffered + chunk.length) + 16;
    let results;
    try {
      results = decoder.push(chunk);
    } catch (err) {
      if (isKioskError(err, 'KIOSK_E_INTERNAL') && err.details['reason'] === 'step-budget') hangs++;
      else escapedErrors++;
      return;
    }
    if (decoder.steps - before > budget) hangs++;
    for (const r of results) {
      if (r.error) { if (!ALLOWED.has(r.error.code)) escapedErrors++; continue; }
      decoded++;
      try { consume(r.frame); } catch (err) { if (!(isKioskError(err) && ALLOWED.has(err.code))) escapedErrors++; }
    }
  };

  for (let n = 0; n < opts.frames; n++) {
    const frame = rnd() < 0.6 ? validFrame(rnd, int) : corruptFrame(rnd, int);
    for (const b of frame) queue.push(b);
    while (queue.length > 64 || (n === opts.frames - 1 && queue.length > 0)) {
      const size = Math.min(queue.length, 1 + int(64));
      feed(Uint8Array.from(queue.slice(0, size)));
      queue = queue.slice(size);
    }
  }
  return { frames: opts.frames, decoded, escapedErrors, hangs };
}
