import { KioskError } from '../../errors/index.js';
import { decodePaddedBcd } from './bcd.js';
import { last4Of, safeText } from './redact.js';

/**
 * The parts of a TLV container (BMP 06) kioskd keeps. Everything else is dropped unread: EMV and vendor
 * tags can carry the PAN (5A), track equivalents (57, 56, 9F6B), expiry (5F24) or the cardholder name
 * (5F20), so the container is filtered by a whitelist, never a blacklist.
 */
export interface TlvSummary {
  /** Text lines (tag 07, and the extended error text 1F17), PANs masked. */
  readonly texts: string[];
  /** Receipt type (1F07), when present. */
  readonly receiptType?: number;
  /** ZVT card-type ID (41), when present. */
  readonly cardTypeId?: number;
  /** Extended result code (1F16), when present. */
  readonly extendedResult?: number;
  /** Derived from tag 5A (application PAN) before it is dropped. */
  readonly last4?: string;
}

const MAX_DEPTH = 8;

const protocol = (message: string): KioskError => new KioskError('KIOSK_E_DEVICE_PROTOCOL', message);

interface Raw { tag: number; constructed: boolean; value: Uint8Array }

function readItems(data: Uint8Array): Raw[] {
  const items: Raw[] = [];
  let at = 0;
  while (at < data.length) {
    const first = data[at++]!;
    if (first === 0x00 || first === 0xff) continue; // padding between objects
    let tag = first;
    if ((first & 0x1f) === 0x1f) {
      let more = true;
      let n = 0;
      while (more) {
        if (at >= data.length || ++n > 3) throw protocol('TLV tag truncated or too long');
        const b = data[at++]!;
        tag = tag * 256 + b;
        more = (b & 0x80) !== 0;
      }
    }
    if (at >= data.length) throw protocol('TLV length missing');
    let len = data[at++]!;
    if (len === 0x81) {
      if (at + 1 > data.length) throw protocol('TLV length truncated');
      len = data[at++]!;
    } else if (len === 0x82) {
      if (at + 2 > data.length) throw protocol('TLV length truncated');
      len = (data[at]! << 8) | data[at + 1]!;
      at += 2;
    } else if (len > 0x7f) {
      throw protocol('TLV length form not supported');
    }
    if (at + len > data.length) throw protocol('TLV value runs past its container');
    items.push({ tag, constructed: (first & 0x20) !== 0, value: data.subarray(at, at + len) });
    at += len;
  }
  return items;
}

/** Length of a TLV container's value including its own length bytes (BMP 06 is TLV-length encoded). */
export function tlvContainerLength(data: Uint8Array): { lengthBytes: number; valueLength: number } {
  if (data.length === 0) throw protocol('TLV container length missing');
  const b = data[0]!;
  if (b < 0x80) return { lengthBytes: 1, valueLength: b };
  if (b === 0x81 && data.length >= 2) return { lengthBytes: 2, valueLength: data[1]! };
  if (b === 0x82 && data.length >= 3) return { lengthBytes: 3, valueLength: (data[1]! << 8) | data[2]! };
  throw protocol('TLV container length malformed');
}

const uint = (v: Uint8Array): number => v.reduce((n, b) => n * 256 + b, 0);

/** Walks a TLV container's value and keeps only the whitelisted parts. */
export function decodeTlv(data: Uint8Array): TlvSummary {
  const texts: string[] = [];
  let receiptType: number | undefined;
  let cardTypeId: number | undefined;
  let extendedResult: number | undefined;
  let last4: string | undefined;
  const walk = (bytes: Uint8Array, depth: number): void => {
    if (depth > MAX_DEPTH) throw protocol('TLV nested too deep');
    for (const it of readItems(bytes)) {
      if (it.constructed) { walk(it.value, depth + 1); continue; }
      switch (it.tag) {
        case 0x07:
        case 0x1f17:
          texts.push(safeText(it.value));
          break;
        case 0x1f07: if (it.value.length >= 1 && it.value.length <= 4) receiptType = uint(it.value); break;
        case 0x41: if (it.value.length >= 1 && it.value.length <= 4) cardTypeId = uint(it.value); break;
        case 0x1f16: if (it.value.length >= 1 && it.value.length <= 4) extendedResult = uint(it.value); break;
        case 0x5a: last4 = last4Of(decodePaddedBcd(it.value)) ?? last4; break;
        default: break; // dropped unread
      }
    }
  };
  walk(data, 0);
  return {
    texts,
    ...(receiptType === undefined ? {} : { receiptType }),
    ...(cardTypeId === undefined ? {} : { cardTypeId }),
    ...(extendedResult === undefined ? {} : { extendedResult }),
    ...(last4 === undefined ? {} : { last4 }),
  };
}

/** BER-TLV encoder for the few objects kioskd itself sends (and tests build). */
export function encodeTlv(tag: number, value: Uint8Array): Uint8Array {
  const tagBytes: number[] = [];
  for (let t = tag; t > 0; t = Math.floor(t / 256)) tagBytes.unshift(t & 0xff);
  if (tagBytes.length === 0) tagBytes.push(0);
  const len = value.length;
  const lenBytes = len < 0x80 ? [len] : len < 0x100 ? [0x81, len] : [0x82, len >> 8, len & 0xff];
  return Uint8Array.from([...tagBytes, ...lenBytes, ...value]);
}
