import { z } from 'zod';
import { EscposPrinterConfigSchema } from '../drivers/escpos/config.js';
import { GpioPanelCfgSchema } from '../drivers/gpio/config.js';
import { Hd44780CfgSchema } from '../drivers/hd44780/config.js';
import { HidPosScannerConfigSchema, WedgeScannerConfigSchema } from '../drivers/hid-scanner/config.js';
import { IoBoardPanelCfgSchema } from '../drivers/io-board/config.js';
import { St7920CfgSchema } from '../drivers/st7920/config.js';
import { WalletConfigSchema } from '../drivers/wallet/config.js';
import { ZvtConfigSchema } from '../drivers/zvt/config.js';
import { SerialScannerConfigSchema } from '../drivers/serial-scanner/config.js';

/** The config schema version this kioskd writes and understands (see migrations.ts). */
export const CONFIG_SCHEMA_VERSION = 1;

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const identifier = z.string().regex(ID_RE, { error: 'must be 1..64 characters of A-Z a-z 0-9 _ -' });
const int = (min: number, max?: number): z.ZodNumber => {
  const base = z.number().int({ error: 'must be an integer' }).min(min, { error: `must be >= ${min}` });
  return max === undefined ? base : base.max(max, { error: `must be <= ${max}` });
};
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

export const PINO_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const SerialPortCfgSchema = z.strictObject({
  path: z.string().min(1),
  baudRate: int(1),
  /** `mock` opens a SerialPortMock port (simulators); `real` the OS device. */
  binding: z.enum(['real', 'mock']).default('real'),
});
export type SerialPortCfg = z.infer<typeof SerialPortCfgSchema>;

const fake = z.strictObject({ driver: z.literal('fake') });

// One discriminated union per device role, keyed on `driver`. Adding a real driver is one more
// entry in the role's array (and its options object next to it).
const sspValidator = z.strictObject({
  driver: z.literal('ssp'),
  port: SerialPortCfgSchema,
  encryption: z.boolean(),
  /** SSP fixed key (64 bit), 16 hex digits. Absent: the device's factory default. */
  fixedKey: z.string().regex(/^[0-9A-Fa-f]{16}$/, { error: 'must be 16 hex digits' }).optional(),
  pollMs: int(200, 1000).default(200),
});
const id003Validator = z.strictObject({
  driver: z.literal('id003'),
  port: SerialPortCfgSchema,
  pollMs: int(100, 1000).default(200),
});

export const DevicesSchema = z.strictObject({
  billValidator: z.discriminatedUnion('driver', [fake, sspValidator, id003Validator]),
  scanner: z.discriminatedUnion('driver', [fake, SerialScannerConfigSchema, HidPosScannerConfigSchema, WedgeScannerConfigSchema]),
  printer: z.discriminatedUnion('driver', [fake, EscposPrinterConfigSchema]),
  display: z.discriminatedUnion('driver', [fake, Hd44780CfgSchema, St7920CfgSchema]),
  panel: z.discriminatedUnion('driver', [fake, GpioPanelCfgSchema, IoBoardPanelCfgSchema]),
  cardPayment: z.discriminatedUnion('driver', [fake, z.strictObject({ driver: z.literal('none') }), ZvtConfigSchema]),
  /** Customer-presented wallet payment codes, read by the scanner and charged at a wallet gateway. */
  wallet: z.discriminatedUnion('driver', [z.strictObject({ driver: z.literal('none') }), WalletConfigSchema]).default({ driver: 'none' }),
});

const BrokerSchema = z.strictObject({
  url: z.url({ protocol: /^(mqtt|mqtts|ws|wss)$/, error: 'must be an mqtt://, mqtts://, ws:// or wss:// URL' }),
  protocolVersion: z.union([z.literal(4), z.literal(5)], { error: 'must be 4 (MQTT 3.1.1) or 5' }),
  username: z.string().min(1).optional(),
  // Secrets stay out of the config: only paths to files readable by the service user.
  passwordFile: z.string().min(1).optional(),
  caFile: z.string().min(1).optional(),
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
});

