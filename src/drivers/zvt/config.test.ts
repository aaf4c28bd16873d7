import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { z } from 'zod';
import { ManualClock } from '../../hal/index.js';
import { ZvtConfigSchema, createZvtTerminal } from './index.js';

describe('ZvtConfigSchema', () => {
  it('fills the defaults for a TCP terminal', () => {
    const c = ZvtConfigSchema.parse({ driver: 'zvt', transport: 'tcp', host: '10.0.0.7', password: '000000' });
    expect(c).toMatchObject({ tcpPort: 20007, statusRepeatMs: 2000, maxStatusInfos: 10, idleTimeoutMs: 30_000 });
  });

  it('defaults the serial port to 9600 baud on the real binding', () => {
    const c = ZvtConfigSchema.parse({ driver: 'zvt', transport: 'serial', port: { path: '/dev/ttyUSB0' }, password: '123456' });
    expect(c.port).toEqual({ path: '/dev/ttyUSB0', baudRate: 9600, binding: 'real' });
  });

  it('requires a port for serial and a host for tcp, 6 password digits, and no unknown keys', () => {
    const issues = (v: unknown): string[] => {
      const r = ZvtConfigSchema.safeParse(v);
      return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
    };
    expect(issues({ driver: 'zvt', transport: 'serial', password: '000000' })).toEqual(['port']);
    expect(issues({ driver: 'zvt', transport: 'tcp', password: '000000' })).toEqual(['host']);
    expect(issues({ driver: 'zvt', transport: 'tcp', host: 'pt', password: '12345' })).toEqual(['password']);
    expect(issues({ driver: 'zvt', transport: 'tcp', host: 'pt', password: '000000', pan: 'x' })).toEqual(['']);
  });

  it('fits into the cardPayment discriminated union', () => {
    const role = z.discriminatedUnion('driver', [ZvtConfigSchema, z.strictObject({ driver: z.literal('none') })]);
    expect(role.parse({ driver: 'none' })).toEqual({ driver: 'none' });
    expect(role.safeParse({ driver: 'zvt', transport: 'tcp', password: '000000' }).success).toBe(false);
  });
});

describe('createZvtTerminal', () => {
  it('builds a closed driver whose confirmation window follows the config', () => {
    const clock = new ManualClock();
    const cfg = ZvtConfigSchema.parse({ driver: 'zvt', transport: 'tcp', host: '127.0.0.1', password: '000000', statusRepeatMs: 4000, maxStatusInfos: 6 });
    const t = createZvtTerminal(cfg, { clock, timers: clock, logger: pino({ level: 'silent' }), currency: 'CNY' });
    expect(t.kind).toBe('cardPayment');
    expect(t.id).toBe('card');
    expect(t.status().state).toBe('offline');
    expect(t.confirmationWindowMs()).toBe(20_000);
    const d = createZvtTerminal(ZvtConfigSchema.parse({ driver: 'zvt', transport: 'tcp', host: 'h', password: '000000' }), { clock, timers: clock, logger: pino({ level: 'silent' }), currency: 'EUR' });
    expect(d.confirmationWindowMs()).toBe(18_000);
  });

  it('refuses a currency without an ISO 4217 numeric code', () => {
    const clock = new ManualClock();
    const cfg = ZvtConfigSchema.parse({ driver: 'zvt', transport: 'tcp', host: 'h', password: '000000' });
    expect(() => createZvtTerminal(cfg, { clock, timers: clock, logger: pino({ level: 'silent' }), currency: 'XYZ' }))
      .toThrow(expect.objectContaining({ code: 'KIOSK_E_CONFIG_INVALID' }));
  });
});
