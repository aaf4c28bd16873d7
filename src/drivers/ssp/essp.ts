import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KioskError } from '../../errors/index.js';
import { STEX } from './constants.js';
import { sspCrc16 } from './crc.js';

/** eSSP (PROTOCOLS.md §1.10): 64-bit Diffie–Hellman key negotiation and AES-128-ECB packets. */

export type RandomSource = (bytes: number) => Buffer;
export const DEFAULT_FIXED_KEY = 0x0123456701234567n;

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  if (mod === 1n) return 0n;
  let r = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return r;
}

const WITNESSES = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n];

/** Deterministic Miller–Rabin for n < 2^64 (these witnesses suffice below 3.3·10^24). */
export function isPrime64(n: bigint): boolean {
  if (n < 2n) return false;
  for (const p of WITNESSES) { if (n === p) return true; if (n % p === 0n) return false; }
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) { d >>= 1n; s++; }
  outer: for (const a of WITNESSES) {
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let i = 1; i < s; i++) {
      x = (x * x) % n;
      if (x === n - 1n) continue outer;
    }
    return false;
  }
  return true;
}

function randomBits(rng: RandomSource, bits: number): bigint {
  const b = rng(8);
  const v = b.readBigUInt64LE(0) & ((1n << BigInt(bits)) - 1n);
  return v | (1n << BigInt(bits - 1));
}

function randomPrime(rng: RandomSource, bits: number): bigint {
  for (;;) {
    const c = randomBits(rng, bits) | 1n;
    if (isPrime64(c)) return c;
  }
}

export interface HostKeyExchange {
  readonly generator: bigint;
  readonly modulus: bigint;
  readonly hostRandom: bigint;
  readonly hostInter: bigint;
}

/** Host side of the negotiation; GA973 wants the generator larger than the modulus. */
export function startKeyExchange(rng: RandomSource = randomBytes): HostKeyExchange {
  const modulus = randomPrime(rng, 62);
  const generator = randomPrime(rng, 63);
  const hostRandom = (randomBits(rng, 62) % (modulus - 2n)) + 1n;
  return { generator, modulus, hostRandom, hostInter: modPow(generator, hostRandom, modulus) };
}

export function finishKeyExchange(kx: HostKeyExchange, slaveInter: bigint): bigint {
  return modPow(slaveInter, kx.hostRandom, kx.modulus);
}

/** AES key = fixed key (8 bytes LE) ‖ negotiated key (8 bytes LE). A Buffer fixed key is taken as wire bytes. */
export function esspKey(fixed: bigint | Buffer, negotiated: bigint): Buffer {
  const key = Buffer.alloc(16);
  if (typeof fixed === 'bigint') key.writeBigUInt64LE(BigInt.asUintN(64, fixed), 0);
  else {
    if (fixed.length !== 8) throw new KioskError('KIOSK_E_INTERNAL', 'eSSP fixed key must be 8 bytes');
    fixed.copy(key, 0);
  }
  key.writeBigUInt64LE(BigInt.asUintN(64, negotiated), 8);
  return key;
}

/** Wraps command/reply DATA: `7E | AES(eLEN eCOUNT(4 LE) eDATA packing eCRC)`. */
export function encryptPacket(key: Buffer, count: number, data: Uint8Array, rng: RandomSource = randomBytes): Buffer {
  const plainLen = 1 + 4 + data.length + 2;
  const total = Math.ceil(plainLen / 16) * 16;
  if (data.length > 255 || 1 + total > 255) throw new KioskError('KIOSK_E_FRAME_LENGTH', 'eSSP payload too long');
  const p = Buffer.alloc(total);
  p[0] = data.length;
  p.writeUInt32LE(count >>> 0, 1);
  p.set(data, 5);
  const pad = total - plainLen;
  if (pad > 0) rng(pad).copy(p, 5 + data.length);
  const crc = sspCrc16(p, 0, total - 2);
  p[total - 2] = crc & 0xff;
  p[total - 1] = crc >> 8;
  const c = createCipheriv('aes-128-ecb', key, null);
  c.setAutoPadding(false);
  return Buffer.concat([Buffer.of(STEX), c.update(p), c.final()]);
}

export interface DecryptedPacket {
  readonly count: number;
  readonly data: Buffer;
}

/** Unwraps an encrypted DATA field. Throws KioskError FRAME_SYNTAX / FRAME_LENGTH / FRAME_CRC. */
export function decryptPacket(key: Buffer, data: Uint8Array): DecryptedPacket {
  if (data[0] !== STEX) throw new KioskError('KIOSK_E_FRAME_SYNTAX', 'eSSP packet without STEX', { retryable: true });
  const body = data.subarray(1);
  if (body.length < 16 || body.length % 16 !== 0) throw new KioskError('KIOSK_E_FRAME_LENGTH', `eSSP body of ${body.length} bytes`, { retryable: true });
  const d = createDecipheriv('aes-128-ecb', key, null);
  d.setAutoPadding(false);
  const p = Buffer.concat([d.update(body), d.final()]);
  // CRC over everything including the CRC itself is zero for an intact packet.
  if (sspCrc16(p, 0, p.length - 2) !== (p[p.length - 2]! | (p[p.length - 1]! << 8))) {
    throw new KioskError('KIOSK_E_FRAME_CRC', 'eSSP CRC mismatch (wrong key or corrupt)', { retryable: true });
  }
  const len = p[0]!;
  if (5 + len + 2 > p.length) throw new KioskError('KIOSK_E_FRAME_LENGTH', 'eSSP eLENGTH beyond packet', { retryable: true });
  return { count: p.readUInt32LE(1), data: Buffer.from(p.subarray(5, 5 + len)) };
}
