/**
 * Run in a fresh process (`node --import tsx`): proves the scanner drivers load without node-hid and
 * that node-hid is imported only when a HID scanner opens. Prints one JSON line.
 */
import { createRequire } from 'node:module';
import { pino } from 'pino';
import { ManualClock } from '../../../src/hal/index.js';

const loaded = (): boolean => Object.keys(createRequire(import.meta.url).cache).some((k) => /[\\/]node-hid[\\/]/.test(k));

const serial = await import('../../../src/drivers/serial-scanner/index.js');
const afterSerialImport = loaded();
const hid = await import('../../../src/drivers/hid-scanner/index.js');
const afterHidImport = loaded();
const clock = new ManualClock();
const ctx = { clock, timers: clock, logger: pino({ level: 'silent' }) };
serial.createSerialScanner(serial.SerialScannerConfigSchema.parse({ driver: 'serial', port: { path: '/dev/ttyNone' } }), ctx);
const scanner = hid.createHidScanner(hid.HidScannerConfigSchema.parse({ driver: 'hid-pos', vendorId: 0xfffe, productId: 0xfffd }), ctx);
const afterCreate = loaded();
let code = '';
try { await scanner.open(); } catch (e) { code = (e as { code?: string }).code ?? String(e); }
process.stdout.write(`${JSON.stringify({ afterSerialImport, afterHidImport, afterCreate, afterOpen: loaded(), code, status: scanner.status() })}\n`);
