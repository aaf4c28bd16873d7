import { join } from 'node:path';
import { Parser, fromFile, type AsyncAPIDocumentInterface, type Diagnostic } from '@asyncapi/parser';

export const ASYNCAPI_PATH = join(import.meta.dirname, '..', '..', 'docs', 'asyncapi.yaml');

type Schema = Record<string, unknown>;

interface ChannelContract {
  readonly id: string;
  readonly address: string;
  readonly pattern: RegExp;
  readonly params: readonly string[];
  readonly messages: readonly { readonly id: string; readonly schema: Schema }[];
}

export interface Contract {
  readonly document: AsyncAPIDocumentInterface;
  readonly diagnostics: readonly Diagnostic[];
  readonly channels: readonly ChannelContract[];
}

let loaded: Promise<Contract> | undefined;

/** Parses docs/asyncapi.yaml once per test file (with the parser's own validation). */
export function loadContract(): Promise<Contract> {
  loaded ??= (async () => {
    const { document, diagnostics } = await fromFile(new Parser(), ASYNCAPI_PATH).parse();
    if (!document) throw new Error(`docs/asyncapi.yaml does not parse: ${diagnostics.filter((d) => d.severity === 0).map((d) => `${d.code} ${d.message} at ${d.path.join('.')}`).join('; ')}`);
    const channels = document.channels().all().map((ch) => {
      const address = ch.address() ?? '';
      const params: string[] = [];
      const pattern = new RegExp(`^${address.split('/').map((level) => {
        const m = /^\{(\w+)\}$/.exec(level);
        if (m) { params.push(m[1]!); return '([^/]+)'; }
        return level.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }).join('/')}$`);
      return { id: ch.id(), address, pattern, params, messages: ch.messages().all().map((m) => ({ id: m.id(), schema: m.payload()?.json() as Schema })) };
    });
    return { document, diagnostics, channels };
  })();
  return loaded;
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);

/**
 * A small JSON Schema checker for the keywords docs/asyncapi.yaml uses (type, const, enum, not, properties,
 * required, additionalProperties, items, allOf, oneOf, anyOf, minimum, minLength, maxLength). Returns the
 * errors, empty when `v` conforms. An unknown keyword is an error, so the document cannot outgrow it unseen.
 */
export function check(schema: Schema, v: unknown, path = '$'): string[] {
  const errs: string[] = [];
  const known = new Set(['type', 'const', 'enum', 'not', 'properties', 'required', 'additionalProperties', 'items', 'allOf', 'oneOf', 'anyOf', 'minimum', 'minLength', 'maxLength', 'description', 'title', 'examples', 'x-parser-schema-id', 'format']);
  for (const k of Object.keys(schema)) if (!known.has(k)) errs.push(`${path}: schema keyword ${k} not supported by the checker`);
  if (schema['type'] !== undefined) {
    const types = Array.isArray(schema['type']) ? (schema['type'] as string[]) : [schema['type'] as string];
    const t = typeOf(v);
    if (!types.some((x) => x === t || (x === 'number' && t === 'integer'))) return [...errs, `${path}: ${t} is not ${types.join('|')}`];
  }
  if ('const' in schema && JSON.stringify(schema['const']) !== JSON.stringify(v)) errs.push(`${path}: ${JSON.stringify(v)} is not ${JSON.stringify(schema['const'])}`);
  if (Array.isArray(schema['enum']) && !(schema['enum'] as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(v))) errs.push(`${path}: ${JSON.stringify(v)} not in enum`);
  if (schema['not'] && check(schema['not'] as Schema, v, path).length === 0) errs.push(`${path}: matches a schema it must not`);
  if (typeof v === 'number' && typeof schema['minimum'] === 'number' && v < schema['minimum']) errs.push(`${path}: ${v} < ${schema['minimum']}`);
  if (typeof v === 'string') {
    if (typeof schema['minLength'] === 'number' && v.length < schema['minLength']) errs.push(`${path}: shorter than ${schema['minLength']}`);
    if (typeof schema['maxLength'] === 'number' && v.length > schema['maxLength']) errs.push(`${path}: longer than ${schema['maxLength']}`);
  }
  if (typeOf(v) === 'object') {
    const o = v as Record<string, unknown>;
    const props = (schema['properties'] ?? {}) as Record<string, Schema>;
    for (const r of (schema['required'] ?? []) as string[]) if (!(r in o)) errs.push(`${path}: missing ${r}`);
    for (const [k, x] of Object.entries(o)) {
      if (props[k]) errs.push(...check(props[k], x, `${path}.${k}`));
      else if (schema['additionalProperties'] === false) errs.push(`${path}: unexpected property ${k}`);
      else if (typeof schema['additionalProperties'] === 'object') errs.push(...check(schema['additionalProperties'] as Schema, x, `${path}.${k}`));
    }
  }
  if (Array.isArray(v) && schema['items']) v.forEach((x, i) => errs.push(...check(schema['items'] as Schema, x, `${path}[${i}]`)));
  for (const s of (schema['allOf'] ?? []) as Schema[]) errs.push(...check(s, v, path));
  if (schema['oneOf']) {
    const n = (schema['oneOf'] as Schema[]).filter((s) => check(s, v, path).length === 0).length;
    if (n !== 1) errs.push(`${path}: matches ${n} of oneOf`);
  }
  if (schema['anyOf'] && !(schema['anyOf'] as Schema[]).some((s) => check(s, v, path).length === 0)) errs.push(`${path}: matches none of anyOf`);
  return errs;
}

export interface Conformance {
  readonly channel: string;
  readonly message: string;
}

/** Checks one published message against the document: its channel by topic, then one of its messages. */
export async function conforms(topic: string, payload: string | Buffer, channelId?: string): Promise<Conformance> {
  const c = await loadContract();
  // A reply sent to an MQTT 5 response topic lives where the sender chose: checked as the reply channel.
  const ch = channelId === undefined ? c.channels.find((x) => x.pattern.test(topic)) : c.channels.find((x) => x.id === channelId);
  if (!ch) throw new Error(`topic ${topic} is not in docs/asyncapi.yaml`);
  let value: unknown;
  try { value = JSON.parse(String(payload)); } catch { throw new Error(`payload on ${topic} is not JSON`); }
  const m = ch.pattern.exec(topic);
  const params = m ? Object.fromEntries(ch.params.map((p, i) => [p, m[i + 1]])) : undefined;
  if (params && ch.id !== 'command' && typeOf(value) === 'object') {
    const env = value as Record<string, unknown>;
    if (env['terminal'] !== params['terminal'] || env['fleet'] !== params['fleet']) throw new Error(`envelope on ${topic} names ${String(env['fleet'])}/${String(env['terminal'])}`);
  }
  const tried: string[] = [];
  for (const msg of ch.messages) {
    const errs = check(msg.schema, value);
    if (errs.length === 0) return { channel: ch.id, message: msg.id };
    tried.push(`${msg.id}: ${errs.slice(0, 4).join('; ')}`);
  }
  throw new Error(`message on ${topic} fits no message of channel ${ch.id}:\n  ${tried.join('\n  ')}\n  payload: ${String(payload).slice(0, 600)}`);
}
