import { createBillBarcodeParser, type BillerDirectory, type BillerGateway } from '../billing/index.js';
import type { BillerPort } from './kiosk.js';

/** Barcode parsing and the HTTP gateway behind the one port the runtime uses. */
export function createBillerPort(gateway: BillerGateway, directory: BillerDirectory): BillerPort {
  const parse = createBillBarcodeParser(directory);
  return {
    // parse() throws KIOSK_E_BARCODE_* synchronously; inside async it becomes a rejection the kiosk maps.
    lookup: async (code) => gateway.lookup(parse(code)),
    post: ({ txId, bill, amount, partial }) => gateway.post({
      txId, billRef: bill.billRef, billerId: bill.billerId, account: bill.account, amount, currency: bill.currency, partial,
    }),
    cancel: (txId) => gateway.cancel(txId),
    settlement: (from, to) => gateway.settlement(from, to),
  };
}
