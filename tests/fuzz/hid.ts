import { isKioskError, type ErrorCode } from '../../src/errors/index.js';
import { ScanFramer, type ScanDecoder, type ScanResult, type ScanSuffix } from '../../src/drivers/serial-scanner/index.js';
import { HidPosDecoder, KeyboardDecoder } from '../../src/drivers/hid-scanner/index.js';
import { encodeHidPosReports, encodeKeystrokes } from '../sim/scanner/index.js';
import { prng, type FuzzResult } from './prng.js';


/** Rejections the scanner decoders may report; anything else (or a throw) escaped. */
const ALLOWED: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['KIOSK_E_FRAME_SYNTAX', 'KIOSK_E_FRAME_LENGTH']);
const MAX = 512;

/** mulberry32: small, fast, deterministic from the seed. */

const AIMS = [']C1', ']C0', ']E0', ']I0', ']Q1', ']Q3', ']d2', ']X0'];
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)).join('');

/** A scan result is only acceptable when it could reach the FSM safely: bounded, no control bytes but GS. */
function check(r: ScanResult, maxLength: number): boolean {
  if (r.error) return isKioskError(r.error) && ALLOWED.has(r.error.code) && (r.reason === 'oversize' || r.reason === 'garbage' || r.reason === 'malformed');
  const { data, symbology } = r.scan;
  if (typeof data !== 'string' || data.length === 0 || Buffer.byteLength(data, 'utf8') > maxLength) return false;
  if (/[\x00-\x1c\x1e-\x1f\x7f]/.test(data)) return false;
  return symbology === undefined || /^\][A-Za-z][0-9A-Za-z]$/.test(symbology);
}

class Harness<I extends { length: number }> {
  decoded = 0;
  escapedErrors = 0;
  hangs = 0;
  constructor(private readonly decoder: ScanDecoder<I>, private readonly maxLength: number) {}

  push(input: I): void { this.run(input.length, () => this.decoder.push(input)); }
  flush(): void { this.run(0, () => this.decoder.flush()); }

  private run(len: number, fn: () => ScanResult[]): void {
    const before = this.decoder.steps;
    let results: ScanResult[];
    try { results = fn(); } catch { this.escapedErrors++; return; }
    if (this.decoder.steps - before > 4 * (len + 1) + 16) this.hangs++;
    for (const r of results) {
      if (!check(r, this.maxLength)) this.escapedErrors++;
      else if (r.scan) this.decoded++;
    }
  }
}

/**
 * Fuzzes the HID POS and boot-keyboard decoders. A frame is one unit fed to one decoder: 60 % a valid
 * read (all its reports, from the simulators' encoders), 40 % one corrupt report (random bytes, wrong
 * id or length, lying count, stray continuation, mutated valid report, phantom keys).
 */
export function fuzzHid(opts: { frames: number; seed: number }): FuzzResult {
  const rnd = prng(opts.seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pos = new Harness<Uint8Array>(new HidPosDecoder({ maxLength: MAX }), MAX);
  const kbd = new Harness<Uint8Array>(new KeyboardDecoder({ maxLength: MAX }), MAX);
  const text = (n: number, gs: boolean): string => Array.from({ length: n }, () => (gs && rnd() < 0.03 ? '\x1d' : PRINTABLE[int(PRINTABLE.length)]!)).join('');
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => int(256));

  for (let n = 0; n < opts.frames; n++) {
    const valid = rnd() < 0.6;
    if (rnd() < 0.5) {
      const layout = rnd() < 0.7 ? 'honeywell' : 'compact';
      if (valid) {
        const len = rnd() < 0.9 ? 1 + int(120) : 1 + int(700);
        const data = rnd() < 0.1 ? Buffer.from(`缴费${text(len, false)}`, 'utf8') : Buffer.from(text(len, true), 'latin1');
        for (const r of encodeHidPosReports(data, rnd() < 0.9 ? AIMS[int(AIMS.length)] : undefined, { layout })) pos.push(r);
        continue;
      }
      const kind = int(6);
      const base = encodeHidPosReports(bytes(1 + int(80)), AIMS[int(AIMS.length)], { layout })[0]!;
      if (kind === 0) pos.push(bytes(int(80)));
      else if (kind === 1) { base[0] = int(256); pos.push(base); }
      else if (kind === 2) { base[1] = 57 + int(199); pos.push(base); }
      else if (kind === 3) { base[base.length - 1] = 1; pos.push(base); }
      else if (kind === 4) { base[int(base.length)] = int(256); pos.push(base); }
      else pos.push(base.subarray(0, int(base.length)));
      if (rnd() < 0.5) pos.flush();
    } else {
      if (valid) {
        const aim = rnd() < 0.5 ? AIMS[int(AIMS.length)]! : '';
        for (const r of encodeKeystrokes(aim + text(1 + int(rnd() < 0.95 ? 60 : 600), true))) kbd.push(r);
        continue;
      }
      const kind = int(5);
      if (kind === 0) kbd.push(bytes(int(12)));
      else if (kind === 1) kbd.push(Uint8Array.from([int(256), int(256), ...bytes(6)]));
      else if (kind === 2) kbd.push(Uint8Array.from([0, 0, 1, 1, 1, 1, 1, 1]));
      else if (kind === 3) kbd.push(Uint8Array.from([int(256), 0, 0x28, 0x28, int(256), 0, 0, 0]));
      else kbd.push(Uint8Array.from([0, 0, 0x04 + int(0x60), 0, 0, 0, 0, 0]));
      if (rnd() < 0.5) kbd.flush();
    }
  }
  return {
    frames: opts.frames,
    decoded: pos.decoded + kbd.decoded,
    escapedErrors: pos.escapedErrors + kbd.escapedErrors,
    hangs: pos.hangs + kbd.hangs,
  };
}

