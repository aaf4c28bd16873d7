/**
 * Which protocol answers on a serial port: SSP SYNC, ID-003 STATUS REQUEST, ESC/POS DLE EOT, ZVT status
 * enquiry, and a listen for scanner text — each with its own line settings, through the drivers' codecs.
 * Every attempt opens the port afresh and is bounded by a timeout.
 */
import { SerialLink, type SerialOptions } from '../drivers/serial/index.js';
import { FrameDecoder, encodeFrame as sspFrame, parseAscii, parseSerial, parseSetup, seqIdByte, sspCommands, SSP_RESP } from '../drivers/ssp/index.js';
import {
  Id003Decoder, JCM_COUNTRY_CODES, currencyAssignRequest, decodeAscii, decodeCurrencyAssign, isStatusCode, parseVersion, statusRequest, versionRequest,
} from '../drivers/id003/index.js';
import { ReplyReader, escposCommands, isStatusByte, decodeStatusByte } from '../drivers/escpos/index.js';
import { ACK_APDU, SerialFrameDecoder, currencyFromNumeric, decodeMessage, encodeSerialFrame, parseApdu, statusEnquiry } from '../drivers/zvt/index.js';
import { ScanFramer } from '../drivers/serial-scanner/index.js';
import type { ByteLink } from '../hal/index.js';

export const PROBE_PROTOCOLS = ['ssp', 'id003', 'escpos', 'zvt', 'scanner'] as const;
export type ProbeProtocol = (typeof PROBE_PROTOCOLS)[number];

export interface ProbeFinding {
  readonly protocol: ProbeProtocol;
  readonly device: string;
  readonly model?: string;
  readonly serial?: string;
  readonly firmware?: string;
  readonly currency?: string;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

export interface ProbeOptions {
  readonly path: string;
  readonly binding?: 'real' | 'mock';
  /** Reply timeout per request. */
  readonly timeoutMs?: number;
  /** How long to listen for a scan. */
  readonly listenMs?: number;
  readonly only?: readonly ProbeProtocol[];
  readonly escposBaud?: number;
  readonly zvtPassword?: string;
  /** Progress lines (stderr in the CLI). */
  readonly say?: (line: string) => void;
  readonly openLink?: (o: SerialOptions) => Promise<ByteLink>;
}

export interface ProbeAttempt { readonly protocol: ProbeProtocol; readonly answered: boolean; readonly note?: string }
export interface ProbeReport { readonly finding: ProbeFinding | undefined; readonly attempts: readonly ProbeAttempt[] }

/** Collects replies until `take` returns a value or the time is up (→ undefined). */
function exchange<T>(link: ByteLink, bytes: Uint8Array | undefined, take: (chunk: Buffer) => T | undefined, timeoutMs: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (v: T | undefined): void => { if (done) return; done = true; clearTimeout(timer); off(); resolve(v); };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const off = link.onData((chunk) => {
      try {
        const v = take(chunk);
        if (v !== undefined) finish(v);
      } catch {
        // A codec error on the wire is no answer from this protocol.
      }
    });
    if (bytes) link.write(bytes).catch((err: unknown) => { if (!done) { done = true; clearTimeout(timer); off(); reject(err instanceof Error ? err : new Error(String(err))); } });
  });
}

type Attempt = (link: ByteLink, o: Required<Pick<ProbeOptions, 'timeoutMs' | 'listenMs' | 'zvtPassword'>>) => Promise<ProbeFinding | undefined>;

const ssp: Attempt = async (link, o) => {
  const decoder = new FrameDecoder();
  let seq: 0 | 1 = 1;
  const ask = async (data: Uint8Array): Promise<Buffer | undefined> => {
    const seqId = seqIdByte(0, seq);
    seq = seq === 1 ? 0 : 1;
    return exchange(link, sspFrame(seqId, data), (chunk) => {
      for (const item of decoder.push(chunk)) if (item.kind === 'frame' && item.frame.seqId === seqId) return item.frame.data;
      return undefined;
    }, o.timeoutMs);
  };
  const synced = await ask(sspCommands.sync());
  if (!synced || synced[0] !== SSP_RESP.OK) return undefined;
  const details: Record<string, string | number | boolean> = { address: 0 };
  const setupReply = await ask(sspCommands.setupRequest());
  if (setupReply?.[0] === 0xfa) return { protocol: 'ssp', device: 'ITL validator (eSSP: encryption required before setup)', details: { encryptionRequired: true } };
  let model = 'ITL SSP device';
  let currency: string | undefined;
  let firmware: string | undefined;
  if (setupReply?.[0] === SSP_RESP.OK) {
    const setup = parseSetup(setupReply.subarray(1));
    model = setup.unitType === 0 ? 'ITL banknote validator' : `ITL unit type 0x${setup.unitType.toString(16)}`;
    currency = setup.country;
    firmware = setup.firmware;
    details['protocolVersion'] = setup.protocolVersion;
    details['channels'] = setup.channels.filter((c) => c.value > 0).map((c) => c.value).join(',');
  }
  const serialReply = await ask(sspCommands.getSerialNumber());
  const fwReply = await ask(sspCommands.getFirmwareVersion());
  const dsReply = await ask(sspCommands.getDatasetVersion());
  if (fwReply?.[0] === SSP_RESP.OK) firmware = parseAscii(fwReply.subarray(1));
  if (dsReply?.[0] === SSP_RESP.OK) details['dataset'] = parseAscii(dsReply.subarray(1));
  return {
    protocol: 'ssp', device: 'bill validator', model,
    ...(serialReply?.[0] === SSP_RESP.OK ? { serial: String(parseSerial(serialReply.subarray(1))) } : {}),
    ...(firmware ? { firmware } : {}), ...(currency ? { currency } : {}), details,
  };
};

