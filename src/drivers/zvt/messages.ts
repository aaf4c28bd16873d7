import { KioskError } from '../../errors/index.js';
import { encodeApdu, type Apdu } from './apdu.js';
import { currencyToBcd, encodeAmount, encodeBcd, encodePassword } from './bcd.js';
import { bmp, decodeBmps, type BmpFields } from './bmp.js';
import { safeText } from './redact.js';
import { decodeTlv, tlvContainerLength } from './tlv.js';

// ---- ECR → PT commands ---------------------------------------------------------------------------

/**
 * Registration config byte bits (ZVT 06 00): 0x02 the ECR prints payment receipts (the PT sends them as
 * print lines / text blocks), 0x04 the ECR prints administration receipts, 0x08 the PT sends intermediate
 * status information, 0x10 the ECR controls payments (no amount entry at the PT), 0x20 the ECR controls
 * administration, 0x80 ECR print type (text blocks 06 D3). The vending confirmation itself is asked for
 * per authorisation with BMP 02 (max. status informations), not here.
 */
export const CONFIG = {
  ECR_PRINTS_PAYMENT: 0x02,
  ECR_PRINTS_ADMIN: 0x04,
  INTERMEDIATE_STATUS: 0x08,
  ECR_CONTROLS_PAYMENT: 0x10,
  ECR_CONTROLS_ADMIN: 0x20,
  ECR_PRINT_TYPE: 0x80,
} as const;

export const DEFAULT_CONFIG_BYTE = 0xbe;
/** Service byte bit 0: the PT's function key does not open its service menu (unattended use). */
export const DEFAULT_SERVICE_BYTE = 0x01;

export function registration(password: string, configByte: number, currency: string, serviceByte = DEFAULT_SERVICE_BYTE): Uint8Array {
  return encodeApdu(0x06, 0x00, [...encodePassword(password), configByte & 0xff, ...currencyToBcd(currency), ...bmp(0x03, [serviceByte & 0xff])]);
}

/** Authorisation with amount, currency and — for the vending flow — the max. number of status informations. */
export function authorization(amount: number, currency: string, maxStatusInfos: number): Uint8Array {
  return encodeApdu(0x06, 0x01, [...bmp(0x04, encodeAmount(amount)), ...bmp(0x49, currencyToBcd(currency)), ...bmp(0x02, [maxStatusInfos & 0xff])]);
}

export function reversal(password: string, receiptNo: number): Uint8Array {
  return encodeApdu(0x06, 0x30, [...encodePassword(password), ...bmp(0x87, encodeBcd(String(receiptNo), 2))]);
}

export const endOfDay = (password: string): Uint8Array => encodeApdu(0x06, 0x50, encodePassword(password));
export const repeatReceipt = (password: string): Uint8Array => encodeApdu(0x06, 0x20, encodePassword(password));
export const statusEnquiry = (password: string): Uint8Array => encodeApdu(0x05, 0x01, encodePassword(password));
export const abort = (): Uint8Array => encodeApdu(0x06, 0xb0);
export const logOff = (): Uint8Array => encodeApdu(0x06, 0x02);

/** APDU-level answers the ECR gives to PT messages. */
export const ACK_APDU = encodeApdu(0x80, 0x00);
/** "Wait, I need more time" to a vending status information. */
export const WAIT_APDU = Uint8Array.of(0x84, 0x9c, 0x00);
/** "Issue of goods failed": the PT reverses the payment. */
export const GOODS_FAILED_APDU = Uint8Array.of(0x84, 0x66, 0x00);

// ---- PT → ECR messages ---------------------------------------------------------------------------

export type PtMessage =
  | { readonly kind: 'ack' }
  | { readonly kind: 'nack'; readonly code: number }
  | { readonly kind: 'intermediate'; readonly code: number; readonly text: string }
  | { readonly kind: 'status'; readonly fields: BmpFields }
  | { readonly kind: 'printLine'; readonly attribute: number; readonly text: string }
  | { readonly kind: 'textBlock'; readonly lines: readonly string[]; readonly receiptType?: number }
  | { readonly kind: 'completion'; readonly fields: BmpFields }
  | { readonly kind: 'abort'; readonly code: number; readonly fields: BmpFields }
  | { readonly kind: 'command'; readonly cls: number; readonly ins: number };

const protocol = (message: string, details: Record<string, unknown> = {}): KioskError =>
  new KioskError('KIOSK_E_DEVICE_PROTOCOL', message, { details });

/**
 * Decodes one PT → ECR APDU into the message kioskd acts on. Card data is dropped on the way (see
 * bmp.ts, tlv.ts); texts are PAN-masked. Throws KIOSK_E_DEVICE_PROTOCOL on a malformed message.
 */
