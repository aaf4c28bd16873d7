import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isKioskError } from '../errors/index.js';
import { formatConfigIssues, issuesOf } from './issues.js';
import { validateConfig } from './load.js';
import { deepMerge, type JsonObject } from './merge.js';

const defaults = JSON.parse(readFileSync(new URL('../../config/default.json', import.meta.url), 'utf8')) as JsonObject;
const withPatch = (patch: JsonObject): JsonObject => deepMerge(defaults, patch);

function issuesFor(doc: unknown): { path: string; message: string }[] {
  try {
    validateConfig(doc);
  } catch (e) {
    expect(isKioskError(e, 'KIOSK_E_CONFIG_INVALID')).toBe(true);
    return issuesOf(e) ?? [];
  }
  throw new Error('expected validation to fail');
}

describe('KioskConfigSchema', () => {
  it('accepts default.json and fills schema defaults', () => {
    const c = validateConfig(withPatch({ transaction: { customerTimeoutMs: null, messageMs: null }, log: { level: null } }));
    expect(c.transaction.customerTimeoutMs).toBe(90000);
    expect(c.transaction.messageMs).toBe(8000);
    expect(c.log.level).toBe('info');
    expect(c.devices.billValidator).toMatchObject({ driver: 'ssp', pollMs: 200, port: { binding: 'real' } });
  });

  it('lists every issue with its exact path', () => {
    const issues = issuesFor(withPatch({ devices: { billValidator: { port: { baudRate: 9600.5 } } }, terminal: { currency: 'cny' } }));
    expect(issues.map((i) => i.path).sort()).toEqual(['devices.billValidator.port.baudRate', 'terminal.currency']);
  });

  it('reports an unknown key at its own path, one issue per key', () => {
    const issues = issuesFor(withPatch({ billing: { timeoutMS: 5 }, devices: { printer: { paper: 80 } } }));
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'billing.timeoutMS', message: 'unknown key' },
        { path: 'devices.printer.paper', message: 'unknown key' },
      ]),
    );
    expect(issues).toHaveLength(2);
  });

  it('rejects an unknown driver at the discriminator', () => {
    expect(issuesFor(withPatch({ devices: { scanner: { driver: 'honeywell' } } })).map((i) => i.path)).toEqual(['devices.scanner.driver']);
  });

  it('checks ranges and formats of driver options', () => {
    const issues = issuesFor(withPatch({ devices: { billValidator: { pollMs: 100, fixedKey: '0123' } } }));
    expect(issues.map((i) => i.path).sort()).toEqual(['devices.billValidator.fixedKey', 'devices.billValidator.pollMs']);
    const id003 = validateConfig(withPatch({ devices: { billValidator: { driver: 'id003', port: { path: '/dev/ttyUSB0', baudRate: 9600 } } } }));
    expect(id003.devices.billValidator).toEqual({ driver: 'id003', port: { path: '/dev/ttyUSB0', baudRate: 9600, binding: 'real' }, pollMs: 200 });
  });

  it('accepts cardPayment none but not for other devices', () => {
    expect(validateConfig(withPatch({ devices: { cardPayment: { driver: 'none' } } })).devices.cardPayment.driver).toBe('none');
    expect(issuesFor(withPatch({ devices: { printer: { driver: 'none' } } })).map((i) => i.path)).toEqual(['devices.printer.driver']);
  });

  it('needs a broker when telemetry is enabled, not when disabled', () => {
    expect(issuesFor(withPatch({ telemetry: { brokers: [] } })).map((i) => i.path)).toEqual(['telemetry.brokers']);
    expect(validateConfig(withPatch({ telemetry: { enabled: false, brokers: [] } })).telemetry.brokers).toEqual([]);
  });

  it('indexes array elements in paths and restricts broker schemes', () => {
    const issues = issuesFor(withPatch({ telemetry: { brokers: [{ url: 'mqtt://a', protocolVersion: 4 }, { url: 'http://b', protocolVersion: 3 }] } }));
    expect(issues.map((i) => i.path).sort()).toEqual(['telemetry.brokers[1].protocolVersion', 'telemetry.brokers[1].url']);
  });

  it('rejects fractional money and bad identifiers', () => {
    const issues = issuesFor(withPatch({ transaction: { maxSurplus: 0.5 }, terminal: { id: 'bad id!' } }));
    expect(issues.map((i) => i.path).sort()).toEqual(['terminal.id', 'transaction.maxSurplus']);
  });

  it('formats one line per issue', () => {
    let err: unknown;
    try {
      validateConfig(withPatch({ billing: { retries: 9, timeoutMs: 50 } }));
    } catch (e) {
      err = e;
    }
    const lines = formatConfigIssues(err).split('\n').sort();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^billing\.retries: /);
    expect(lines[1]).toMatch(/^billing\.timeoutMs: /);
  });
});
