/**
 * The local control socket: kioskctl's way into the running kioskd (status, service in/out, reprint,
 * cash collection, settlement). A unix socket, mode 0660 in a directory only the service group can
 * enter; one JSON request per line, one JSON response per line, matched by `id`. Whatever arrives —
 * malformed JSON, unknown methods, oversized lines — is answered with an error; it never throws into
 * kioskd.
 */
import { chmodSync, chownSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { isKioskError, toKioskError } from '../errors/index.js';
import type { DeviceStatus } from '../hal/index.js';
import type { Kiosk } from './kiosk.js';

/** Where kioskd listens unless told otherwise (RuntimeDirectory=kioskd in the unit). */
export const DEFAULT_CONTROL_SOCKET = '/run/kioskd/control.sock';
/** Longest request line accepted; the longest legitimate request is well under 1 KiB. */
export const MAX_REQUEST_BYTES = 16 * 1024;

export const CONTROL_METHODS = ['status', 'service', 'reprint', 'cash.collect', 'settle'] as const;
export type ControlMethod = (typeof CONTROL_METHODS)[number];

export interface ControlRequest {
  readonly id: string | number;
  readonly method: ControlMethod;
  readonly params?: Readonly<Record<string, unknown>>;
}

export type ControlResponse =
  | { readonly id: string | number | null; readonly ok: true; readonly result: unknown }
  | { readonly id: string | number | null; readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/** What the socket needs of the kiosk (the Kiosk class satisfies it; tests pass a stand-in). */
export type ControlTarget = Pick<Kiosk, 'serviceState' | 'state' | 'setOperatorService' | 'reprint' | 'collectCash' | 'attestCollection' | 'settleDay' | 'devices'>;

export interface ControlSocketOptions {
  readonly path: string;
  readonly kiosk: ControlTarget;
  readonly logger: Logger;
  /** File mode of the socket; default 0660 (owner and the service group). */
  readonly mode?: number;
  /** Numeric gid to hand the socket to (operators' group); default: the process's group. */
  readonly gid?: number;
}

export interface ControlSocket {
  readonly path: string;
  close(): Promise<void>;
}

class RequestError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

/** Parses and checks one request line; throws RequestError with a stable code. */
export function parseControlRequest(line: string): ControlRequest {
  let raw: unknown;
  try { raw = JSON.parse(line); } catch { throw new RequestError('bad-request', 'request is not JSON'); }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new RequestError('bad-request', 'request must be a JSON object');
  const r = raw as Record<string, unknown>;
  const id = r['id'];
  if (typeof id !== 'string' && typeof id !== 'number') throw new RequestError('bad-request', 'request needs an "id" (string or number)');
  const method = r['method'];
  if (typeof method !== 'string' || !(CONTROL_METHODS as readonly string[]).includes(method)) {
    throw Object.assign(new RequestError('unknown-method', `unknown method ${JSON.stringify(method)}`), { id });
  }
  const params = r['params'];
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    throw Object.assign(new RequestError('bad-request', '"params" must be an object'), { id });
  }
  return { id, method: method as ControlMethod, ...(params ? { params: params as Record<string, unknown> } : {}) };
}

const str = (p: Readonly<Record<string, unknown>> | undefined, key: string): string | undefined => {
  const v = p?.[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new RequestError('bad-params', `"${key}" must be a string`);
  return v;
};

/** Runs one request against the kiosk. */
export async function handleControlRequest(kiosk: ControlTarget, req: ControlRequest): Promise<unknown> {
  const p = req.params;
  switch (req.method) {
    case 'status': {
      const { service, reasons } = kiosk.serviceState();
      const devices: Record<string, DeviceStatus> = {};
      for (const [role, dev] of Object.entries(kiosk.devices) as [string, { status(): DeviceStatus }][]) devices[role] = dev.status();
      return { service, reasons, fsm: kiosk.state().name, devices };
    }
    case 'service': {
      const v = p?.['inService'];
      if (typeof v !== 'boolean') throw new RequestError('bad-params', '"inService" must be true or false');
      kiosk.setOperatorService(v);
      const { service, reasons } = kiosk.serviceState();
      return { service, reasons };
    }
    case 'reprint':
      return kiosk.reprint(str(p, 'txId'));
    case 'cash.collect': {
      const collector = str(p, 'collector');
      const seal = str(p, 'seal');
      if ((collector === undefined) !== (seal === undefined)) throw new RequestError('bad-params', 'give both "collector" and "seal", or neither');
      const row = kiosk.collectCash('operator');
      const slip = collector !== undefined && seal !== undefined ? await kiosk.attestCollection(collector, seal, row.collectionId) : undefined;
      return { collectionId: row.collectionId, total: row.total, notes: row.notes, counts: row.counts, ...(slip ? { slip } : {}) };
    }
    case 'settle': {
      const day = str(p, 'day');
      if (day === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RequestError('bad-params', '"day" must be YYYY-MM-DD');
      return kiosk.settleDay(day);
    }
  }
}

function errorResponse(id: string | number | null, err: unknown): ControlResponse {
  if (err instanceof RequestError) return { id, ok: false, error: { code: err.code, message: err.message } };
  const e = toKioskError(err);
  return { id, ok: false, error: { code: e.code, message: e.message } };
}

/** Removes a socket file left by a previous kioskd; refuses when something still answers on it. */
async function clearStale(path: string): Promise<void> {
  let isSocket = false;
  try { isSocket = lstatSync(path).isSocket(); } catch { return; }
  if (!isSocket) throw new Error(`${path} exists and is not a socket`);
  const alive = await new Promise<boolean>((resolve) => {
    const c = createConnection(path);
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another process serves ${path}`);
  unlinkSync(path);
}

function serve(sock: Socket, o: ControlSocketOptions): void {
  let buf = '';
  let queue = Promise.resolve();
  const send = (r: ControlResponse): void => { if (!sock.destroyed) sock.write(`${JSON.stringify(r)}\n`); };
  sock.setEncoding('utf8');
  sock.on('error', () => { /* a client that went away is not kioskd's problem */ });
  sock.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      if (Buffer.byteLength(line) > MAX_REQUEST_BYTES) { send({ id: null, ok: false, error: { code: 'too-large', message: `request longer than ${MAX_REQUEST_BYTES} bytes` } }); continue; }
      // Requests on one connection run in order, so a client can pipeline them.
      queue = queue.then(async () => {
        let id: string | number | null = null;
        try {
          const req = parseControlRequest(line);
          id = req.id;
          o.logger.info({ method: req.method }, 'control request');
          send({ id, ok: true, result: await handleControlRequest(o.kiosk, req) });
        } catch (err) {
          const rid = (err as { id?: unknown }).id;
          const resp = errorResponse(typeof rid === 'string' || typeof rid === 'number' ? rid : id, err);
          if (!(err instanceof RequestError) && !isKioskError(err)) o.logger.error({ err: toKioskError(err).message }, 'control request failed');
          send(resp);
        }
      });
    }
    if (Buffer.byteLength(buf) > MAX_REQUEST_BYTES) {
      send({ id: null, ok: false, error: { code: 'too-large', message: `request longer than ${MAX_REQUEST_BYTES} bytes` } });
      buf = '';
      sock.end();
    }
  });
}

/** Listens on `path` (creating its directory, replacing a stale socket). */
export async function startControlSocket(o: ControlSocketOptions): Promise<ControlSocket> {
  mkdirSync(dirname(o.path), { recursive: true, mode: 0o750 });
  await clearStale(o.path);
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
    serve(sock, o);
  });
  server.maxConnections = 16;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.path, () => { server.off('error', reject); resolve(); });
  });
  server.on('error', (err) => o.logger.error({ err: err.message }, 'control socket error'));
  chmodSync(o.path, o.mode ?? 0o660);
  if (o.gid !== undefined) chownSync(o.path, -1, o.gid);
  o.logger.info({ path: o.path }, 'control socket listening');
  return {
    path: o.path,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
