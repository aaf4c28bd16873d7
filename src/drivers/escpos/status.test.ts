import { describe, it, expect } from 'vitest';
import { ReplyReader } from './reply-reader.js';
import {
  CLEAN_CONDITION, canPrint, conditionStatus, decodeAsb, decodeStatusByte, decodeStatusReplies, isStatusByte,
  type PrinterCondition,
} from './status.js';

const protocolError = expect.objectContaining({ code: 'KIOSK_E_DEVICE_PROTOCOL' });

describe('DLE EOT reply decoding (§4.6)', () => {
  it('accepts exactly the bytes with the fixed bits 0xx1xx10', () => {
    let valid = 0;
    for (let b = 0; b < 256; b++) {
      const ok = (b & 1) === 0 && (b & 2) === 2 && (b & 0x10) === 0x10 && (b & 0x80) === 0;
      expect(isStatusByte(b)).toBe(ok);
      if (ok) { valid++; expect(() => decodeStatusByte(1, b)).not.toThrow(); } else expect(() => decodeStatusByte(1, b)).toThrow(protocolError);
    }
    expect(valid).toBe(16);
    for (const bad of [0x00, 0x13, 0x10, 0x02, 0x92, 0xff, 0x5f]) expect(() => decodeStatusByte(4, bad)).toThrow(protocolError);
  });

  it('decodes the python-escpos reference replies', () => {
    expect(decodeStatusByte(1, 0x12)).toMatchObject({ offline: false });
    expect(decodeStatusByte(1, 0x1a)).toMatchObject({ offline: true });
    expect(decodeStatusByte(4, 0x12)).toEqual({ paperNearEnd: false, paperOut: false });
    expect(decodeStatusByte(4, 0x1e)).toEqual({ paperNearEnd: true, paperOut: false });
    expect(decodeStatusByte(4, 0x72)).toEqual({ paperNearEnd: false, paperOut: true });
    expect(decodeStatusByte(4, 0x7e)).toEqual({ paperNearEnd: true, paperOut: true });
  });

  it('decodes every flag bit of n = 1..4', () => {
    expect(decodeStatusByte(1, 0x12 | 0x04 | 0x20 | 0x40)).toEqual({ drawerHigh: true, offline: false, waitingRecovery: true, feedButton: true });
    expect(decodeStatusByte(2, 0x12 | 0x04)).toEqual({ coverOpen: true, paperFeeding: false, paperOut: false, errorOccurred: false });
    expect(decodeStatusByte(2, 0x12 | 0x08 | 0x20 | 0x40)).toEqual({ coverOpen: false, paperFeeding: true, paperOut: true, errorOccurred: true });
    expect(decodeStatusByte(3, 0x12 | 0x08)).toEqual({ recoverableError: false, cutterError: true, unrecoverableError: false, autoRecoverableError: false });
    expect(decodeStatusByte(3, 0x12 | 0x04 | 0x20 | 0x40)).toEqual({ recoverableError: true, cutterError: false, unrecoverableError: true, autoRecoverableError: true });
  });

  it('merges four replies; paper out from either n=2 or n=4 sticks', () => {
    expect(decodeStatusReplies([0x12, 0x12, 0x12, 0x12])).toEqual(CLEAN_CONDITION);
    expect(decodeStatusReplies([0x1a, 0x32, 0x12, 0x12]).paperOut).toBe(true);
    expect(decodeStatusReplies([0x1a, 0x12, 0x12, 0x72])).toMatchObject({ paperOut: true, offline: true });
    expect(() => decodeStatusReplies([0x12, 0x12, 0x13, 0x12])).toThrow(protocolError);
  });
});

describe('ASB block decoding (§4.7)', () => {
  it('decodes a 4-byte block and rejects a bad first byte or length', () => {
    expect(decodeAsb(Uint8Array.from([0x10, 0, 0, 0]))).toEqual({ ...CLEAN_CONDITION });
    expect(decodeAsb(Uint8Array.from([0x10 | 0x08 | 0x20, 0x08, 0x0c, 0]))).toMatchObject({ offline: true, coverOpen: true, cutterError: true, paperOut: true, paperNearEnd: false });
    expect(decodeAsb(Uint8Array.from([0x10, 0, 0x03, 0]))).toMatchObject({ paperNearEnd: true, paperOut: false });
    expect(() => decodeAsb(Uint8Array.from([0x12, 0, 0, 0]))).toThrow(protocolError);
    expect(() => decodeAsb(Uint8Array.from([0x10, 0, 0]))).toThrow(protocolError);
  });
});

