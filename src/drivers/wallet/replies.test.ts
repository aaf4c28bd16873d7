import { describe, expect, it } from 'vitest';
import { decodeHealthReply, decodeOrderReply, parseJsonText, safeReason } from './replies.js';

const order = { ref: 'tx-1', amount: 4560, currency: 'CNY', status: 'SUCCESS', tradeNo: 'T0001' };
const protocolError = (reason: string) => expect.objectContaining({ code: 'KIOSK_E_DEVICE_PROTOCOL', details: expect.objectContaining({ reason }) });

describe('decodeOrderReply', () => {
  it('decodes an order that echoes the ref, amount and currency', () => {
    expect(decodeOrderReply(order, { ref: 'tx-1', amount: 4560, currency: 'CNY' })).toEqual(order);
    expect(decodeOrderReply({ ...order, status: 'FAIL', reason: 'NOTENOUGH', extra: 1 }, { ref: 'tx-1' }))
      .toEqual({ ...order, status: 'FAIL', reason: 'NOTENOUGH' });
  });

  it('rejects non-JSON, other shapes and wrong echoes as KIOSK_E_DEVICE_PROTOCOL', () => {
    expect(() => decodeOrderReply(parseJsonText('<html>'), { ref: 'tx-1' })).toThrow(protocolError('not-json'));
    expect(() => decodeOrderReply({ ...order, status: 'PAID' }, { ref: 'tx-1' })).toThrow(protocolError('shape'));
    expect(() => decodeOrderReply({ ...order, amount: 45.6 }, { ref: 'tx-1' })).toThrow(protocolError('shape'));
    expect(() => decodeOrderReply({ ...order, amount: -1 }, { ref: 'tx-1' })).toThrow(protocolError('shape'));
    expect(() => decodeOrderReply([order], { ref: 'tx-1' })).toThrow(protocolError('shape'));
    expect(() => decodeOrderReply(null, { ref: 'tx-1' })).toThrow(protocolError('shape'));
    expect(() => decodeOrderReply(order, { ref: 'tx-2' })).toThrow(protocolError('wrong-ref'));
    expect(() => decodeOrderReply(order, { ref: 'tx-1', amount: 4561 })).toThrow(protocolError('wrong-amount'));
    expect(() => decodeOrderReply(order, { ref: 'tx-1', currency: 'EUR' })).toThrow(protocolError('wrong-currency'));
  });

  it('scrubs a reason that echoes a payment code', () => {
    const r = decodeOrderReply({ ...order, status: 'FAIL', reason: 'auth code 134567890123456789 expired\n' }, { ref: 'tx-1' });
    expect(r.reason).toBe('auth code *6789 expired');
    expect(JSON.stringify(r)).not.toContain('13456789012');
  });
});

describe('safeReason', () => {
  it('masks long digit runs, drops control characters, caps the length', () => {
    expect(safeReason('余额不足')).toBe('余额不足');
    expect(safeReason('card 6212345678901234567 / phone 13800138000')).toBe('card *4567 / phone *8000');
    expect(safeReason('x'.repeat(200))).toHaveLength(64);
    expect(safeReason('a\u0000b\u001bc')).toBe('a b c');
    expect(safeReason('order 1234567 ok')).toBe('order 1234567 ok');
  });
});

describe('decodeHealthReply', () => {
  it('decodes the health reply', () => {
    expect(decodeHealthReply({ status: 'ok', gateway: 'gw-1', version: '2.1', confirmWindowMs: 60000 }))
      .toEqual({ status: 'ok', gateway: 'gw-1', version: '2.1', confirmWindowMs: 60000 });
    expect(decodeHealthReply({ status: 'degraded' })).toEqual({ status: 'degraded' });
  });

  it('rejects garbage', () => {
    expect(() => decodeHealthReply(undefined)).toThrow(protocolError('not-json'));
    expect(() => decodeHealthReply({ status: 'fine' })).toThrow(protocolError('shape'));
    expect(() => decodeHealthReply({ status: 'ok', confirmWindowMs: -5 })).toThrow(protocolError('shape'));
  });
});
