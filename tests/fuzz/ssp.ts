/**
 * SSP codec fuzzer: random and mutated frames fed to the incremental decoder in random chunk sizes, and
 * every decoded frame pushed through the reply, poll-event, SETUP and eSSP decoders.
 * - escapedErrors: a throw from an API that returns error values (FrameDecoder.push, parsePollReply), or
 *   a throw from a parser that is not a KioskError with a frame/protocol code;
 * - hangs: the decoder exceeded its step budget (one loop iteration per input byte).
 */
import { isKioskError } from '../../src/errors/index.js';
import {
  FrameDecoder, SSP_EVENTS, decodeReply, decryptPacket, encodeFrame, encryptPacket, esspKey, parseAscii, parseCounters,
  parseKeyReply, parsePollReply, parseRejectCode, parseSerial, parseSetup,
} from '../../src/drivers/ssp/index.js';
import { prng, type FuzzResult } from './prng.js';



const EVENT_CODES = [...SSP_EVENTS.keys()];
const OK_CODES = new Set(['KIOSK_E_FRAME_CRC', 'KIOSK_E_FRAME_LENGTH', 'KIOSK_E_FRAME_SYNTAX', 'KIOSK_E_DEVICE_PROTOCOL']);
const KEY = esspKey(0x0123456701234567n, 0x1234n);

export function fuzzSsp(opts: { frames: number; seed: number }): FuzzResult {
  const rnd = prng(opts.seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const bytes = (n: number): Buffer => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = int(256); return b; };
  const result: FuzzResult = { frames: 0, decoded: 0, escapedErrors: 0, hangs: 0 };
  const decoder = new FrameDecoder();

  const pollData = (): Buffer => {
    const out = [int(8) === 0 ? 0xf1 : 0xf0];
    const n = int(8);
    for (let i = 0; i < n; i++) {
      const code = int(20) === 0 ? int(256) : EVENT_CODES[int(EVENT_CODES.length)]!;
      out.push(code);
      if (SSP_EVENTS.get(code)?.data === 1 && int(30) !== 0) out.push(int(256));
    }
    return Buffer.from(out);
  };
  const setupData = (): Buffer => {
    const n = 1 + int(20);
    const pv = int(10);
    const len = 16 + 2 * n + (pv >= 6 ? 7 * n : 0) - (int(4) === 0 ? int(10) : 0);
    const b = bytes(Math.max(1, len + 1));
    b[0] = 0xf0; b[12] = n; b[16 + 2 * n] = pv;
    return b.subarray(0, Math.min(255, b.length));
  };
  const payload = (): Buffer => {
    switch (int(6)) {
      case 0: case 1: return pollData();
      case 2: return setupData();
      case 3: return encryptPacket(KEY, int(1000), pollData(), (n) => bytes(n));
      case 4: return Buffer.concat([Buffer.of(0x7e), bytes(16 * (1 + int(4)))]);
      default: return bytes(1 + int(40));
    }
  };
  const frame = (): Buffer => {
    const good = encodeFrame(int(256), payload());
    if (int(10) < 6) return good; // ≥ half: valid framing and CRC, so they reach the payload decoders
    const b = Buffer.from(good);
    switch (int(5)) {
      case 0: { const at = int(b.length); b[at] = b[at]! ^ (1 << int(8)); return b; }
      case 1: return b.subarray(0, int(b.length));
      case 2: { const at = 1 + int(b.length - 1); return Buffer.concat([b.subarray(0, at), Buffer.of(0x7f), b.subarray(at)]); }
      case 3: return bytes(int(64));
      default: { b[2] = int(256); return b; }
    }
  };

  const guard = (fn: () => unknown): void => {
    try { fn(); } catch (e) { if (!(isKioskError(e) && OK_CODES.has(e.code))) result.escapedErrors++; }
  };
  const mustNotThrow = <T>(fn: () => T): T | undefined => {
    try { return fn(); } catch { result.escapedErrors++; return undefined; }
  };

  const examine = (data: Buffer): void => {
    result.decoded++;
    const reply = mustNotThrow(() => decodeReply(data));
    const poll = mustNotThrow(() => parsePollReply(data));
    if (poll && poll.error && !OK_CODES.has(poll.error.code)) result.escapedErrors++;
    if (!reply) return;
    guard(() => parseSetup(reply.payload));
    guard(() => parseSerial(reply.payload));
    guard(() => parseCounters(reply.payload));
    guard(() => parseKeyReply(reply.payload));
    guard(() => parseRejectCode(reply.payload));
    guard(() => parseAscii(reply.payload));
    if (data[0] === 0x7e) guard(() => { const p = decryptPacket(KEY, data); mustNotThrow(() => parsePollReply(p.data)); });
  };

  let pending = Buffer.alloc(0);
  const feed = (flushAll: boolean): void => {
    while (pending.length > 0 && (flushAll || pending.length > 64)) {
      const size = Math.min(pending.length, 1 + int(64));
      const chunk = pending.subarray(0, size);
      pending = pending.subarray(size);
      const before = decoder.steps;
      const items = mustNotThrow(() => decoder.push(chunk)) ?? [];
      if (decoder.steps - before > chunk.length) result.hangs++;
      for (const it of items) if (it.kind === 'frame') examine(it.frame.data);
        else if (!OK_CODES.has(it.error.code)) result.escapedErrors++;
    }
  };

  for (let i = 0; i < opts.frames; i++) {
    pending = Buffer.concat([pending, frame()]);
    result.frames++;
    feed(false);
  }
  feed(true);
  return result;
}

export type { FuzzResult };