describe('condition → DeviceStatus', () => {
  const c = (p: Partial<PrinterCondition>): PrinterCondition => ({ ...CLEAN_CONDITION, ...p });
  const table: [Partial<PrinterCondition>, string, string][] = [
    [{}, 'online', 'ok'],
    [{ paperNearEnd: true }, 'degraded', 'paper-near-end'],
    [{ paperOut: true, paperNearEnd: true, offline: true }, 'error', 'paper-out'],
    [{ coverOpen: true, offline: true }, 'error', 'cover-open'],
    [{ coverOpen: true, paperOut: true }, 'error', 'cover-open'],
    [{ cutterError: true, errorOccurred: true, offline: true }, 'error', 'cutter-error'],
    [{ unrecoverableError: true }, 'error', 'unrecoverable-error'],
    [{ autoRecoverableError: true }, 'busy', 'auto-recoverable-error'],
    [{ recoverableError: true }, 'error', 'printer-error'],
    [{ paperFeeding: true, offline: true }, 'busy', 'paper-feeding'],
    [{ offline: true }, 'error', 'printer-offline'],
    [{ offline: true, paperNearEnd: true }, 'error', 'printer-offline'],
  ];
  it.each(table)('%o → %s/%s', (flags, state, reason) => {
    const s = conditionStatus(c(flags));
    expect(s).toMatchObject({ state, reason });
    expect(canPrint(s)).toBe(state === 'online' || state === 'degraded');
  });
});

describe('ReplyReader', () => {
  it('matches four status replies delivered one byte at a time', () => {
    const r = new ReplyReader();
    r.expect({ kind: 'status', n: 1 }, { kind: 'status', n: 2 }, { kind: 'status', n: 3 }, { kind: 'status', n: 4 });
    const items = [0x12, 0x16, 0x12, 0x1e].flatMap((b) => r.push(Uint8Array.of(b)));
    expect(items.map((i) => i.kind)).toEqual(['status', 'status', 'status', 'status']);
    expect(items[1]).toMatchObject({ n: 2, flags: { coverOpen: true } });
    expect(r.waiting).toBe(0);
  });

  it('reports and skips a byte without the fixed bits; the request keeps waiting', () => {
    const r = new ReplyReader();
    r.expect({ kind: 'status', n: 4 });
    const items = r.push(Uint8Array.of(0x00, 0x72));
    expect(items[0]).toMatchObject({ kind: 'invalid', expected: 'status', consumed: false, error: { code: 'KIOSK_E_DEVICE_PROTOCOL' } });
    expect(items[1]).toMatchObject({ kind: 'status', flags: { paperOut: true } });
  });

  it('reads GS I text replies split across chunks and reports unsolicited bytes', () => {
    const r = new ReplyReader();
    expect(r.push(Uint8Array.of(0x12, 0x12))).toEqual([{ kind: 'unsolicited', bytes: Buffer.of(0x12, 0x12) }]);
    r.expect({ kind: 'id-text' }, { kind: 'sync' });
    expect(r.push(Buffer.from('_TM-T8'))).toEqual([]);
    expect(r.push(Buffer.from('8V\0\x03\x99', 'latin1'))).toEqual([
      { kind: 'id-text', text: 'TM-T88V' }, { kind: 'sync', byte: 3 }, { kind: 'unsolicited', bytes: Buffer.of(0x99) },
    ]);
  });

  it('gives up on an endless text reply and forgets everything on cancel', () => {
    const r = new ReplyReader();
    r.expect({ kind: 'id-text' });
    const items = r.push(Buffer.concat([Buffer.of(0x5f), Buffer.alloc(100, 0x41)]));
    expect(items[0]).toMatchObject({ kind: 'invalid', consumed: true });
    r.expect({ kind: 'id-text' }, { kind: 'status', n: 1 });
    r.push(Buffer.from('_AB'));
    r.cancel();
    expect(r.waiting).toBe(0);
    expect(r.push(Buffer.from('C\0'))[0]).toMatchObject({ kind: 'unsolicited' });
  });
});
