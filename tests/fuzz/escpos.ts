/**
 * ESC/POS status fuzzer: reply sequences for random request mixes (DLE EOT 1..4, GS r, GS I byte and
 * text) fed to the ReplyReader in random chunk sizes, plus every status byte/ASB block through the pure
 * decoders and the DeviceStatus mapping. At least half the frames are valid replies.
 * - escapedErrors: a throw from ReplyReader.push or conditionStatus; an error that is not a KioskError
 *   KIOSK_E_DEVICE_PROTOCOL from the decoders; and a valid reply sequence decoded differently from what
 *   was sent (a misread status is as bad as a crash);
 * - hangs: the reader took more steps than bytes, or a complete valid reply left it still waiting (the
 *   driver would sit until its timeout).
 */
import { isKioskError } from '../../src/errors/index.js';
import {
  ReplyReader, conditionStatus, decodeAsb, decodeStatusByte, decodeStatusReplies, type Expectation, type ReplyItem,
  type StatusRequest,
} from '../../src/drivers/escpos/index.js';
import { prng, type FuzzResult } from './prng.js';



const STATES = new Set(['online', 'offline', 'busy', 'degraded', 'error', 'fraud']);

export function fuzzEscposStatus(opts: { frames: number; seed: number }): FuzzResult {
  const rnd = prng(opts.seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const result: FuzzResult = { frames: 0, decoded: 0, escapedErrors: 0, hangs: 0 };
  const reader = new ReplyReader();

  const statusByte = (): number => 0x12 | (int(256) & 0x6c);
  const printable = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(0x20 + int(95))).join('').trim();

  /** A request mix and the exact reply bytes a correct printer sends for it, with what they must decode to. */
  const validFrame = (): { expects: Expectation[]; bytes: number[]; want: string[] } => {
    const expects: Expectation[] = [];
    const bytes: number[] = [];
    const want: string[] = [];
    const parts = 1 + int(3);
    for (let p = 0; p < parts; p++) {
      switch (int(4)) {
        case 0: case 1: {
          const replies = [statusByte(), statusByte(), statusByte(), statusByte()] as const;
          for (let n = 1; n <= 4; n++) {
            expects.push({ kind: 'status', n: n as StatusRequest });
            bytes.push(replies[n - 1]!);
            want.push(`status${n}:${JSON.stringify(decodeStatusByte(n as StatusRequest, replies[n - 1]!))}`);
          }
          break;
        }
        case 2: { const b = int(256); expects.push(int(2) ? { kind: 'sync' } : { kind: 'id-byte' }); bytes.push(b); want.push(`byte:${b}`); break; }
        default: {
          const text = printable(int(40));
          expects.push({ kind: 'id-text' });
          bytes.push(0x5f, ...Buffer.from(text, 'latin1'), 0x00);
          want.push(`text:${text}`);
        }
      }
    }
    return { expects, bytes, want };
  };

  const render = (it: ReplyItem): string | undefined => {
    switch (it.kind) {
      case 'status': return `status${it.n}:${JSON.stringify(it.flags)}`;
      case 'sync': case 'id-byte': return `byte:${it.byte}`;
      case 'id-text': return `text:${it.text}`;
      default: return undefined;
    }
  };

  const feed = (bytes: readonly number[]): ReplyItem[] | undefined => {
    const items: ReplyItem[] = [];
    let i = 0;
    while (i < bytes.length) {
      const size = 1 + int(8);
      const chunk = Uint8Array.from(bytes.slice(i, i + size));
      i += size;
      const before = reader.steps;
      try { items.push(...reader.push(chunk)); } catch { result.escapedErrors++; return undefined; }
      if (reader.steps - before > chunk.length) result.hangs++;
    }
    return items;
  };

  const guardDecode = (fn: () => unknown): void => {
    try {
      const c = fn();
      if (c && typeof c === 'object' && 'offline' in c) {
        const s = conditionStatus(c as Parameters<typeof conditionStatus>[0]);
        if (!STATES.has(s.state) || !s.reason) result.escapedErrors++;
      }
    } catch (e) {
      if (!isKioskError(e, 'KIOSK_E_DEVICE_PROTOCOL')) result.escapedErrors++;
    }
  };

  for (let f = 0; f < opts.frames; f++) {
    result.frames++;
    reader.cancel(); // as the driver does before each request
    const valid = int(10) < 6;
    const frame = validFrame();
    let bytes = frame.bytes;
    if (!valid) {
      switch (int(4)) {
        case 0: bytes = Array.from({ length: int(24) }, () => int(256)); break;
        case 1: bytes = bytes.slice(0, int(bytes.length)); break;
        case 2: { bytes = [...bytes]; const at = int(bytes.length); bytes[at] = bytes[at]! ^ (1 << int(8)); break; }
        default: bytes = [...bytes, ...Array.from({ length: 1 + int(6) }, () => int(256))];
      }
    }
    reader.expect(...frame.expects);
    const items = feed(bytes);
    if (!items) continue;
    for (const it of items) {
      if (it.kind === 'invalid' && !isKioskError(it.error, 'KIOSK_E_DEVICE_PROTOCOL')) result.escapedErrors++;
      if (render(it) !== undefined) result.decoded++;
    }
    if (valid) {
      const got = items.map(render).filter((s): s is string => s !== undefined);
      if (got.length !== frame.want.length || got.some((g, i) => g !== frame.want[i])) result.escapedErrors++;
      if (reader.waiting !== 0 || items.some((i) => i.kind === 'invalid' || i.kind === 'unsolicited')) result.hangs++;
    }

    // The pure decoders on their own: valid and random status bytes and ASB blocks.
    const b = valid ? statusByte() : int(256);
    guardDecode(() => decodeStatusByte((1 + int(4)) as StatusRequest, b));
    guardDecode(() => decodeStatusReplies([valid ? statusByte() : int(256), statusByte(), statusByte(), b]));
    const asb = Uint8Array.from([valid ? 0x10 | (int(256) & 0x6c) : int(256), int(256), int(256), int(256)]);
    guardDecode(() => decodeAsb(int(20) === 0 ? asb.subarray(0, int(4)) : asb));
  }
  return result;
}

export type { FuzzResult };
