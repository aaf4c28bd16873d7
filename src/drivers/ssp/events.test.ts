import { describe, it, expect } from 'vitest';
import { parsePollReply } from './events.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const names = (s: string) => parsePollReply(hex(s)).events.map((e) => (e.channel === undefined ? e.name : `${e.name}:${e.channel}`));

describe('SSP poll events (§1.7)', () => {
  it('walks a multi-event list with the right data sizes', () => {
    expect(names('F0 EE 03 CC EB E7')).toEqual(['credit:3', 'stacking', 'stacked', 'stacker-full']);
    expect(names('F0 F1 E1 02 E2 00 E8')).toEqual(['slave-reset', 'cleared-from-front:2', 'cleared-into-cashbox:0', 'disabled']);
    expect(names('F0 E6 05 E3 E4 EA E9 ED EC')).toEqual(['fraud-attempt:5', 'cashbox-removed', 'cashbox-replaced', 'safe-jam', 'unsafe-jam', 'rejecting', 'rejected']);
    expect(names('F0 E5 D1 E0 B5 B6')).toEqual(['barcode-validated', 'barcode-ack', 'note-path-open', 'channel-disable', 'initialising']);
  });

  it('accepts the GA138 reset example without F0 and the stray F8 erratum', () => {
    expect(names('F1')).toEqual(['slave-reset']);
    expect(names('F0 F1 F8')).toEqual(['slave-reset', 'disabled']);
  });

  it('flags events that POLL WITH ACK repeats until EVENT ACK', () => {
    expect(parsePollReply(hex('F0 EE 01 EB')).needsAck).toBe(true);
    expect(parsePollReply(hex('F0 E2 01')).needsAck).toBe(true);
    expect(parsePollReply(hex('F0 EF 01')).needsAck).toBe(false);
  });

  it('returns an error value (never throws) for unknown codes, truncation and non-OK replies', () => {
    const unknown = parsePollReply(hex('F0 EB DA 01 02'));
    expect(unknown.events.map((e) => e.name)).toEqual(['stacked']);
    expect(unknown.error?.code).toBe('KIOSK_E_DEVICE_PROTOCOL');
    expect(parsePollReply(hex('F0 EE')).error?.code).toBe('KIOSK_E_FRAME_LENGTH');
    expect(parsePollReply(hex('F5')).error?.code).toBe('KIOSK_E_DEVICE_PROTOCOL');
  });
});
