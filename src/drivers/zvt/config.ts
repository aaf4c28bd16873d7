import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock, Timers } from '../../hal/index.js';
import { SerialLink } from '../serial/index.js';
import { TcpLink } from './tcp-link.js';
import { ZvtCardTerminal } from './terminal.js';

const int = (min: number, max: number): z.ZodNumber =>
  z.number().int({ error: 'must be an integer' }).min(min, { error: `must be >= ${min}` }).max(max, { error: `must be <= ${max}` });

/** `cardPayment` entry for a ZVT terminal; serial needs `port`, tcp needs `host`. */
export const ZvtConfigSchema = z
  .strictObject({
    driver: z.literal('zvt'),
    transport: z.enum(['serial', 'tcp']),
    port: z
      .strictObject({
        path: z.string().min(1),
        baudRate: int(1200, 115200).default(9600),
        /** `mock` opens a SerialPortMock port (simulators); `real` the OS device. */
        binding: z.enum(['real', 'mock']).default('real'),
      })
      .optional(),
    host: z.string().min(1).optional(),
    tcpPort: int(1, 65535).default(20007),
    /** ECR password of the terminal, 6 digits. */
    password: z.string().regex(/^\d{6}$/, { error: 'must be 6 digits' }),
    /** The terminal's interval between repeated status informations (vending flow). */
    statusRepeatMs: int(500, 10_000).default(2000),
    /** BMP 02: how many status informations the terminal sends before it auto-reverses. */
    maxStatusInfos: int(2, 255).default(10),
    /** Registration config byte; absent: 0xBE (ECR prints, intermediate status, ECR controls payment). */
    configByte: int(0, 255).optional(),
    commandAckTimeoutMs: int(500, 60_000).default(5000),
    idleTimeoutMs: int(1000, 600_000).default(30_000),
    authTimeoutMs: int(10_000, 900_000).default(180_000),
  })
  .superRefine((c, ctx) => {
    if (c.transport === 'serial' && !c.port) ctx.addIssue({ code: 'custom', path: ['port'], message: 'serial transport needs a port' });
    if (c.transport === 'tcp' && !c.host) ctx.addIssue({ code: 'custom', path: ['host'], message: 'tcp transport needs a host' });
  });

export type ZvtConfig = z.infer<typeof ZvtConfigSchema>;

export interface ZvtContext {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** The terminal currency (ISO 4217), from the kiosk's config. */
  readonly currency: string;
  /** Device id. Defaults to `card`. */
  readonly id?: string;
}

/** Builds the driver from a parsed `ZvtConfig`: serial 8N2 via SerialLink, or TCP via TcpLink. */
export function createZvtTerminal(cfg: ZvtConfig, ctx: ZvtContext): ZvtCardTerminal {
  const { port, host } = cfg;
  const openLink = cfg.transport === 'serial'
    ? () => SerialLink.open({ path: port!.path, baudRate: port!.baudRate, dataBits: 8, parity: 'none', stopBits: 2, binding: port!.binding })
    : () => TcpLink.open({ host: host!, port: cfg.tcpPort, timers: ctx.timers });
  return new ZvtCardTerminal({
    id: ctx.id ?? 'card',
    openLink,
    transport: cfg.transport,
    clock: ctx.clock,
    timers: ctx.timers,
    logger: ctx.logger,
    currency: ctx.currency,
    password: cfg.password,
    statusRepeatMs: cfg.statusRepeatMs,
    maxStatusInfos: cfg.maxStatusInfos,
    commandAckTimeoutMs: cfg.commandAckTimeoutMs,
    idleTimeoutMs: cfg.idleTimeoutMs,
    authTimeoutMs: cfg.authTimeoutMs,
    ...(cfg.configByte === undefined ? {} : { configByte: cfg.configByte }),
  });
}
