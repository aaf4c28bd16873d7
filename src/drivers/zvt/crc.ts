/**
 * ZVT serial CRC: CCITT polynomial in reflected form (0x8408), initial value 0, no final XOR; computed
 * over the unstuffed APDU plus the ETX byte and sent low byte first (PROTOCOLS.md §6.1).
 */
export function crcZvt(data: Uint8Array, init = 0): number {
  let crc = init;
  for (const b of data) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
  }
  return crc & 0xffff;
}
