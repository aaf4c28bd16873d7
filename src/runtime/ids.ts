import { randomBytes, randomUUID } from 'node:crypto';

// Crockford base32: no I, L, O, U — a customer reads the id to the hotline without ambiguity.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A 12-character transaction id (60 random bits), grouped for reading aloud: `K7QF-2M9X-PA4C`. */
export function newTransactionId(bytes: (n: number) => Buffer = randomBytes): string {
  const b = bytes(8);
  let n = b.readBigUInt64BE(0) >> 4n;
  let s = '';
  for (let i = 0; i < 12; i++) { s = ALPHABET[Number(n & 31n)]! + s; n >>= 5n; }
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`;
}

export function newBootId(): string {
  return randomUUID();
}
