import type { BillInfo } from '../../../src/fsm/types.js';
import { encodeGs1Printed, encodeGs1Scanned, encodeNumeric, withGs1Check } from './slips.js';

/** The billers the simulated gateway serves; kept in step with the kiosk's sample directory by tests. */
export const SIM_POWER = { billerId: 'power-east', name: 'East City Power Supply', gln: withGs1Check('690123400001') } as const;
export const SIM_WATER = { billerId: 'water-city', name: 'City Water Works', prefix: '37' } as const;

function power(account: string, period: string, due: number, n: number): BillInfo {
  return { billerId: SIM_POWER.billerId, billerName: SIM_POWER.name, account, period, due, currency: 'CNY', billRef: `PE-${period}-${n}` };
}

function water(account: string, period: string, due: number, n: number): BillInfo {
  return { billerId: SIM_WATER.billerId, billerName: SIM_WATER.name, account, period, due, currency: 'CNY', billRef: `WC-${period}-${n}` };
}

export function seedBills(): BillInfo[] {
  return [
    power('E0012345678', '202506', 23_850, 1),
    power('E0012345678', '202507', 19_620, 2),
    power('E0098765432', '202507', 5_100, 3),
    water('000123456789', '202506', 4_560, 1),
    water('000555000111', '202507', 12_800, 2),
  ];
}

export type SampleKind = 'bill' | 'unknown-bill' | 'damaged';

export interface SampleBarcode {
  readonly label: string;
  /** Exactly what a scanner would hand the kiosk. */
  readonly code: string;
  readonly kind: SampleKind;
  readonly billerId: string;
  readonly account: string;
  readonly period: string;
}

/** One barcode per seeded bill, one well-formed slip with no bill behind it, and one damaged slip. */
export function sampleBarcodesFor(bills: readonly BillInfo[]): SampleBarcode[] {
  const out: SampleBarcode[] = [];
  for (const b of bills) {
    if (b.billerId === SIM_POWER.billerId) {
      const slip = { gln: SIM_POWER.gln, account: b.account, period: b.period, amount: b.due };
      out.push({ label: `power ${b.account} ${b.period}`, code: encodeGs1Scanned(slip), kind: 'bill', billerId: b.billerId, account: b.account, period: b.period });
    } else if (b.billerId === SIM_WATER.billerId) {
      const code = encodeNumeric({ prefix: SIM_WATER.prefix, account: b.account, period: b.period });
      out.push({ label: `water ${b.account} ${b.period}`, code, kind: 'bill', billerId: b.billerId, account: b.account, period: b.period });
    }
  }
  out.push({
    label: 'water, no such bill',
    code: encodeNumeric({ prefix: SIM_WATER.prefix, account: '000999999999', period: '202507' }),
    kind: 'unknown-bill', billerId: SIM_WATER.billerId, account: '000999999999', period: '202507',
  });
  // A smudged GLN: the check digit no longer fits.
  const printed = encodeGs1Printed({ gln: SIM_POWER.gln, account: 'E0012345678', period: '202506', amount: 23_850 });
  out.push({
    label: 'power, damaged slip',
    code: printed.replace(`(415)${SIM_POWER.gln}`, `(415)${SIM_POWER.gln.slice(0, 12)}${(Number(SIM_POWER.gln[12]) + 1) % 10}`),
    kind: 'damaged', billerId: SIM_POWER.billerId, account: 'E0012345678', period: '202506',
  });
  return out;
}
