/** kioskctl's side of the control socket: one request, one response, bounded by a timeout. */
import { createConnection } from 'node:net';
import { DEFAULT_CONTROL_SOCKET, type ControlMethod, type ControlResponse } from '../runtime/control-socket.js';
import { EXIT, fail, type CommandResult } from './output.js';

export interface ControlCall {
  readonly socket?: string;
  readonly method: ControlMethod;
  readonly params?: Record<string, unknown>;
  readonly timeoutMs?: number;
}

export type ControlOutcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly failure: CommandResult };

export function socketPath(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return given ?? (env['KIOSKD_CONTROL_SOCKET'] || DEFAULT_CONTROL_SOCKET);
}

/** Sends one request to kioskd. Never throws: every way it can fail is a CommandResult. */
export function callKioskd(c: ControlCall): Promise<ControlOutcome> {
  const path = socketPath(c.socket);
  const id = `kioskctl-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  return new Promise((resolve) => {
    let buf = '';
    let settled = false;
    const done = (o: ControlOutcome): void => { if (settled) return; settled = true; clearTimeout(timer); sock.destroy(); resolve(o); };
    const sock = createConnection(path);
    const timer = setTimeout(() => done({ ok: false, failure: fail(EXIT.tempFail, 'timeout', `kioskd did not answer on ${path} within ${c.timeoutMs ?? 30_000} ms`) }), c.timeoutMs ?? 30_000);
    sock.setEncoding('utf8');
    sock.once('connect', () => sock.write(`${JSON.stringify({ id, method: c.method, ...(c.params ? { params: c.params } : {}) })}\n`));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      const notRunning = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'ENOTSOCK';
      if (notRunning) done({ ok: false, failure: fail(EXIT.unavailable, 'not-running', `kioskd is not running (nothing listens on ${path}); check: systemctl status kioskd`, { socket: path }) });
      else if (err.code === 'EACCES' || err.code === 'EPERM') done({ ok: false, failure: fail(EXIT.noPerm, 'permission-denied', `no permission to use ${path}; add your user to the kioskd group (or use sudo)`, { socket: path }) });
      else done({ ok: false, failure: fail(EXIT.unavailable, err.code ?? 'socket-error', `cannot talk to kioskd on ${path}: ${err.message}`, { socket: path }) });
    });
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let r: ControlResponse;
      try { r = JSON.parse(buf.slice(0, nl)) as ControlResponse; } catch {
        done({ ok: false, failure: fail(EXIT.software, 'bad-response', `kioskd answered something that is not JSON on ${path}`) });
        return;
      }
      if (r.ok) done({ ok: true, result: r.result });
      else done({ ok: false, failure: fail(EXIT.failure, r.error.code, `kioskd refused ${c.method}: ${r.error.message} (${r.error.code})`, { code: r.error.code }) });
    });
    sock.on('close', () => done({ ok: false, failure: fail(EXIT.unavailable, 'closed', `kioskd closed the connection on ${path} without answering`) }));
  });
}
