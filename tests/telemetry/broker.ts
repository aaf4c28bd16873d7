import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { parseEnvelope, type Envelope } from '../../src/telemetry/index.js';

export interface TestBroker {
  readonly broker: Aedes;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** An in-process aedes (MQTT 3.1.1 only) on 127.0.0.1; port 0 picks a free one. */
export async function startBroker(port = 0, opts: AedesOptions = {}): Promise<TestBroker> {
  const broker = await Aedes.createBroker(opts);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    broker,
    port: bound,
    url: `mqtt://127.0.0.1:${bound}`,
    close: () => new Promise<void>((resolve) => {
      broker.close(() => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
    }),
  };
}

/** A port nothing listens on (bound once, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Received {
  readonly topic: string;
  readonly retain: boolean;
  readonly env: Envelope;
}

/** A separate MQTT.js client standing in for the fleet back end. */
export async function subscriber(url: string, filter: string): Promise<{ client: MqttClient; got: Received[] }> {
  const client = await connectAsync(url, { protocolVersion: 4, clientId: `backend-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 50 });
  const got: Received[] = [];
  client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
    got.push({ topic, retain: packet.retain, env: parseEnvelope(payload) });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, got };
}
