import type { TimerHandle, Timers } from '../../../src/hal/index.js';
import type { DeviceSide } from '../serial/device-side.js';
import type { ZvtTerminalSim } from './terminal-sim.js';
import { FrameReader, frame } from './wire.js';

export interface ZvtSerialSideOptions {
  readonly timers: Timers;
  /** Wait for the ECR's ACK to one of our frames before retransmitting. Defaults to 2000 ms. */
  readonly ackTimeoutMs?: number;
}

/**
 * The PT's end of the RS-232 line: DLE framing with CRC, ACK/NAK per frame, up to 3 retransmissions.
 * Plugs into the SerialPortMock bridge or a socat PTY as a DeviceSide.
 */
export class ZvtSerialSide implements DeviceSide {
  private send: ((bytes: Buffer) => void) | undefined;
  private readonly reader = new FrameReader();
  private readonly queue: number[][] = [];
  private inFlight: { apdu: number[]; tries: number; timer: TimerHandle } | undefined;
  private corruptNext = 0;
  private badFrames = 0;
  private naksSent = 0;
  private retransmits = 0;
  private readonly ackTimeoutMs: number;

  constructor(private readonly sim: ZvtTerminalSim, private readonly opts: ZvtSerialSideOptions) {
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 2000;
  }

  /** The next `n` frames leave with a broken CRC (the ECR must NAK them; they are retransmitted intact). */
  corruptNextFrames(n: number): void { this.corruptNext = n; }
  /** Writes raw bytes on the line (noise, hand-made frames). */
  writeRaw(bytes: readonly number[]): void { this.send?.(Buffer.from(bytes)); }
  stats(): { badFrames: number; naksSent: number; retransmits: number } {
    return { badFrames: this.badFrames, naksSent: this.naksSent, retransmits: this.retransmits };
  }

  attach(send: ((bytes: Buffer) => void) | undefined): void {
    this.send = send;
    this.sim.attach(send ? (apdu) => this.enqueue([...apdu]) : undefined);
    if (!send && this.inFlight) { this.opts.timers.clearTimeout(this.inFlight.timer); this.inFlight = undefined; this.queue.length = 0; }
  }

  receive(chunk: Buffer): void {
    for (const item of this.reader.push(chunk)) {
      switch (item.kind) {
        case 'ack': this.settle(true); break;
        case 'nak': this.settle(false); break;
        case 'bad': this.badFrames++; this.naksSent++; this.send?.(Buffer.of(0x15)); break;
        case 'frame': {
          this.send?.(Buffer.of(0x06));
          const a = item.apdu;
          let head = 3;
          let len = a[2] ?? 0;
          if (len === 0xff) { head = 5; len = (a[3] ?? 0) + 256 * (a[4] ?? 0); }
          if (a.length !== head + len) { this.badFrames++; break; }
          this.sim.receive({ cls: a[0]!, ins: a[1]!, data: a.slice(head) });
          break;
        }
      }
    }
  }

  private enqueue(apdu: number[]): void {
    this.queue.push(apdu);
    if (!this.inFlight) this.next();
  }

  private next(): void {
    const apdu = this.queue.shift();
    if (!apdu) return;
    this.transmit(apdu, 0);
  }

  private transmit(apdu: number[], tries: number): void {
    const corrupt = this.corruptNext > 0;
    if (corrupt) this.corruptNext--;
    const timer = this.opts.timers.setTimeout(() => this.settle(false), this.ackTimeoutMs);
    this.inFlight = { apdu, tries, timer };
    this.send?.(frame(apdu, corrupt));
  }

  private settle(acked: boolean): void {
    const f = this.inFlight;
    if (!f) return;
    this.opts.timers.clearTimeout(f.timer);
    this.inFlight = undefined;
    if (!acked && f.tries < 3) {
      this.retransmits++;
      this.transmit(f.apdu, f.tries + 1);
      return;
    }
    this.next();
  }
}
