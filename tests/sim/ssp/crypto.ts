import { createCipheriv, createDecipheriv } from 'node:crypto';
import { crc16 } from './wire.js';

/** Device side of eSSP (PROTOCOLS.md §1.10), independent of src/drivers. */

export function powMod(b: bigint, e: bigint, m: bigint): bigint {
  let result = 1n;
  let base = ((b % m) + m) % m;
  for (let x = e; x > 0n; x /= 2n) {
    if (x % 2n === 1n) result = (result * base) % m;
    base = (base * base) % m;
  }
  return m === 1n ? 0n : result;
}

/** Miller–Rabin with the first twelve primes as bases: exact for every 64-bit number. */
export function probablyPrime(n: bigint): boolean {
  const small = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n];
  if (n < 2n) return false;
  if (small.includes(n)) return true;
  if (small.some((p) => n % p === 0n)) return false;
  let d = n - 1n;
  let r = 0;
  while (d % 2n === 0n) { d /= 2n; r++; }
  return small.every((a) => {
    let x = powMod(a, d, n);
    if (x === 1n || x === n - 1n) return true;
    for (let i = 0; i < r - 1; i++) { x = (x * x) % n; if (x === n - 1n) return true; }
    return false;
  });
}

export function le64(bytes: Buffer, at = 0): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i] ?? 0);
  return v;
}

export function toLe64(v: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; i < 8; i++) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  return out;
}

export function aesKey(fixed: bigint, negotiated: bigint): Buffer {
  return Buffer.from([...toLe64(fixed), ...toLe64(negotiated)]);
}

/** `7E` + AES-128-ECB(eLEN eCOUNT eDATA packing eCRC). */
export function seal(key: Buffer, count: number, data: ArrayLike<number>, random: (n: number) => Buffer): Buffer {
  const inner = [data.length, count & 0xff, (count >>> 8) & 0xff, (count >>> 16) & 0xff, (count >>> 24) & 0xff];
  for (let i = 0; i < data.length; i++) inner.push(data[i]!);
  while ((inner.length + 2) % 16 !== 0) inner.push(0);
  const padFrom = 5 + data.length;
  const pad = random(inner.length - padFrom);
  for (let i = padFrom; i < inner.length; i++) inner[i] = pad[i - padFrom]!;
  const c = crc16(inner);
  inner.push(c & 0xff, c >> 8);
  const cipher = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  return Buffer.concat([Buffer.from([0x7e]), cipher.update(Buffer.from(inner)), cipher.final()]);
}

/** Returns undefined when the packet is not a well-formed eSSP packet under this key. */
export function open(key: Buffer, data: Buffer): { count: number; data: Buffer } | undefined {
  if (data[0] !== 0x7e || (data.length - 1) % 16 !== 0 || data.length < 17) return undefined;
  const d = createDecipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  const p = Buffer.concat([d.update(data.subarray(1)), d.final()]);
  if (crc16(p.subarray(0, p.length - 2)) !== p.readUInt16LE(p.length - 2)) return undefined;
  const len = p[0]!;
  if (len + 7 > p.length) return undefined;
  return { count: p.readUInt32LE(1), data: p.subarray(5, 5 + len) };
}