const SUFFIX: Readonly<Record<ScanSuffix, readonly number[]>> = { cr: [0x0d], lf: [0x0a], crlf: [0x0d, 0x0a] };

/**
 * Fuzzes the serial framing: one stream per suffix, each frame a read (60 % valid: AIM + text + suffix)
 * or a corrupt one (binary junk, oversize run, missing or doubled suffix), fed in random chunks with
 * occasional inter-character timeouts.
 */
export function fuzzSerialScanner(opts: { frames: number; seed: number }): FuzzResult {
  const rnd = prng(opts.seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const suffixes: ScanSuffix[] = ['cr', 'lf', 'crlf'];
  const lanes = suffixes.map((suffix) => ({ suffix, h: new Harness<Uint8Array>(new ScanFramer({ suffix, maxLength: MAX }), MAX), queue: [] as number[] }));
  const drain = (lane: (typeof lanes)[number], all: boolean): void => {
    while (lane.queue.length > 64 || (all && lane.queue.length > 0)) {
      const size = Math.min(lane.queue.length, 1 + int(64));
      lane.h.push(Uint8Array.from(lane.queue.splice(0, size)));
    }
  };
  for (let n = 0; n < opts.frames; n++) {
    const lane = lanes[int(lanes.length)]!;
    const sfx = SUFFIX[lane.suffix];
    if (rnd() < 0.6) {
      const aim = rnd() < 0.7 ? AIMS[int(AIMS.length)]! : '';
      const body = Array.from({ length: 1 + int(rnd() < 0.95 ? 80 : 500) }, () => (rnd() < 0.03 ? 0x1d : 0x20 + int(95)));
      lane.queue.push(...Buffer.from(aim, 'latin1'), ...body, ...sfx);
    } else {
      const kind = int(5);
      if (kind === 0) lane.queue.push(...Array.from({ length: 1 + int(40) }, () => int(256)), ...sfx);
      else if (kind === 1) lane.queue.push(...Array.from({ length: MAX + 1 + int(4000) }, () => 0x30 + int(10)), ...sfx);
      else if (kind === 2) { lane.queue.push(...Array.from({ length: 1 + int(30) }, () => 0x30 + int(10))); drain(lane, true); lane.h.flush(); }
      else if (kind === 3) lane.queue.push(0x0d, 0x0a, 0x0d, 0x0d, 0x0a, 0x0a);
      else lane.queue.push(...Array.from({ length: 1 + int(20) }, () => int(256)));
    }
    drain(lane, false);
  }
  for (const lane of lanes) { drain(lane, true); lane.h.flush(); }
  const sum = (k: 'decoded' | 'escapedErrors' | 'hangs'): number => lanes.reduce((a, l) => a + l.h[k], 0);
  return { frames: opts.frames, decoded: sum('decoded'), escapedErrors: sum('escapedErrors'), hangs: sum('hangs') };
}

export type { FuzzResult };
