import { describe, it, expect } from 'vitest';
import { encodeFrame, Id003Decoder, type Id003Frame } from './frame.js';
import { STATUS, decodeStatus } from './status.js';

const f = (cmd: number, data: number[] = []): Id003Frame => ({ cmd, data: Uint8Array.from(data) });

describe('ID-003 status decoding (§2.5)', () => {
  it('decodes every status code to its kind', () => {
    const expected: [number, string][] = [
      [0x11, 'idling'], [0x12, 'accepting'], [0x14, 'stacking'], [0x15, 'vendValid'], [0x16, 'stacked'],
      [0x18, 'returning'], [0x19, 'holding'], [0x1a, 'disabled'], [0x1b, 'initialize'], [0x40, 'powerUp'],
      [0x41, 'powerUpBillInAcceptor'], [0x42, 'powerUpBillInStacker'], [0x43, 'stackerFull'], [0x44, 'stackerOpen'],
      [0x45, 'acceptorJam'], [0x46, 'stackerJam'], [0x47, 'pause'], [0x48, 'cheated'], [0x4a, 'communicationError'],
      [0x4b, 'invalidCommand'],
    ];
    for (const [code, kind] of expected) expect(decodeStatus(f(code))).toMatchObject({ kind, code });
  });

  it('decodes the escrow denomination code from the wire frame FC 06 13 63 A2 D8', () => {
    const [r] = new Id003Decoder().push(Uint8Array.from([0xfc, 0x06, 0x13, 0x63, 0xa2, 0xd8]));
    expect(decodeStatus(r!.frame!)).toEqual({ kind: 'escrow', code: STATUS.ESCROW, escrowCode: 0x63 });
  });

  it('decodes reject reasons and failure codes with names', () => {
    expect(decodeStatus(f(0x17, [0x79]))).toEqual({ kind: 'rejecting', code: 0x17, reason: 0x79, reasonName: 'inhibited' });
    expect(decodeStatus(f(0x17, [0x72]))).toMatchObject({ reasonName: 'magnetic-pattern' });
    expect(decodeStatus(f(0x17, [0x70]))).toMatchObject({ reasonName: 'unknown' });
    expect(decodeStatus(f(0x49, [0xa2]))).toEqual({ kind: 'failure', code: 0x49, failure: 0xa2, failureName: 'stacker-motor' });
    expect(decodeStatus(f(0x49, [0xaf]))).toMatchObject({ failureName: 'head-removed' });
  });

  it('keeps optional data bytes of STACKING and POWER UP WITH BILL IN STACKER', () => {
    expect(decodeStatus(f(0x14, [0x02]))).toEqual({ kind: 'stacking', code: 0x14, target: 2 });
    expect(decodeStatus(f(0x42, [0x63]))).toEqual({ kind: 'powerUpBillInStacker', code: 0x42, extra: 0x63 });
  });

  it('throws DEVICE_PROTOCOL for unknown codes and missing data bytes', () => {
    for (const frame of [f(0x13), f(0x17), f(0x49), f(0x99), f(0x50)]) {
      expect(() => decodeStatus(frame)).toThrow(expect.objectContaining({ code: 'KIOSK_E_DEVICE_PROTOCOL' }));
    }
  });

  it('round-trips through the encoder', () => {
    const [r] = new Id003Decoder().push(encodeFrame(0x17, [0x7d]));
    expect(decodeStatus(r!.frame!)).toMatchObject({ kind: 'rejecting', reasonName: 'length-error' });
  });
});
