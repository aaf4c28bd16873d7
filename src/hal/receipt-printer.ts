import type { Device, DeviceEvents } from './device.js';

/**
 * A printable document: layout primitives only. The receipt's business layout (biller, amounts) is built
 * above the HAL; a printer driver never knows what a bill is.
 */
export type PrintLine =
  | { readonly kind: 'text'; readonly text: string; readonly align?: 'left' | 'center' | 'right'; readonly bold?: boolean; readonly size?: 1 | 2 }
  | { readonly kind: 'pair'; readonly left: string; readonly right: string; readonly bold?: boolean }
  | { readonly kind: 'rule' }
  | { readonly kind: 'feed'; readonly lines: number }
  | { readonly kind: 'qr'; readonly data: string }
  | { readonly kind: 'barcode'; readonly data: string; readonly symbology: 'CODE128' };

export interface PrintDocument {
  readonly lines: readonly PrintLine[];
  /** Printed as a banner on reprints: the original may exist. */
  readonly copy?: boolean;
}

export interface PrintResult {
  /** True only when the status after the cut was clean. */
  readonly printed: boolean;
  readonly reason?: string;
}

export interface ReceiptPrinterEvents extends DeviceEvents {
  paperLow: Record<string, never>;
}

export interface ReceiptPrinter extends Device<ReceiptPrinterEvents> {
  readonly kind: 'receiptPrinter';
  /** Characters per line at normal size (32 on 58 mm, 48 on 80 mm). */
  columns(): number;
  print(doc: PrintDocument): Promise<PrintResult>;
}
