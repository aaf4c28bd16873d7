/**
 * Format A: GS1-128 payment slip.
 *
 *   (415)  GLN of the invoicing party, 13 digits, GS1 mod-10 check digit; predefined length.
 *   (8020) payment slip reference, 7–25 of [0-9A-Za-z]: account = all but the last 6 characters,
 *          period = the last 6 as YYYYMM. Variable length: FNC1 (GS, 0x1D) ends it unless it is last.
 *   (3902) amount payable with 2 implied decimals, 1–15 digits, optional. Variable length as above.
 *
 * Accepted spellings: the element string as scanners send it, with or without the AIM prefix `]C1`
 * (and a leading FNC1 some scanners send as GS instead), or the human-readable `(415)…(8020)…(3902)…`.
 * Without `]C1` the plain element string must start with AI 415, so it cannot be mistaken for other data.
 */
import { KioskError } from '../errors/index.js';
import { isValidGs1 } from './check-digits.js';
import { billerByGln, type BillerDirectory } from './directory.js';
import { barcodeCheck, barcodeUnknown, isValidPeriod, type ParsedBill } from './parsed-bill.js';

const GS = '\x1d';
const AIM_GS1_128 = ']C1';
const AI_GLN = '415';
const AI_REF = '8020';
const AI_AMOUNT = '3902';

const GLN = /^[0-9]{13}$/;
const REFERENCE = /^[0-9A-Za-z]{7,25}$/;
const AMOUNT = /^[0-9]{1,15}$/;
const PERIOD_LENGTH = 6;
const MAX_REF = 25;
const MAX_AMOUNT = 15;

type Ai = typeof AI_GLN | typeof AI_REF | typeof AI_AMOUNT;

const FORMAT = 'gs1-128';

const OUR_FIRST_AI = /^(?:415|8020|3902)/;
const OUR_FIRST_HRI = /^\((?:415|8020|3902)\)/;

/**
 * The element string to parse when `text` claims to be a GS1 payment slip, else undefined. Other GS1-128
 * labels (a product's `]C1 01…`) are not ours, so they do not match rather than fail a check.
 */
export function matchGs1(text: string): string | undefined {
  if (text.startsWith(AIM_GS1_128)) {
    const rest = text.slice(AIM_GS1_128.length);
    const body = rest.startsWith(GS) ? rest.slice(1) : rest;
    return OUR_FIRST_AI.test(body) || OUR_FIRST_HRI.test(body) ? body : undefined;
  }
  if (OUR_FIRST_HRI.test(text)) return text;
  if (text.startsWith(GS + AI_GLN)) return text.slice(1);
  if (text.startsWith(AI_GLN)) return text;
  return undefined;
}

/** Parses an element string returned by `matchGs1`. Throws only KIOSK_E_BARCODE_CHECK / _UNKNOWN. */
export function parseGs1Slip(body: string, raw: string, directory: BillerDirectory): ParsedBill {
  const fields = body.startsWith('(') ? splitHumanReadable(body) : splitElementString(body);

  const gln = fields.get(AI_GLN);
  const reference = fields.get(AI_REF);
  if (gln === undefined || reference === undefined) throw barcodeCheck('missing-ai', FORMAT);
  if (!GLN.test(gln)) throw barcodeCheck('structure', FORMAT);
  if (!isValidGs1(gln)) throw barcodeCheck('gln-check', FORMAT);
  if (!REFERENCE.test(reference)) throw barcodeCheck('reference', FORMAT);

  const account = reference.slice(0, -PERIOD_LENGTH);
  const period = reference.slice(-PERIOD_LENGTH);
  if (!isValidPeriod(period)) throw barcodeCheck('period', FORMAT);

  const amountText = fields.get(AI_AMOUNT);
  if (amountText !== undefined && !AMOUNT.test(amountText)) throw barcodeCheck('amount', FORMAT);

  const biller = billerByGln(directory, gln);
  if (biller === undefined) throw barcodeUnknown('unknown-biller', FORMAT);

  const parsed: ParsedBill = { billerId: biller.billerId, account, period, format: FORMAT, raw };
  // 15 digits stay below 2^53, so Number() is exact here.
  return amountText === undefined ? parsed : { ...parsed, amountHint: Number(amountText) };
}

