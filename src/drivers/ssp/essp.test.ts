import { describe, it, expect } from 'vitest';
import * as c from './commands.js';
import { decryptPacket, encryptPacket, esspKey, finishKeyExchange, isPrime64, modPow, startKeyExchange } from './essp.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
let seed = 1;
const rng = (n: number): Buffer => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) { seed = (seed * 1103515245 + 12345) >>> 0; b[i] = seed >>> 24; } return b; };

describe('eSSP (§1.10)', () => {
  it('encodes the GA973 key exchange commands, 8 bytes little-endian', () => {
    expect(Buffer.from(c.setGenerator(0x7b059425n))).toEqual(hex('4A 25 94 05 7B 00 00 00 00'));
    expect(Buffer.from(c.setModulus(0x068bfb6bn))).toEqual(hex('4B 6B FB 8B 06 00 00 00 00'));
    expect(Buffer.from(c.requestKeyExchange(0x0470aa6cn))).toEqual(hex('4C 6C AA 70 04 00 00 00 00'));
  });

  it('builds the key as fixed key LE ‖ negotiated key LE (default fixed key 67 45 23 01 …)', () => {
    expect(esspKey(0x0123456701234567n, 0x0102030405060708n)).toEqual(hex('6745230167452301 0807060504030201'));
    expect(esspKey(hex('6745230167452301'), 1n)).toEqual(hex('6745230167452301 0100000000000000'));
  });

  it('agrees on a key by Diffie-Hellman with 64-bit primes', () => {
    const kx = startKeyExchange(rng);
    expect(isPrime64(kx.generator) && isPrime64(kx.modulus)).toBe(true);
    expect(kx.generator > kx.modulus).toBe(true);
    const slaveRnd = 123456789n;
    const slaveInter = modPow(kx.generator, slaveRnd, kx.modulus);
    expect(finishKeyExchange(kx, slaveInter)).toBe(modPow(kx.hostInter, slaveRnd, kx.modulus));
  });

  it('primality test is exact on known values', () => {
    expect(isPrime64(0x7b059425n) && isPrime64(0x068bfb6bn)).toBe(true); // GA973's generator and modulus
    expect(isPrime64(18446744073709551557n)).toBe(true); // largest 64-bit prime
    expect(isPrime64(3215031751n)).toBe(false); // strong pseudoprime to bases 2,3,5,7
  });

  it('packs to a multiple of 16 with STEX, LE count and a CRC, and round-trips', () => {
    const key = esspKey(0x0123456701234567n, 42n);
    const pkt = encryptPacket(key, 7, Uint8Array.of(0x07), rng);
    expect(pkt[0]).toBe(0x7e);
    expect(pkt.length).toBe(17);
    const big = encryptPacket(key, 1, new Uint8Array(12).fill(1), rng);
    expect(big.length).toBe(33); // 1+4+12+2 = 19 → 32
    expect(decryptPacket(key, pkt)).toEqual({ count: 7, data: Buffer.of(0x07) });
  });

  it('a wrong key or a damaged packet is a typed error', () => {
    const pkt = encryptPacket(esspKey(1n, 2n), 0, Uint8Array.of(0x07), rng);
    expect(() => decryptPacket(esspKey(1n, 3n), pkt)).toThrow(expect.objectContaining({ code: 'KIOSK_E_FRAME_CRC' }));
    expect(() => decryptPacket(esspKey(1n, 2n), pkt.subarray(0, 10))).toThrow(expect.objectContaining({ code: 'KIOSK_E_FRAME_LENGTH' }));
    expect(() => decryptPacket(esspKey(1n, 2n), Buffer.of(0x07))).toThrow(expect.objectContaining({ code: 'KIOSK_E_FRAME_SYNTAX' }));
  });
});
