import { pino, type Logger } from 'pino';
import type { Scanner, ScanEvent, DeviceStatus } from '../../src/hal/index.js';

export const GS = '\x1d';
export const GLN = '6901234000016';
/** GS1-128 bill slip of the sample biller power-east, as a scanner transmits it after `]C1`. */
export const GS1_SLIP = `415${GLN}8020E0012345678202506${GS}390223850`;
/** Fixed-length numeric slip of water-city (ITF / Code 128). */
export const NUMERIC_SLIP = '370001234567892025060001';
/** A wallet payment code: 18 digits in a QR code. */
export const WALLET_CODE = '281234567890123456';

export const silentLogger: Logger = pino({ level: 'silent' });

export interface Recorder {
  readonly scans: ScanEvent[];
  readonly statuses: DeviceStatus[];
}

export function record(s: Scanner): Recorder {
  const r: Recorder = { scans: [], statuses: [] };
  s.on('scan', (e) => { r.scans.push(e); });
  s.on('status', (e) => { r.statuses.push(e); });
  return r;
}
