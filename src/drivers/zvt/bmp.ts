import { KioskError } from '../../errors/index.js';
import { decodeAmount, decodeBcd, decodePaddedBcd, decodeVarLength, encodeVarLength } from './bcd.js';
import { last4Of, safeText } from './redact.js';
import { decodeTlv, tlvContainerLength, type TlvSummary } from './tlv.js';

type LengthSpec = number | 'LL' | 'LLL' | 'TLV';

/** Length of every BMP a terminal may send (ZVT "bitmaps"); an unknown BMP cannot be skipped safely. */
const BMP_LENGTH: ReadonlyMap<number, LengthSpec> = new Map<number, LengthSpec>([
  [0x01, 1], [0x02, 1], [0x03, 1], [0x04, 6], [0x05, 1], [0x06, 'TLV'], [0x0b, 3], [0x0c, 3], [0x0d, 2],
  [0x0e, 2], [0x17, 2], [0x19, 1], [0x22, 'LL'], [0x23, 'LL'], [0x24, 'LLL'], [0x27, 1], [0x29, 4],
  [0x2a, 15], [0x2d, 'LL'], [0x2e, 'LLL'], [0x37, 3], [0x3a, 2], [0x3b, 8], [0x3c, 'LLL'], [0x3d, 3],
  [0x49, 2], [0x60, 'LLL'], [0x87, 2], [0x88, 3], [0x8a, 1], [0x8b, 'LL'], [0x8c, 1], [0x9a, 'LLL'],
  [0xa0, 1], [0xa7, 'LL'], [0xaa, 3], [0xaf, 'LLL'], [0xba, 5], [0xd0, 1], [0xd1, 'LL'], [0xd2, 1], [0xd3, 1],
]);

/**
 * Card data BMPs, dropped at the codec boundary: PAN/EF_ID (22), track 1/2/3 (2D, 23, 24), synchronous
 * chip data (2E), expiry (0E), CVV (3A), chip data EF_ID (A7), EF_Info (AF), card offset/PIN data (D1),
 * GeldKarte records (9A). Only the last four PAN digits are derived, from BMP 22, before dropping it.
 */
export const CARD_DATA_BMPS: ReadonlySet<number> = new Set([0x22, 0x23, 0x24, 0x2d, 0x2e, 0x0e, 0x3a, 0xa7, 0xaf, 0xd1, 0x9a]);

/** ZVT card-type numbers (BMP 8A) for the brands a kiosk is likely to see. */
export const CARD_TYPES: Readonly<Record<number, string>> = {
  5: 'girocard', 6: 'Mastercard', 8: 'American Express', 10: 'Visa', 11: 'Visa Electron', 12: 'Diners',
  13: 'V PAY', 14: 'JCB', 46: 'Maestro', 97: 'Alipay', 198: 'UnionPay', 232: 'Discover', 261: 'WeChat Pay',
};

/** What kioskd keeps of a BMP list: no PAN, no track data, no expiry; texts already PAN-masked. */
export interface BmpFields {
  resultCode?: number;
  amount?: number;
  currencyNumeric?: number;
  trace?: number;
  originalTrace?: number;
  receiptNo?: number;
  turnoverNo?: number;
  terminalId?: string;
  /** HHMMSS */
  time?: string;
  /** MMDD */
  date?: string;
  cardTypeId?: number;
  cardName?: string;
  last4?: string;
  /** AID authorisation attribute (BMP 3B): the authorisation code, PAN-masked text. */
  authAttribute?: string;
  vuNumber?: string;
  additionalText?: string;
  /** BMP 19: status byte (registration/completion) or payment type (authorisation). */
  byte19?: number;
  maxStatusInfos?: number;
  timeoutS?: number;
  serviceByte?: number;
  resultCodeAs?: number;
  tlv?: TlvSummary;
}

const protocol = (message: string, details: Record<string, unknown> = {}): KioskError =>
  new KioskError('KIOSK_E_DEVICE_PROTOCOL', message, { details });

