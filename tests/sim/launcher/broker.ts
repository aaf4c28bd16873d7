import { createServer, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes } from 'aedes';

export interface EmbeddedBroker {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** True between start() and stop(). */
  running(): boolean;
  /** Stops accepting and drops every client (the "broker down" fault). */
  stop(): Promise<void>;
  /** Starts again on the same port. */
  start(): Promise<void>;
  /**
   * Serves one MQTT connection carried by another transport (a WebSocket stream from the web panel's
   * `/mqtt`). False, with the stream destroyed, while the broker is down; stop() drops these too.
   */
  handleStream(stream: Duplex): boolean;
}

/**
 * The simulated kiosk's own MQTT 3.1.1 broker (aedes, in-process, loopback only). kioskd connects to it
 * with MQTT.js exactly as to any broker; aedes speaks no MQTT 5, so the sim profile pins version 4.
 */
export async function startEmbeddedBroker(opts: { host?: string; port?: number } = {}): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  let port = opts.port ?? 1883;
  let server: Server | undefined;
  let broker: Aedes | undefined;
  const streams = new Set<Duplex>();

  const start = async (): Promise<void> => {
    if (server) return;
    broker = await Aedes.createBroker();
    const s = createServer(broker.handle);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => { s.off('error', reject); resolve(); });
    });
    const addr = s.address();
    if (addr && typeof addr === 'object') port = addr.port;
    server = s;
  };

  const stop = async (): Promise<void> => {
    const s = server; const b = broker;
    server = undefined; broker = undefined;
    if (!s || !b) return;
    for (const st of streams) st.destroy();
    streams.clear();
    await new Promise<void>((resolve) => b.close(() => resolve()));
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await start();
  return {
    host,
    get port() { return port; },
    get url() { return `mqtt://${host}:${port}`; },
    running: () => server !== undefined,
    stop, start,
    handleStream(stream) {
      if (!broker) { stream.destroy(); return false; }
      streams.add(stream);
      stream.once('close', () => streams.delete(stream));
      broker.handle(stream);
      return true;
    },
  };
}
