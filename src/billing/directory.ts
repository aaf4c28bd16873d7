/**
 * Which biller a barcode belongs to. The runtime builds this from configuration; barcodes only carry a
 * GLN (GS1 slips) or a 2-digit prefix (numeric slips), never the biller id itself.
 */
export interface BillerEntry {
  readonly billerId: string;
  readonly name: string;
  /** 13-digit Global Location Number of the invoicing party, as printed in AI (415). */
  readonly gln?: string;
  /** 2-digit prefix of this biller's fixed-length numeric slips. */
  readonly numericPrefix?: string;
}

export type BillerDirectory = readonly BillerEntry[];

/** The two billers of the simulated kiosk: one GS1-128 slip issuer and one numeric slip issuer. */
export const SAMPLE_BILLERS: BillerDirectory = Object.freeze([
  Object.freeze({ billerId: 'power-east', name: 'East City Power Supply', gln: '6901234000016' }),
  Object.freeze({ billerId: 'water-city', name: 'City Water Works', numericPrefix: '37' }),
]);

export function billerByGln(directory: BillerDirectory, gln: string): BillerEntry | undefined {
  return directory.find((b) => b.gln === gln);
}

export function billerByNumericPrefix(directory: BillerDirectory, prefix: string): BillerEntry | undefined {
  return directory.find((b) => b.numericPrefix === prefix);
}
