import { createPrivateKey, createPublicKey, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { KioskError } from '../errors/index.js';
import type { JsonObject, JsonValue } from './envelope.js';

/*
 * Signed fleet commands. The signature is Ed25519 over a canonical text of exactly the fields that decide
 * what happens: terminal, command name, arguments, expiry and the nonce or counter. The command id is
 * only for correlating the reply and is not signed: changing it changes nothing that is applied, and a
 * replay under a new id still carries a spent nonce.
 */

export const COMMAND_VERSION = 1;
/** Domain separation: a signature made for something else never verifies as a command. */
const SIGNING_CONTEXT = 'kioskd-command-v1';

/** Every command kioskd knows. */
export const COMMAND_NAMES = ['out-of-service', 'in-service', 'reboot', 'reload-config', 'diagnostics', 'reprint'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Why a command was refused; stable strings in the reply (`reason`). */
export const REFUSALS = [
  'oversized', 'malformed', 'unsigned', 'bad-signature', 'wrong-terminal', 'expired', 'replayed', 'unknown-command', 'bad-args', 'busy',
] as const;
export type Refusal = (typeof REFUSALS)[number];

export interface CommandEnvelope {
  readonly v: typeof COMMAND_VERSION;
  /** Correlates the reply; chosen by the sender. */
  readonly id: string;
  readonly terminal: string;
  readonly name: string;
  readonly args: JsonObject;
  /** Wall time (ms since the epoch) after which the command must not run. */
  readonly expires: number;
  /** Exactly one of nonce (random, remembered) or counter (per key, strictly increasing). */
  readonly nonce?: string;
  readonly counter?: number;
  /** Which configured public key signed it; without it every key is tried. */
  readonly keyId?: string;
  /** Base64 Ed25519 signature over `signingText`. */
  readonly sig?: string;
}

const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

const CommandSchema = z.strictObject({
  v: z.literal(COMMAND_VERSION),
  id: z.string().min(1).max(128),
  terminal: z.string().min(1).max(64),
  name: z.string().min(1).max(64),
  args: z.record(z.string(), jsonValue),
  expires: z.number().int().positive(),
  nonce: z.string().min(8).max(128).optional(),
  counter: z.number().int().positive().optional(),
  keyId: z.string().min(1).max(64).optional(),
  sig: z.string().min(1).max(200).optional(),
}).refine((c) => (c.nonce === undefined) !== (c.counter === undefined), { message: 'exactly one of nonce and counter' });

/** JSON with object keys sorted at every level and no whitespace: one text per value. */
export function canonicalJson(v: JsonValue): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new KioskError('KIOSK_E_MQTT_PAYLOAD', 'numbers in a command must be finite');
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map((x: JsonValue) => canonicalJson(x)).join(',')}]`;
  const o = v as { readonly [key: string]: JsonValue };
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k]!)}`).join(',')}}`;
}

/** The exact bytes signed: context, terminal, name, canonical args, expiry and nonce or counter. */
export function signingText(c: Pick<CommandEnvelope, 'terminal' | 'name' | 'args' | 'expires' | 'nonce' | 'counter'>): string {
  const fields: JsonObject = {
    args: c.args, expires: c.expires, name: c.name, terminal: c.terminal,
    ...(c.nonce !== undefined ? { nonce: c.nonce } : {}),
    ...(c.counter !== undefined ? { counter: c.counter } : {}),
  };
  return `${SIGNING_CONTEXT}\n${canonicalJson(fields)}`;
}

export type ParsedCommand =
  | { readonly ok: true; readonly command: CommandEnvelope }
  | { readonly ok: false; readonly reason: 'malformed'; readonly message: string; readonly id: string | null };

/** Parses a command payload. Never throws: a bad payload becomes a refusal (with the id if one was readable). */
export function parseCommand(payload: Uint8Array | string): ParsedCommand {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed', message: 'payload is not JSON', id: null };
  }
  const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? ((raw as { id: string }).id.slice(0, 128)) : null;
  const r = CommandSchema.safeParse(raw);
  if (!r.success) {
    const paths = r.error.issues.map((i) => i.path.join('.') || i.message).slice(0, 5).join(', ');
    return { ok: false, reason: 'malformed', message: `not a v1 command envelope (${paths})`, id };
  }
  return { ok: true, command: r.data as CommandEnvelope };
}

/** A configured public key: `key` is the raw 32-byte Ed25519 key in base64. */
export interface FleetPublicKey {
  readonly id: string;
  readonly key: string;
}

export interface VerifyKey {
  readonly id: string;
  readonly key: KeyObject;
}

/** Turns configured keys into KeyObjects; throws KIOSK_E_CONFIG_INVALID for one that is not 32 bytes. */
export function loadPublicKeys(keys: readonly FleetPublicKey[]): VerifyKey[] {
  return keys.map((k) => {
    const raw = Buffer.from(k.key, 'base64');
    if (raw.length !== 32) throw new KioskError('KIOSK_E_CONFIG_INVALID', `fleet public key ${k.id} is not 32 bytes of base64`, { details: { keyId: k.id } });
    return { id: k.id, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' }) };
  });
}

/** The raw 32-byte public key (base64) of a private key, for the config's `publicKeys`. */
export function publicKeyBase64(privateKey: KeyObject): string {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new KioskError('KIOSK_E_INTERNAL', 'not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url').toString('base64');
}

/** Reads a PEM (PKCS#8) Ed25519 private key, as `openssl genpkey -algorithm ed25519` writes it. */
export function loadPrivateKey(pem: string | Buffer): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new KioskError('KIOSK_E_CONFIG_INVALID', 'the signing key is not an Ed25519 private key');
  return key;
}

/** Which key verified the signature, or why none did. */
export function verifySignature(c: CommandEnvelope, keys: readonly VerifyKey[]): { readonly ok: true; readonly keyId: string } | { readonly ok: false; readonly reason: 'unsigned' | 'bad-signature' } {
  if (c.sig === undefined) return { ok: false, reason: 'unsigned' };
  const sig = Buffer.from(c.sig, 'base64');
  if (sig.length !== 64) return { ok: false, reason: 'bad-signature' };
  const data = Buffer.from(signingText(c), 'utf8');
  const candidates = c.keyId === undefined ? keys : keys.filter((k) => k.id === c.keyId);
  for (const k of candidates) if (edVerify(null, data, k.key, sig)) return { ok: true, keyId: k.id };
  return { ok: false, reason: 'bad-signature' };
}

export interface CommandDraft {
  readonly id: string;
  readonly terminal: string;
  readonly name: string;
  readonly args?: JsonObject;
  readonly expires: number;
  readonly nonce?: string;
  readonly counter?: number;
  readonly keyId?: string;
}

/** Builds and signs a command (the fleet console and tests). */
export function signCommand(d: CommandDraft, privateKey: KeyObject): CommandEnvelope {
  const base = {
    v: COMMAND_VERSION, id: d.id, terminal: d.terminal, name: d.name, args: d.args ?? {}, expires: d.expires,
    ...(d.nonce !== undefined ? { nonce: d.nonce } : {}),
    ...(d.counter !== undefined ? { counter: d.counter } : {}),
    ...(d.keyId !== undefined ? { keyId: d.keyId } : {}),
  } as const;
  const sig = edSign(null, Buffer.from(signingText(base), 'utf8'), privateKey).toString('base64');
  return { ...base, sig };
}

export function isCommandName(n: string): n is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(n);
}