const id003: Attempt = async (link, o) => {
  const decoder = new Id003Decoder();
  const ask = (bytes: Uint8Array, want: (cmd: number) => boolean): Promise<{ cmd: number; data: Uint8Array } | undefined> => exchange(link, bytes, (chunk) => {
    for (const r of decoder.push(chunk)) if (r.frame && want(r.frame.cmd)) return r.frame;
    return undefined;
  }, o.timeoutMs);
  const status = await ask(statusRequest(), isStatusCode);
  if (!status) return undefined;
  const version = await ask(versionRequest(), (c) => c === 0x88);
  const assign = await ask(currencyAssignRequest(), (c) => c === 0x8a);
  const v = version ? parseVersion(decodeAscii(version.data)) : undefined;
  let currency: string | undefined;
  let denominations = '';
  if (assign) {
    try {
      const used = decodeCurrencyAssign(assign.data).filter((e) => e.base !== 0);
      const country = used[0]?.countryCode;
      currency = country === undefined ? undefined : JCM_COUNTRY_CODES[country] ?? `country 0x${country.toString(16)}`;
      denominations = used.map((e) => `${e.base}e${e.exponent}`).join(',');
    } catch { /* a malformed table is still an ID-003 device */ }
  }
  return {
    protocol: 'id003', device: 'bill validator (JCM ID-003)', model: v?.model ?? 'unknown',
    ...(v ? { firmware: v.firmware } : {}), ...(currency ? { currency } : {}),
    details: { status: `0x${status.cmd.toString(16)}`, ...(denominations ? { denominations } : {}) },
  };
};

const escpos: Attempt = async (link, o) => {
  const status = await exchange(link, escposCommands.dleEot(1), (chunk) => {
    for (const b of chunk) if (isStatusByte(b)) return b;
    return undefined;
  }, o.timeoutMs);
  if (status === undefined) return undefined;
  const flags = decodeStatusByte(1, status);
  const id = async (n: number): Promise<string | undefined> => {
    const reader = new ReplyReader();
    reader.expect({ kind: 'id-text' });
    return exchange(link, escposCommands.printerId(n), (chunk) => {
      for (const item of reader.push(chunk)) {
        if (item.kind === 'id-text') return item.text;
        if (item.kind === 'invalid' && item.consumed) return '';
      }
      return undefined;
    }, o.timeoutMs);
  };
  const { PRINTER_ID } = escposCommands;
  const maker = await id(PRINTER_ID.MAKER);
  const model = await id(PRINTER_ID.MODEL);
  const firmware = await id(PRINTER_ID.FIRMWARE);
  const serial = await id(PRINTER_ID.SERIAL);
  return {
    protocol: 'escpos', device: 'receipt printer (ESC/POS)',
    model: [maker, model].filter(Boolean).join(' ') || 'unknown (printer does not answer GS I)',
    ...(serial ? { serial } : {}), ...(firmware ? { firmware } : {}),
    details: Object.fromEntries(Object.entries(flags).map(([k, v]) => [k, Boolean(v)])),
  };
};

