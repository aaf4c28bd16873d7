/**
 * CRC-16/KERMIT as ID-003 uses it: CCITT polynomial reflected (0x8408), init 0, no final XOR,
 * over SYNC through the last DATA byte; sent low byte first (PROTOCOLS.md §2.3).
 */
export function crc16Kermit(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]!;
    for (let bit = 0; bit < 8; bit++) crc = (crc & 1) !== 0 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return crc;
}
