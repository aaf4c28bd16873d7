/**
 * `kioskctl selftest [device]`: builds the configured drivers (the same factories kioskd uses) and tests
 * each device: printer test page, display pattern, validator enable/disable cycle, scanner read, card
 * terminal status. kioskd must be stopped: it holds the ports.
 */
import { pino, type Logger } from 'pino';
import { loadConfig, type KioskConfig } from '../../config/index.js';
import { createEscposPrinter } from '../../drivers/escpos/index.js';
import { createDisplay } from '../../drivers/hd44780/index.js';
import { createHidScanner } from '../../drivers/hid-scanner/index.js';
import { createSerialScanner } from '../../drivers/serial-scanner/index.js';
import { createZvtTerminal } from '../../drivers/zvt/index.js';
import { toKioskError } from '../../errors/index.js';
import {
  isUsable, systemClock, systemTimers,
  type BillValidator, type CardPayment, type Display, type ReceiptPrinter, type Scanner,
} from '../../hal/index.js';
import { buildBillValidator } from '../../runtime/devices.js';
import { EXIT, fail, type CommandResult } from '../output.js';
import { configValidate } from './config.js';

export const SELFTEST_DEVICES = ['printer', 'display', 'validator', 'scanner', 'card'] as const;
export type SelftestDevice = (typeof SELFTEST_DEVICES)[number];

export interface SelftestResult {
  readonly device: SelftestDevice;
  readonly outcome: 'pass' | 'fail' | 'skipped';
  readonly detail: string;
  readonly code?: string;
}

/** How each device under test is built; tests replace single entries with stand-ins. */
export interface SelftestFactories {
  printer(c: KioskConfig, l: Logger): ReceiptPrinter | undefined;
  display(c: KioskConfig, l: Logger): Display | undefined;
  validator(c: KioskConfig, l: Logger): BillValidator | undefined;
  scanner(c: KioskConfig, l: Logger): Scanner | undefined;
  card(c: KioskConfig, l: Logger): CardPayment | undefined;
}

const common = { clock: systemClock, timers: systemTimers };

export const realFactories: SelftestFactories = {
  printer: (c, logger) => (c.devices.printer.driver === 'escpos' ? createEscposPrinter(c.devices.printer, { ...common, logger, language: c.terminal.locale }) : undefined),
  display: (c, logger) => (c.devices.display.driver === 'fake' ? undefined : createDisplay(c.devices.display, { ...common, logger })),
  validator: (c, logger) => (c.devices.billValidator.driver === 'fake' ? undefined : buildBillValidator(c.devices.billValidator, { ...common, logger, currency: c.terminal.currency })),
  scanner: (c, logger) => {
    const s = c.devices.scanner;
    if (s.driver === 'fake') return undefined;
    return s.driver === 'serial' ? createSerialScanner(s, { ...common, logger }) : createHidScanner(s, { ...common, logger });
  },
  card: (c, logger) => (c.devices.cardPayment.driver === 'zvt' ? createZvtTerminal(c.devices.cardPayment, { ...common, logger, currency: c.terminal.currency }) : undefined),
};

export interface SelftestArgs {
  readonly dir?: string;
  readonly profile?: string;
  readonly device?: string;
  /** Bound on each step; the scanner waits this long for a scan. Default 15 000 ms. */
  readonly timeoutMs?: number;
  readonly factories?: Partial<SelftestFactories>;
  readonly say?: (line: string) => void;
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(Object.assign(new Error(`${what}: no answer within ${ms} ms`), { code: 'KIOSK_E_DEVICE_TIMEOUT' })), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e instanceof Error ? e : new Error(String(e))); });
  });
}

type Test<D> = (dev: D, c: KioskConfig, ms: number, say: (l: string) => void) => Promise<string>;