export function decodeMessage(a: Apdu): PtMessage {
  const { cls, ins, data } = a;
  if (cls === 0x80 && ins === 0x00) return { kind: 'ack' };
  if (cls === 0x84) return { kind: 'nack', code: ins };
  if (cls === 0x04 && ins === 0x0f) return { kind: 'status', fields: decodeBmps(data) };
  if (cls === 0x04 && ins === 0xff) {
    if (data.length === 0) throw protocol('intermediate status without a status byte');
    const code = data[0]!;
    // Optional timeout byte, then an optional TLV container with display texts. A timeout byte of 0x06
    // looks like a container tag, so the container is taken from where it fits the APDU exactly.
    const at = containerFits(data, 1) ? 1 : 2;
    let texts: string[] = [];
    if (at < data.length) {
      if (!containerFits(data, at)) throw protocol('intermediate status trailer is not a TLV container');
      const l = tlvContainerLength(data.subarray(at + 1));
      texts = decodeTlv(data.subarray(at + 1 + l.lengthBytes)).texts;
    }
    const text = texts.filter((t) => t !== '').join('\n') || intermediateText(code);
    return { kind: 'intermediate', code, text };
  }
  if (cls === 0x06 && ins === 0xd1) {
    if (data.length === 0) throw protocol('print line without an attribute byte');
    return { kind: 'printLine', attribute: data[0]!, text: safeText(data.subarray(1)) };
  }
  if (cls === 0x06 && ins === 0xd3) {
    const f = decodeBmps(data);
    const lines = f.tlv?.texts ?? [];
    return f.tlv?.receiptType === undefined ? { kind: 'textBlock', lines } : { kind: 'textBlock', lines, receiptType: f.tlv.receiptType };
  }
  if (cls === 0x06 && ins === 0x0f) return { kind: 'completion', fields: decodeBmps(data) };
  if (cls === 0x06 && ins === 0x1e) {
    if (data.length === 0) throw protocol('abort without a result code');
    // Result code, then optional BMPs (TLV with an extended error text).
    return { kind: 'abort', code: data[0]!, fields: data.length > 1 ? decodeBmps(data.subarray(1)) : {} };
  }
  return { kind: 'command', cls, ins };
}

function containerFits(data: Uint8Array, at: number): boolean {
  if (data[at] !== 0x06 || at + 1 >= data.length) return false;
  try {
    const l = tlvContainerLength(data.subarray(at + 1));
    return at + 1 + l.lengthBytes + l.valueLength === data.length;
  } catch {
    return false;
  }
}

/** Short English texts for the intermediate status codes a kiosk shows (the display layer translates). */
const INTERMEDIATE: Readonly<Record<number, string>> = {
  0x00: 'Waiting for amount confirmation', 0x01: 'Please watch PIN pad', 0x02: 'Please watch PIN pad',
  0x03: 'Not accepted', 0x04: 'Waiting for the host', 0x05: 'Sending auto-reversal', 0x07: 'Card not admitted',
  0x08: 'Card unknown', 0x09: 'Card expired', 0x0a: 'Insert card', 0x0b: 'Please remove card',
  0x0c: 'Card not readable', 0x0d: 'Processing error', 0x0e: 'Please wait', 0x10: 'Invalid card',
  0x12: 'System malfunction', 0x13: 'Payment not possible', 0x14: 'Credit not sufficient', 0x15: 'Incorrect PIN',
  0x16: 'Limit not sufficient', 0x17: 'Please wait', 0x18: 'PIN try limit exceeded', 0x1c: 'Approved',
  0x1d: 'Declined', 0x2c: 'Application selection', 0xd2: 'Connecting', 0xd3: 'Connected', 0xf1: 'Offline', 0xf2: 'Online',
};

export function intermediateText(code: number): string {
  return INTERMEDIATE[code] ?? (code >= 0x40 && code <= 0x5d ? `${INTERMEDIATE[code - 0x40] ?? 'Please wait'} / Please remove card` : 'Please wait');
}

/** Result codes (BMP 27, 06 1E) as stable reason strings. 0x01–0x63 come from the authorisation host. */
const RESULTS: Readonly<Record<number, string>> = {
  0x64: 'card-not-readable', 0x65: 'card-data-missing', 0x66: 'processing-error', 0x6a: 'turnover-file-full',
  0x6b: 'not-registered', 0x6c: 'aborted', 0x6f: 'wrong-currency', 0x71: 'credit-not-sufficient',
  0x72: 'chip-error', 0x73: 'card-data-incorrect', 0x77: 'end-of-day-not-possible', 0x78: 'card-expired',
  0x79: 'card-not-yet-valid', 0x7a: 'card-unknown', 0x7d: 'communication-error', 0x83: 'function-not-possible',
  0x9a: 'zvt-protocol-error', 0x9b: 'dial-up-error', 0x9c: 'please-wait', 0xa0: 'receiver-not-ready',
  0xa1: 'remote-no-response', 0xa3: 'no-connection', 0xb4: 'already-reversed', 0xb5: 'reversal-not-possible',
  0xc2: 'diagnosis-required', 0xc3: 'max-amount-exceeded', 0xc5: 'payment-method-not-supported',
  0xc6: 'currency-not-applicable', 0xc8: 'amount-too-small', 0xcc: 'printer-not-ready', 0xe4: 'activation-required',
  0xf0: 'open-end-of-day-batch', 0xff: 'system-error',
};

export function resultReason(code: number): string {
  if (code >= 0x01 && code <= 0x63) return `host-declined-${code.toString(10).padStart(2, '0')}`;
  return RESULTS[code] ?? `zvt-error-${code.toString(16).padStart(2, '0')}`;
}

/** 0x6C: "abort via timeout or abort key" — the customer (or the ECR's 06 B0) cancelled. */
export const RESULT_ABORTED = 0x6c;