const text = (v: Uint8Array): string => safeText(v).trim();

/** Parses a BMP list into the fields kioskd keeps; card data is dropped here and nowhere later. */
export function decodeBmps(data: Uint8Array): BmpFields {
  const f: BmpFields = {};
  let at = 0;
  while (at < data.length) {
    const tag = data[at++]!;
    const spec = BMP_LENGTH.get(tag);
    if (spec === undefined) throw protocol('unknown BMP', { bmp: tag });
    let len: number;
    if (typeof spec === 'number') {
      len = spec;
    } else if (spec === 'TLV') {
      const l = tlvContainerLength(data.subarray(at));
      at += l.lengthBytes;
      len = l.valueLength;
    } else {
      const n = spec === 'LL' ? 2 : 3;
      if (at + n > data.length) throw protocol('BMP length truncated', { bmp: tag });
      len = decodeVarLength(data.subarray(at, at + n));
      at += n;
    }
    if (at + len > data.length) throw protocol('BMP runs past the APDU', { bmp: tag });
    const v = data.subarray(at, at + len);
    at += len;
    apply(f, tag, v);
  }
  return f;
}

function apply(f: BmpFields, tag: number, v: Uint8Array): void {
  if (CARD_DATA_BMPS.has(tag)) {
    if (tag === 0x22) f.last4 = last4Of(decodePaddedBcd(v)) ?? f.last4;
    return;
  }
  switch (tag) {
    case 0x27: f.resultCode = v[0]!; return;
    case 0x04: f.amount = decodeAmount(v); return;
    case 0x49: f.currencyNumeric = Number(decodeBcd(v, 'currency')); return;
    case 0x0b: f.trace = Number(decodeBcd(v, 'trace number')); return;
    case 0x37: f.originalTrace = Number(decodeBcd(v, 'original trace number')); return;
    case 0x87: f.receiptNo = Number(decodeBcd(v, 'receipt number')); return;
    case 0x88: f.turnoverNo = Number(decodeBcd(v, 'turnover number')); return;
    case 0x29: f.terminalId = decodeBcd(v, 'terminal id'); return;
    case 0x0c: f.time = decodeBcd(v, 'time'); return;
    case 0x0d: f.date = decodeBcd(v, 'date'); return;
    case 0x8a: f.cardTypeId = v[0]!; return;
    case 0x8b: f.cardName = text(v); return;
    case 0x3b: f.authAttribute = text(v); return;
    case 0x2a: f.vuNumber = text(v); return;
    case 0x3c: f.additionalText = text(v); return;
    case 0x19: f.byte19 = v[0]!; return;
    case 0x02: f.maxStatusInfos = v[0]!; return;
    case 0x01: f.timeoutS = v[0]!; return;
    case 0x03: f.serviceByte = v[0]!; return;
    case 0xa0: f.resultCodeAs = v[0]!; return;
    case 0x06: {
      const t = decodeTlv(v);
      f.tlv = t;
      if (f.last4 === undefined && t.last4 !== undefined) f.last4 = t.last4;
      return;
    }
    default: return; // known length, nothing kioskd needs
  }
}

/** Card brand for the result: the terminal's card name, else the 8A / TLV 41 number's name. */
export function cardTypeOf(f: BmpFields): string | undefined {
  if (f.cardName) return f.cardName;
  const id = f.cardTypeId ?? f.tlv?.cardTypeId;
  if (id === undefined) return undefined;
  return CARD_TYPES[id] ?? `zvt-card-${id}`;
}

/** One fixed-length BMP. */
export function bmp(tag: number, value: Uint8Array | readonly number[]): number[] {
  return [tag, ...value];
}

/** One LLVAR BMP. */
export function bmpLl(tag: number, value: Uint8Array): number[] {
  return [tag, ...encodeVarLength(value.length, 2), ...value];
}
