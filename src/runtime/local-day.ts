import { KioskError } from '../errors/index.js';

const pad = (n: number): string => String(n).padStart(2, '0');

/** The local calendar day `YYYY-MM-DD` of `ms`, moved by `offsetDays` (the board's time zone). */
export function localDay(ms: number, offsetDays = 0): string {
  const t = new Date(ms);
  const d = new Date(t.getFullYear(), t.getMonth(), t.getDate() + offsetDays);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** [start, end) of a local calendar day `YYYY-MM-DD` in ms since the epoch (the board's time zone). */
export function localDayRange(day: string): [number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new KioskError('KIOSK_E_INTERNAL', `not a day: ${day}`);
  const start = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime();
  const end = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1).getTime();
  return [start, end];
}