const zvt: Attempt = async (link, o) => {
  const decoder = new SerialFrameDecoder();
  let acked = false;
  let aborted: number | undefined;
  const fields = await exchange(link, encodeSerialFrame(statusEnquiry(o.zvtPassword)), (chunk) => {
    for (const item of decoder.push(chunk)) {
      if (item.type === 'ack') acked = true;
      if (item.type !== 'frame') continue;
      void link.write(Uint8Array.of(0x06)).catch(() => undefined);
      const m = decodeMessage(parseApdu(item.apdu));
      if (m.kind === 'completion') return m.fields;
      if (m.kind === 'abort') { aborted = m.code; return {}; }
    }
    return undefined;
  }, Math.max(o.timeoutMs, 1500));
  if (!fields && !acked) return undefined;
  // Close the PT's flow: it waits for the ECR's acknowledgement of its completion.
  if (fields) await exchange(link, encodeSerialFrame(ACK_APDU), (chunk) => (chunk.includes(0x06) ? true : undefined), o.timeoutMs);
  const details: Record<string, string | number | boolean> = aborted !== undefined
    ? { refused: `0x${aborted.toString(16)}`, hint: aborted === 0x6b ? 'wrong ECR password (--zvt-password)' : 'see the terminal' }
    : { answered: fields !== undefined };
  const currency = fields?.currencyNumeric !== undefined ? currencyFromNumeric(fields.currencyNumeric) ?? String(fields.currencyNumeric) : undefined;
  return {
    protocol: 'zvt', device: 'card terminal (ZVT)', model: 'ZVT payment terminal',
    ...(fields?.terminalId ? { serial: fields.terminalId } : {}), ...(currency ? { currency } : {}),
    details,
  };
};

const scanner: Attempt = async (link, o) => {
  const raw: number[] = [];
  const got = await exchange(link, undefined, (chunk) => {
    raw.push(...chunk);
    return raw.includes(0x0d) || raw.includes(0x0a) ? true : undefined;
  }, o.listenMs);
  if (!got) return undefined;
  // Give a CR LF pair time to arrive whole.
  await new Promise((r) => setTimeout(r, 50));
  const suffix = raw.includes(0x0d) ? (raw[raw.indexOf(0x0d) + 1] === 0x0a ? 'crlf' : 'cr') : 'lf';
  const framer = new ScanFramer({ suffix: suffix === 'lf' ? 'lf' : 'cr', aim: true });
  const scan = framer.push(Uint8Array.from(raw)).find((r) => r.scan)?.scan;
  if (!scan) return { protocol: 'scanner', device: 'serial text device (not a clean scan: check the baud rate)', details: { suffix } };
  // The content may be a customer's bill: only its shape is shown.
  return { protocol: 'scanner', device: 'barcode scanner (serial)', details: { suffix, aim: scan.symbology !== undefined, ...(scan.symbology ? { symbology: scan.symbology } : {}), length: scan.data.length } };
};

const LINE: Readonly<Record<ProbeProtocol, (o: ProbeOptions) => Omit<SerialOptions, 'path' | 'binding'>>> = {
  ssp: () => ({ baudRate: 9600, stopBits: 2 }),
  id003: () => ({ baudRate: 9600, parity: 'even' }),
  escpos: (o) => ({ baudRate: o.escposBaud ?? 19200 }),
  zvt: () => ({ baudRate: 9600, stopBits: 2 }),
  scanner: () => ({ baudRate: 9600 }),
};
const ATTEMPTS: Readonly<Record<ProbeProtocol, Attempt>> = { ssp, id003, escpos, zvt, scanner };
const LABEL: Readonly<Record<ProbeProtocol, string>> = {
  ssp: 'SSP SYNC (ITL)', id003: 'ID-003 STATUS REQUEST (JCM)', escpos: 'ESC/POS DLE EOT', zvt: 'ZVT status enquiry', scanner: 'listening for a scan (scan any barcode now)',
};

/**
 * Tries each protocol in turn and stops at the first that answers. Opening the port can throw (a
 * KioskError KIOSK_E_DEVICE_OFFLINE); the caller turns that into an exit code.
 */
export async function probePort(po: ProbeOptions): Promise<ProbeReport> {
  const o = { timeoutMs: po.timeoutMs ?? 500, listenMs: po.listenMs ?? 5000, zvtPassword: po.zvtPassword ?? '000000' };
  const open = po.openLink ?? ((s: SerialOptions) => SerialLink.open(s));
  const attempts: ProbeAttempt[] = [];
  for (const protocol of po.only ?? PROBE_PROTOCOLS) {
    po.say?.(`trying ${LABEL[protocol]}…`);
    const link = await open({ path: po.path, binding: po.binding ?? 'real', ...LINE[protocol](po) });
    try {
      const finding = await ATTEMPTS[protocol](link, o);
      attempts.push({ protocol, answered: finding !== undefined });
      if (finding) return { finding, attempts };
    } catch (err) {
      attempts.push({ protocol, answered: false, note: err instanceof Error ? err.message : String(err) });
    } finally {
      await link.close();
    }
  }
  return { finding: undefined, attempts };
}