const TelemetrySchema = z
  .strictObject({
    enabled: z.boolean(),
    brokers: z.array(BrokerSchema),
    heartbeatMs: int(1000).default(30000),
    topicPrefix: z.string().min(1).default('kiosk/v1'),
    /** Outbox rows published and not yet PUBACKed, at most. */
    inflightWindow: int(1, 1024).default(32),
    /** Rows per class at which the terminal stops taking customers and raises `outbox-full` (nothing is dropped). */
    outbox: z.strictObject({
      maxRows: z.strictObject({
        transaction: int(100).default(200000),
        alarm: int(100).default(20000),
        collection: int(100).default(20000),
      }).prefault({}),
    }).prefault({}),
    /** Signed fleet commands (docs/fleet.md): the Ed25519 keys allowed to sign, and limits. */
    commands: z.strictObject({
      enabled: z.boolean().default(true),
      publicKeys: z.array(z.strictObject({
        id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'must be 1-64 letters, digits, . _ -' }),
        key: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, { error: 'must be a raw 32-byte Ed25519 public key in base64' }),
      })).default([]),
      maxCommandBytes: int(256, 262144).default(8192),
      maxNonces: int(100, 1000000).default(10000),
    }).prefault({}),
    embeddedBroker: z
      .strictObject({
        enabled: z.boolean().default(false),
        host: z.string().min(1).default('127.0.0.1'),
        port: int(0, 65535).default(1883),
      })
      .prefault({}),
  })
  .superRefine((t, ctx) => {
    if (t.enabled && t.brokers.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['brokers'], message: 'at least one broker is required when telemetry is enabled' });
    }
  });

export const KioskConfigSchema = z.strictObject({
  schemaVersion: z.literal(CONFIG_SCHEMA_VERSION, { error: `must be ${CONFIG_SCHEMA_VERSION}` }),
  terminal: z.strictObject({
    id: identifier,
    fleet: identifier,
    locale: z.enum(['zh-CN', 'en']),
    currency: z.string().regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 code such as CNY' }),
    hotline: z.string().min(1),
    eReceiptBaseUrl: httpUrl,
  }),
  transaction: z.strictObject({
    customerTimeoutMs: int(10000).default(90000),
    moreTimePromptMs: int(5000).default(30000),
    messageMs: int(1000).default(8000),
    /** Largest overpayment (minor units) credited as advance payment; a note above it is returned. */
    maxSurplus: int(0),
    surplusPolicy: z.literal('advance').default('advance'),
  }),
  journal: z.strictObject({ path: z.string().min(1) }),
  settings: z.strictObject({ path: z.string().min(1) }),
  billing: z.strictObject({
    gatewayUrl: httpUrl,
    timeoutMs: int(100, 60000),
    retries: int(0, 5),
    /** Which biller a barcode belongs to: GS1 slips carry a GLN, numeric slips a 2-digit prefix. */
    billers: z.array(z.strictObject({
      billerId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/),
      name: z.string().min(1).max(64),
      gln: z.string().regex(/^\d{13}$/).optional(),
      numericPrefix: z.string().regex(/^\d{2}$/).optional(),
    })).min(1),
  }),
  devices: DevicesSchema,
  telemetry: TelemetrySchema,
  log: z.strictObject({
    level: z.enum(PINO_LEVELS).default('info'),
    file: z.string().min(1).optional(),
  }),
}).superRefine((c, ctx) => {
  // A ZVT terminal waits for the kiosk's "book" only while it repeats its status information; the
  // posting to the biller (every attempt plus backoff) must fit inside that window, with a margin.
  const card = c.devices.cardPayment;
  if (card.driver !== 'zvt') return;
  const windowMs = (card.maxStatusInfos - 1) * card.statusRepeatMs;
  const attempts = c.billing.retries + 1;
  const worstMs = attempts * c.billing.timeoutMs + c.billing.retries * 250 * 8;
  if (worstMs + 2_000 > windowMs) {
    ctx.addIssue({
      code: 'custom', path: ['billing', 'timeoutMs'],
      message: `the biller may take ${worstMs} ms (${attempts} attempts) but the card terminal waits only ${windowMs} ms ((maxStatusInfos-1) x statusRepeatMs) less a 2000 ms margin`,
    });
  }
});

export type KioskConfig = z.infer<typeof KioskConfigSchema>;
/** What a config file may say before defaults are applied. */
export type KioskConfigInput = z.input<typeof KioskConfigSchema>;
export type DeviceRole = keyof KioskConfig['devices'];
