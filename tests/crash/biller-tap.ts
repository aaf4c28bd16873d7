import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One payment request as it reached the biller, with the biller's answer. */
export interface PaymentAttempt {
  readonly txId: string;
  readonly amount: number;
  readonly status: number;
}

export interface BillerTap {
  /** What kioskd is configured with instead of the biller's own URL. */
  readonly url: string;
  /** Every POST /v1/payments in arrival order (answered or not: status 0 when the biller never replied). */
  readonly attempts: readonly PaymentAttempt[];
  close(): Promise<void>;
}

/**
 * A wire tap in front of the biller simulator: the simulator keeps one row per idempotency key, so a
 * second posting of the same key with another amount would leave no trace there. The tap records every
 * payment body and the status it got, part of the biller side's own record. It can also delay replies,
 * so that random kills land while a posting is in flight.
 */
export async function startBillerTap(target: string, delayMs: (payment: boolean) => number = () => 0): Promise<BillerTap> {
  const attempts: PaymentAttempt[] = [];
  const up = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isPayment = req.method === 'POST' && req.url === '/v1/payments';
      const entry = isPayment ? paymentOf(body) : undefined;
      const idx = entry ? attempts.push({ ...entry, status: 0 }) - 1 : -1;
      const fwd = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (up: IncomingMessage) => {
        const out: Buffer[] = [];
        up.on('data', (c: Buffer) => out.push(c));
        up.on('end', () => {
          if (idx >= 0) attempts[idx] = { ...attempts[idx]!, status: up.statusCode ?? 0 };
          const send = (): void => {
            if (res.destroyed) return;
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(Buffer.concat(out));
          };
          const d = delayMs(isPayment);
          if (d > 0) setTimeout(send, d); else send();
        });
      });
      fwd.on('error', () => res.destroy());
      fwd.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    attempts,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

function paymentOf(body: Buffer): { txId: string; amount: number } | undefined {
  try {
    const v = JSON.parse(body.toString('utf8')) as { txId?: unknown; amount?: unknown };
    return typeof v.txId === 'string' && typeof v.amount === 'number' ? { txId: v.txId, amount: v.amount } : undefined;
  } catch {
    return undefined;
  }
}
