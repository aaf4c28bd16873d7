import { describe, expect, it } from 'vitest';
import { isKioskError } from '../errors/index.js';
import { assertTopicLevel, terminalTopics } from './topics.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isKioskError(e) ? e.code : 'non-kiosk';
  }
  return undefined;
}

describe('terminalTopics', () => {
  const t = terminalTopics({ prefix: 'kiosk/v1', fleet: 'north', terminal: 'K-0042' });

  it('builds every topic under prefix/fleet/terminal', () => {
    expect(t.state).toBe('kiosk/v1/north/K-0042/state');
    expect(t.health).toBe('kiosk/v1/north/K-0042/health');
    expect(t.devices).toBe('kiosk/v1/north/K-0042/devices');
    expect(t.reply).toBe('kiosk/v1/north/K-0042/reply');
    expect(t.event('transaction')).toBe('kiosk/v1/north/K-0042/events/transaction');
    expect(t.event('alarm')).toBe('kiosk/v1/north/K-0042/events/alarm');
    expect(t.event('collection')).toBe('kiosk/v1/north/K-0042/events/collection');
    expect(t.command('reboot')).toBe('kiosk/v1/north/K-0042/cmd/reboot');
    expect(t.commands).toBe('kiosk/v1/north/K-0042/cmd/+');
  });

  it.each(['a+b', 'a#', 'a/b', '', 'x'.repeat(65), 'nul\u0000'])('refuses the terminal id %j', (id) => {
    expect(codeOf(() => terminalTopics({ prefix: 'kiosk/v1', fleet: 'north', terminal: id }))).toBe('KIOSK_E_CONFIG_INVALID');
  });

  it.each(['+', 'north/east', '#'])('refuses the fleet id %j', (fleet) => {
    expect(codeOf(() => terminalTopics({ prefix: 'kiosk/v1', fleet, terminal: 'K1' }))).toBe('KIOSK_E_CONFIG_INVALID');
  });

  it.each(['kiosk//v1', '/kiosk', 'kiosk/', 'kiosk/+', '$SYS/kiosk', 'kiosk/#'])('refuses the prefix %j', (prefix) => {
    expect(codeOf(() => terminalTopics({ prefix, fleet: 'north', terminal: 'K1' }))).toBe('KIOSK_E_CONFIG_INVALID');
  });

  it('refuses a command name with a wildcard or a separator', () => {
    expect(codeOf(() => t.command('re/boot'))).toBe('KIOSK_E_CONFIG_INVALID');
    expect(codeOf(() => t.command('+'))).toBe('KIOSK_E_CONFIG_INVALID');
  });

  it('accepts ordinary ids', () => {
    expect(codeOf(() => assertTopicLevel('terminal id', 'K_01-ab'))).toBeUndefined();
  });
});