function put(fields: Map<Ai, string>, ai: Ai, value: string): void {
  if (fields.has(ai)) throw barcodeCheck('duplicate-ai', FORMAT);
  fields.set(ai, value);
}

/** Scanner form: AIs back to back, variable-length values ended by GS unless last. */
function splitElementString(body: string): Map<Ai, string> {
  const fields = new Map<Ai, string>();
  let i = 0;
  if (body.length === 0) throw barcodeCheck('structure', FORMAT);
  while (i < body.length) {
    if (body.startsWith(AI_GLN, i)) {
      i += AI_GLN.length;
      put(fields, AI_GLN, body.slice(i, i + 13));
      i += 13;
      // FNC1 after a predefined-length AI is redundant but legal.
      if (body[i] === GS) {
        i += 1;
        if (i === body.length) throw barcodeCheck('structure', FORMAT);
      }
      continue;
    }
    const ai: Ai | undefined = body.startsWith(AI_REF, i) ? AI_REF : body.startsWith(AI_AMOUNT, i) ? AI_AMOUNT : undefined;
    if (ai === undefined) throw barcodeCheck('unknown-ai', FORMAT);
    i += ai.length;
    const end = body.indexOf(GS, i);
    const stop = end === -1 ? body.length : end;
    const value = body.slice(i, stop);
    const max = ai === AI_REF ? MAX_REF : MAX_AMOUNT;
    if (value.length === 0 || value.length > max) throw barcodeCheck(ai === AI_REF ? 'reference' : 'amount', FORMAT);
    put(fields, ai, value);
    i = stop;
    if (end !== -1) {
      i += 1;
      if (i === body.length) throw barcodeCheck('structure', FORMAT);
    }
  }
  return fields;
}

const HRI_ELEMENT = /\(([0-9]{2,4})\)([^()\x1d]*)/y;

/** Printed form: `(AI)value` pairs covering the whole text. */
function splitHumanReadable(body: string): Map<Ai, string> {
  const fields = new Map<Ai, string>();
  let at = 0;
  while (at < body.length) {
    HRI_ELEMENT.lastIndex = at;
    const m = HRI_ELEMENT.exec(body);
    if (m === null) throw barcodeCheck('structure', FORMAT);
    const ai = m[1] ?? '';
    if (ai !== AI_GLN && ai !== AI_REF && ai !== AI_AMOUNT) throw barcodeCheck('unknown-ai', FORMAT);
    put(fields, ai, m[2] ?? '');
    at = HRI_ELEMENT.lastIndex;
  }
  return fields;
}

export interface Gs1SlipFields {
  /** 13-digit GLN including its check digit. */
  readonly gln: string;
  /** 1–19 characters of [0-9A-Za-z]. */
  readonly account: string;
  /** YYYYMM. */
  readonly period: string;
  /** Minor units (2 decimals), optional. */
  readonly amount?: number;
}

/** `aim`: `]C1` + element string (what a scanner with AIM ids sends); `plain`: no prefix; `hri`: printed text. */
export type Gs1BarcodeForm = 'aim' | 'plain' | 'hri';

/** Encodes a slip in the form the parser accepts; throws KIOSK_E_INTERNAL on fields it could not encode. */
export function makeGs1Barcode(fields: Gs1SlipFields, form: Gs1BarcodeForm = 'aim'): string {
  const reference = fields.account + fields.period;
  const amountOk = fields.amount === undefined
    || (Number.isSafeInteger(fields.amount) && fields.amount >= 0 && String(fields.amount).length <= MAX_AMOUNT);
  if (!GLN.test(fields.gln) || !isValidGs1(fields.gln) || fields.account.length === 0
    || !REFERENCE.test(reference) || !isValidPeriod(fields.period) || !amountOk) {
    throw new KioskError('KIOSK_E_INTERNAL', 'makeGs1Barcode: fields cannot be encoded');
  }
  const amount = fields.amount === undefined ? undefined : String(fields.amount);
  if (form === 'hri') {
    return `(${AI_GLN})${fields.gln}(${AI_REF})${reference}` + (amount === undefined ? '' : `(${AI_AMOUNT})${amount}`);
  }
  const body = AI_GLN + fields.gln + AI_REF + reference + (amount === undefined ? '' : GS + AI_AMOUNT + amount);
  return form === 'aim' ? AIM_GS1_128 + body : body;
}
