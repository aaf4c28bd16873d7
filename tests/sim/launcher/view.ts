import { displayWidth, wrapToWidth } from '../../../src/hal/index.js';
import type { SampleBarcode } from '../biller/index.js';
import { KEY_HELP } from './keys.js';

/** Everything the screen shows; the launcher updates it from kiosk, device and telemetry events. */
export interface ViewModel {
  title: string;
  lcd: readonly string[];
  lcdCols: number;
  samples: readonly SampleBarcode[];
  events: string[];
  receipt: readonly string[];
  showReceipt: boolean;
  status: { service: string; fsm: string; broker: string; outbox: number; validator: string; printer: string; door: string; log: string };
}

export const WIDTH = 80;
export const HEIGHT = 24;

/** Pads or clips to exactly `w` terminal cells (hanzi take two). */
export function fit(s: string, w: number): string {
  let out = displayWidth(s) <= w ? s : (wrapToWidth(s, w)[0] ?? '');
  const pad = w - displayWidth(out);
  if (pad > 0) out += ' '.repeat(pad);
  return out;
}

/**
 * Renders the whole 80x24 screen as plain lines (ASCII frame characters, so any terminal draws it).
 * Pure: the TTY shell writes these lines; tests can read them.
 */
export function renderView(v: ViewModel): string[] {
  const rows: string[] = [];
  rows.push(fit(` ${v.title}`, WIDTH));
  rows.push('');
  const boxW = v.lcdCols + 2;
  const left: string[] = [
    `+${fit(` LCD ${v.lcdCols}x${v.lcd.length} `, boxW - 2).replace(/ /g, '-')}+`,
    ...v.lcd.map((l) => `|${fit(l, v.lcdCols)}|`),
    `+${'-'.repeat(boxW - 2)}+`,
    '',
    fit(`validator ${v.status.validator}`, boxW + 4),
    fit(`printer   ${v.status.printer}`, boxW + 4),
    fit(`door      ${v.status.door}`, boxW + 4),
  ];
  const rightW = WIDTH - (boxW + 6);
  const right: string[] = ['Scan a sample bill:', ...v.samples.slice(0, 9).map((s, i) => `${i + 1} ${s.label}`), '', ...KEY_HELP];
  const body = Math.max(left.length, right.length);
  for (let i = 0; i < body; i++) rows.push(`  ${fit(left[i] ?? '', boxW + 4)}${fit(right[i] ?? '', rightW)}`);
  rows.push(fit(' Events', WIDTH));
  const evRows = HEIGHT - 1 - rows.length;
  const ev = v.events.slice(-evRows);
  for (let i = 0; i < evRows; i++) rows.push(fit(`  ${ev[i] ?? ''}`, WIDTH));
  const s = v.status;
  rows.push(fit(` ${s.service} | fsm ${s.fsm} | broker ${s.broker} | outbox ${s.outbox} | log ${s.log}`, WIDTH));
  if (v.showReceipt) overlayReceipt(rows, v.receipt);
  return rows.map((r) => fit(r, WIDTH));
}

function overlayReceipt(rows: string[], receipt: readonly string[]): void {
  const w = 52;
  const x = Math.floor((WIDTH - w) / 2);
  const lines = receipt.length ? receipt : ['(no receipt printed yet)'];
  const shown = lines.slice(0, HEIGHT - 5);
  const box = [`+${fit(' last receipt (r closes) ', w - 2).replace(/ /g, '-')}+`, ...shown.map((l) => `|${fit(l, w - 2)}|`), `+${'-'.repeat(w - 2)}+`];
  box.forEach((b, i) => {
    const r = 2 + i;
    if (r >= HEIGHT - 1) return;
    rows[r] = `${fit(rows[r] ?? '', x)}${b}`;
  });
}