const testPrinter: Test<ReceiptPrinter> = async (p, c, ms) => {
  const r = await within(p.print({
    lines: [
      { kind: 'text', text: 'KIOSKD SELF TEST', align: 'center', bold: true, size: 2 }, { kind: 'rule' },
      { kind: 'pair', left: 'Terminal', right: c.terminal.id }, { kind: 'pair', left: 'Paper columns', right: String(p.columns()) },
      { kind: 'text', text: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789' }, { kind: 'text', text: '自助缴费终端 打印测试' },
      { kind: 'barcode', data: 'SELFTEST-0123', symbology: 'CODE128' }, { kind: 'qr', data: 'kioskd self test' }, { kind: 'feed', lines: 3 },
    ],
  }), ms, 'printing the test page');
  if (!r.printed) throw Object.assign(new Error(`test page not printed: ${r.reason ?? p.status().reason}`), { code: 'KIOSK_E_DEVICE_FAULT' });
  return `test page printed (${p.status().text}); check it: text, Chinese line, barcode and QR code must be sharp`;
};

const testDisplay: Test<Display> = async (d, c, ms) => {
  const g = d.geometry();
  const fill = (ch: string): string => ch.repeat(g.cols);
  const lines = Array.from({ length: g.rows }, (_, i) => [fill('#'), '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.slice(0, g.cols), `${c.terminal.id}`.slice(0, g.cols), fill('=')][i % 4]!);
  await within(d.show({ lines }), ms, 'drawing the pattern');
  return `${g.cols}x${g.rows} ${g.charset}: the display shows a test pattern (a full row of #, digits and letters, the terminal id); check every cell`;
};

const testValidator: Test<BillValidator> = async (v, _c, ms) => {
  const id = await within(v.identify(), ms, 'identify');
  await within(v.setAcceptedValues(v.denominations().map((d) => d.value)), ms, 'set denominations');
  await within(v.enable(), ms, 'enable');
  const enabled = v.status();
  await within(v.disable(), ms, 'disable');
  if (!isUsable(enabled)) throw Object.assign(new Error(`validator not usable after enable: ${enabled.reason} (${enabled.text})`), { code: 'KIOSK_E_DEVICE_FAULT' });
  return `${id.vendor ?? ''} ${id.model} serial ${id.serial} firmware ${id.firmware}: enabled and disabled (${v.denominations().length} denominations)`.trim();
};

const testScanner: Test<Scanner> = async (s, _c, ms, say) => {
  await s.enable();
  say(`scan any barcode within ${Math.round(ms / 1000)} s…`);
  try {
    const scan = await within(new Promise<{ data: string; symbology?: string }>((resolve) => { const off = s.on('scan', (e) => { off(); resolve(e); }); }), ms, 'waiting for a scan');
    return `read ${scan.data.length} characters${scan.symbology ? ` (${scan.symbology})` : ''}`;
  } finally {
    await s.disable().catch(() => undefined);
  }
};

const testCard: Test<CardPayment> = async (t, _c, ms) => {
  const health = await within(t.checkHealth(), ms, 'status');
  const id = await within(t.identify(), ms, 'identify').catch(() => undefined);
  if (!health.ok) throw Object.assign(new Error(`card terminal not ready: ${health.status.reason} (${health.status.text})`), { code: 'KIOSK_E_DEVICE_FAULT' });
  return `card terminal ready${id ? `: ${id.model} ${id.serial}` : ''} (${health.status.text})`;
};

async function runOne<D extends { open(): Promise<void>; close(): Promise<void> }>(
  device: SelftestDevice, dev: D | undefined, test: Test<D>, c: KioskConfig, ms: number, say: (l: string) => void,
): Promise<SelftestResult> {
  if (!dev) return { device, outcome: 'skipped', detail: 'not configured (driver fake or none)' };
  say(`${device}: testing…`);
  try {
    await within(dev.open(), ms, 'open');
    return { device, outcome: 'pass', detail: await test(dev, c, ms, say) };
  } catch (err) {
    const code = toKioskError(err).code;
    const e = (err as { code?: unknown }).code;
    return { device, outcome: 'fail', detail: err instanceof Error ? err.message : String(err), code: typeof e === 'string' ? e : code };
  } finally {
    await within(dev.close(), ms, 'close').catch(() => undefined);
  }
}

/** Exit 0 every tested device passed, 1 one failed, 64 unknown device, 78 invalid configuration. */
export async function selftest(a: SelftestArgs): Promise<CommandResult> {
  const which = a.device === undefined ? [...SELFTEST_DEVICES] : [a.device];
  const bad = which.filter((d) => !(SELFTEST_DEVICES as readonly string[]).includes(d));
  if (bad.length) return fail(EXIT.usage, 'usage', `unknown device "${bad.join(',')}": choose ${SELFTEST_DEVICES.join(', ')}`);
  let config: KioskConfig;
  try {
    config = (await loadConfig({ ...(a.dir ? { dir: a.dir } : {}), ...(a.profile ? { profile: a.profile } : {}) })).config;
  } catch {
    return configValidate({ ...(a.dir ? { dir: a.dir } : {}), ...(a.profile ? { profile: a.profile } : {}) });
  }
  const f = { ...realFactories, ...a.factories };
  const logger = pino({ level: 'silent' });
  const ms = a.timeoutMs ?? 15_000;
  const say = a.say ?? (() => undefined);
  const results: SelftestResult[] = [];
  for (const d of which as SelftestDevice[]) {
    let r: SelftestResult;
    try {
      switch (d) {
        case 'printer': r = await runOne(d, f.printer(config, logger), testPrinter, config, ms, say); break;
        case 'display': r = await runOne(d, f.display(config, logger), testDisplay, config, ms, say); break;
        case 'validator': r = await runOne(d, f.validator(config, logger), testValidator, config, ms, say); break;
        case 'scanner': r = await runOne(d, f.scanner(config, logger), testScanner, config, ms, say); break;
        case 'card': r = await runOne(d, f.card(config, logger), testCard, config, ms, say); break;
      }
    } catch (err) {
      r = { device: d, outcome: 'fail', detail: `cannot build the driver: ${toKioskError(err).message}`, code: toKioskError(err).code };
    }
    results.push(r);
  }
  const failed = results.filter((r) => r.outcome === 'fail');
  const lines = results.map((r) => `${r.outcome.toUpperCase().padEnd(7)} ${r.device.padEnd(9)} ${r.detail}${r.code ? ` [${r.code}]` : ''}`);
  lines.push(failed.length ? `${failed.length} of ${results.length} failed (is kioskd stopped? it holds the ports)` : 'all tested devices passed');
  return { code: failed.length ? EXIT.failure : EXIT.ok, text: lines.join('\n'), json: { results } };
}
