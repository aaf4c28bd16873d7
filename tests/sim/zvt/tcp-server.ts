import { createServer, type Server, type Socket } from 'node:net';
import type { ZvtTerminalSim } from './terminal-sim.js';
import { ApduReader } from './wire.js';

/** The PT as a TCP server on 127.0.0.1 (port 0: the OS picks one). One ECR connection at a time. */
export class ZvtSimTcpServer {
  private server: Server | undefined;
  private socket: Socket | undefined;
  private connections = 0;

  constructor(private readonly sim: ZvtTerminalSim) {}

  /** Starts listening; resolves with the port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer((s) => this.onConnection(s));
      this.server = server;
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : 0);
      });
    });
  }

  connectionCount(): number { return this.connections; }

  /** Simulates a network drop: the current connection is reset. */
  dropConnection(): void {
    this.socket?.destroy();
  }

  private onConnection(s: Socket): void {
    this.connections++;
    this.socket?.destroy();
    this.socket = s;
    s.setNoDelay(true);
    const reader = new ApduReader();
    s.on('data', (chunk: Buffer) => { for (const a of reader.push(chunk)) this.sim.receive(a); });
    s.on('error', () => {});
    s.on('close', () => { if (this.socket === s) { this.socket = undefined; this.sim.attach(undefined); } });
    this.sim.attach((bytes) => { if (!s.destroyed) s.write(bytes); });
  }

  close(): Promise<void> {
    this.socket?.destroy();
    this.sim.attach(undefined);
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
