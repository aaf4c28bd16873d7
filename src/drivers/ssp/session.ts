import { KioskError, isKioskError } from '../../errors/index.js';
import type { ByteLink, TimerHandle, Timers } from '../../hal/index.js';
import { SSP_CMD, SSP_RESP, STEX } from './constants.js';
import { decryptPacket, encryptPacket, type RandomSource } from './essp.js';
import { FrameDecoder, encodeFrame, seqIdByte, type SspFrame } from './frame.js';
import { decodeReply, type SspReply } from './replies.js';

export interface SspSessionOptions {
  readonly link: ByteLink;
  readonly timers: Timers;
  readonly address: number;
  /** How long to wait for a reply before resending the same frame (GA138: 1 s). */
  readonly replyTimeoutMs: number;
  /** Resends after the first try before the slave counts as dead. */
  readonly retries: number;
  readonly random?: RandomSource;
  /** A garbled frame, noise or an eSSP packet that failed its checks. */
  readonly onCommError?: (err: KioskError) => void;
  readonly onResend?: () => void;
}

interface Waiter {
  readonly seqId: number;
  resolve(f: SspFrame): void;
}

/**
 * The SSP transport layer over one ByteLink (PROTOCOLS.md §1.3): one command at a time, sequence bit
 * toggled only after a valid reply, the same bytes resent on timeout, replies with another SEQ/ID byte
 * ignored (a late answer to an earlier try), and the optional eSSP wrapping with its packet counter.
 */
export class SspSession {
  private seq: 0 | 1 = 1;
  private readonly decoder = new FrameDecoder();
  private waiter: Waiter | undefined;
  private failWaiter: ((e: KioskError) => void) | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private closedErr: KioskError | undefined;
  private key: Buffer | undefined;
  private count = 0;
  private readonly offs: (() => void)[] = [];

  constructor(private readonly o: SspSessionOptions) {
    this.offs.push(o.link.onData((chunk) => this.onData(chunk)));
    this.offs.push(o.link.onClose((err) => this.shutdown(new KioskError('KIOSK_E_DEVICE_OFFLINE', 'SSP link closed', { disconnected: true, retryable: true, cause: err }))));
  }

  get encrypted(): boolean { return this.key !== undefined; }

  /** Installs the negotiated AES key; the eSSP counter restarts at 0 (§1.10). */
  setKey(key: Buffer | undefined): void { this.key = key; this.count = 0; }

  /** Sends one command (queued behind any in flight) and resolves with its decoded reply. */
  command(data: Uint8Array, opts: { readonly encrypt?: boolean } = {}): Promise<SspReply> {
    const run = this.chain.then(() => this.exchange(data, opts.encrypt ?? false));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Detaches from the link (the owner closes the link itself). */
  shutdown(err: KioskError = new KioskError('KIOSK_E_DEVICE_OFFLINE', 'SSP session closed', { disconnected: true })): void {
    if (this.closedErr) return;
    this.closedErr = err;
    for (const off of this.offs.splice(0)) off();
    this.failWaiter?.(err);
  }

  private async exchange(data: Uint8Array, encrypt: boolean): Promise<SspReply> {
    if (this.closedErr) throw this.closedErr;
    if (data[0] === SSP_CMD.SYNC) this.seq = 1;
    let wire: Uint8Array = data;
    let expectCount = -1;
    if (encrypt) {
      if (!this.key) throw new KioskError('KIOSK_E_DEVICE_STATE', 'eSSP key not negotiated');
      wire = encryptPacket(this.key, this.count, data, this.o.random);
      this.count = (this.count + 1) >>> 0;
      expectCount = this.count;
    }
    const seqId = seqIdByte(this.o.address, this.seq);
    const bytes = encodeFrame(seqId, wire);
    let frame: SspFrame | undefined;
    for (let attempt = 0; attempt <= this.o.retries && !frame; attempt++) {
      if (attempt > 0) this.o.onResend?.();
      frame = await this.attempt(seqId, bytes);
    }
    if (!frame) throw new KioskError('KIOSK_E_DEVICE_TIMEOUT', `no SSP reply after ${this.o.retries + 1} tries`, { retryable: true, details: { command: data[0] } });
    this.seq = this.seq === 1 ? 0 : 1;
    if (frame.data[0] === STEX && this.key) {
      let plain;
      try { plain = decryptPacket(this.key, frame.data); } catch (e) {
        throw new KioskError('KIOSK_E_DEVICE_PROTOCOL', 'eSSP reply failed its checks', { retryable: true, cause: e });
      }
      if (encrypt && plain.count !== expectCount) {
        throw new KioskError('KIOSK_E_DEVICE_PROTOCOL', 'eSSP reply counter mismatch', { retryable: true, details: { got: plain.count, expected: expectCount } });
      }
      return decodeReply(plain.data);
    }
    const reply = decodeReply(frame.data);
    if (encrypt && reply.code !== SSP_RESP.KEY_NOT_SET) {
      throw new KioskError('KIOSK_E_DEVICE_PROTOCOL', 'plain reply to an encrypted command', { retryable: true, details: { code: reply.code } });
    }
    return reply;
  }

  /** One transmission: resolves with the matching frame, or undefined on timeout. */
  private attempt(seqId: number, bytes: Buffer): Promise<SspFrame | undefined> {
    return new Promise<SspFrame | undefined>((resolve, reject) => {
      let timer: TimerHandle | undefined;
      const done = (): void => { this.o.timers.clearTimeout(timer); this.waiter = undefined; this.failWaiter = undefined; };
      this.waiter = { seqId, resolve: (f) => { done(); resolve(f); } };
      this.failWaiter = (e) => { done(); reject(e); };
      timer = this.o.timers.setTimeout(() => { done(); this.decoder.reset(); resolve(undefined); }, this.o.replyTimeoutMs);
      this.o.link.write(bytes).catch((e: unknown) => {
        if (!this.waiter) return;
        done();
        reject(isKioskError(e) ? e : new KioskError('KIOSK_E_DEVICE_OFFLINE', 'SSP write failed', { disconnected: true, retryable: true, cause: e }));
      });
    });
  }

  private onData(chunk: Buffer): void {
    for (const item of this.decoder.push(chunk)) {
      if (item.kind === 'error') { this.o.onCommError?.(item.error); continue; }
      const w = this.waiter;
      // A frame with another SEQ/ID is a late reply to an earlier try (or another slave): not ours.
      if (w && item.frame.seqId === w.seqId) w.resolve(item.frame);
    }
  }
}
