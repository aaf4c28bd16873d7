/**
 * `kioskctl fleet`: the operator's view of a fleet over MQTT — a live table of terminals, an alarm feed,
 * and a command sender that signs with an Ed25519 key. It reads the same topics a back end does.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import { loadPrivateKey, parseEnvelope, publicKeyBase64, signCommand, type Envelope, type JsonObject } from '../../telemetry/index.js';
import { EXIT, type CommandResult } from '../output.js';
import { FleetView, renderTable, rowJson } from './view.js';

export const FLEET_HELP = `usage: kioskctl fleet <watch|status|send|keygen> [options]

  fleet watch                 live table of terminals and the alarm feed (Ctrl-C ends; --for MS to stop)
  fleet status                the table once, after --wait MS (default 1500) of retained state and events
  fleet send T CMD [ARGS]     sign and send command CMD (out-of-service, in-service, reboot, reload-config,
                              diagnostics, reprint) to terminal T, ARGS a JSON object; waits for the reply
  fleet keygen --out FILE     new Ed25519 key: private key PEM to FILE, public key for the config printed

options: --url URL (mqtt://127.0.0.1:1883)  --mqtt 4|5 (4)  --prefix P (kiosk/v1)  --fleet F (+; send needs one)
         --share GROUP (events, heartbeats and replies through $share/GROUP/...)  --json
         --key FILE --key-id ID --ttl SEC (300) --wait MS  (send)
         --ca FILE --cert FILE --client-key FILE --username U --password-file FILE  (broker TLS / login)`;

export interface FleetIo {
  readonly write: (text: string) => void;
  /** Resolves when the user asks to stop (Ctrl-C); asked for by `watch` only. */
  readonly interrupted?: () => Promise<void>;
}

type Values = Record<string, string | boolean | undefined>;

const OPTIONS = {
  url: { type: 'string' }, mqtt: { type: 'string' }, prefix: { type: 'string' }, fleet: { type: 'string' }, share: { type: 'string' },
  json: { type: 'boolean' }, key: { type: 'string' }, 'key-id': { type: 'string' }, ttl: { type: 'string' }, wait: { type: 'string' },
  for: { type: 'string' }, out: { type: 'string' }, ca: { type: 'string' }, cert: { type: 'string' }, 'client-key': { type: 'string' },
  username: { type: 'string' }, 'password-file': { type: 'string' }, help: { type: 'boolean', short: 'h' },
} as const;

function usage(msg: string): CommandResult {
  return { code: EXIT.usage, text: `kioskctl fleet: ${msg}\n${FLEET_HELP}`, json: { error: 'usage', message: msg } };
}

function num(v: unknown, dflt: number): number | undefined {
  if (v === undefined) return dflt;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export async function fleet(argv: readonly string[], io: FleetIo = defaultIo()): Promise<CommandResult> {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  } catch (e) {
    return usage(e instanceof Error ? e.message : String(e));
  }
  const { values: v, positionals } = parsed;
  const [sub = '', ...rest] = positionals;
  if (v['help'] || sub === '' || sub === 'help') return { code: EXIT.ok, text: FLEET_HELP, json: { help: FLEET_HELP } };
  const mqttVersion = v['mqtt'] === undefined ? 4 : Number(v['mqtt']);
  if (mqttVersion !== 4 && mqttVersion !== 5) return usage('--mqtt takes 4 or 5');
  switch (sub) {
    case 'keygen': return keygen(v);
    case 'watch':
    case 'status': return watch(sub, v, mqttVersion, io);
    case 'send': return send(rest, v, mqttVersion);
    default: return usage(`unknown fleet command "${sub}"`);
  }
}

function defaultIo(): FleetIo {
  return {
    write: (t) => { process.stdout.write(t); },
    interrupted: () => new Promise<void>((resolve) => { process.once('SIGINT', () => resolve()); }),
  };
}

function keygen(v: Values): CommandResult {
  const out = v['out'];
  if (typeof out !== 'string') return usage('keygen needs --out FILE for the private key');
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(out, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  const pub = publicKeyBase64(privateKey);
  const id = typeof v['key-id'] === 'string' ? v['key-id'] : 'ops';
  return {
    code: EXIT.ok,
    text: `private key written to ${out} (keep it off the terminals)\nadd to telemetry.commands.publicKeys: ${JSON.stringify({ id, key: pub })}`,
    json: { privateKeyFile: out, publicKey: { id, key: pub } },
  };
}

async function connect(v: Values, mqttVersion: 4 | 5): Promise<MqttClient> {
  const { connectAsync } = await import('mqtt');
  const opts: IClientOptions = {
    protocolVersion: mqttVersion, clean: true, reconnectPeriod: 1000, connectTimeout: 5000,
    clientId: `kioskctl-${randomBytes(6).toString('hex')}`,
  };
  const read = (k: string): Buffer | undefined => (typeof v[k] === 'string' ? readFileSync(v[k]) : undefined);
  const ca = read('ca'); const cert = read('cert'); const key = read('client-key'); const pw = read('password-file');
  if (ca) opts.ca = ca;
  if (cert) opts.cert = cert;
  if (key) opts.key = key;
  if (typeof v['username'] === 'string') opts.username = v['username'];
  if (pw) opts.password = pw.toString('utf8').replace(/\r?\n$/, '');
  return connectAsync(typeof v['url'] === 'string' ? v['url'] : 'mqtt://127.0.0.1:1883', opts);
}

function parseMessage(payload: Buffer): Envelope | undefined {
  try { return parseEnvelope(payload); } catch { return undefined; }
}

async function watch(mode: 'watch' | 'status', v: Values, mqttVersion: 4 | 5, io: FleetIo): Promise<CommandResult> {
  const waitMs = num(v['wait'], 1500);
  const forMs = v['for'] === undefined ? undefined : num(v['for'], 0);
  if (waitMs === undefined || (v['for'] !== undefined && forMs === undefined)) return usage('--wait and --for take milliseconds');
  const prefix = typeof v['prefix'] === 'string' ? v['prefix'] : 'kiosk/v1';
  const fleetId = typeof v['fleet'] === 'string' ? v['fleet'] : '+';
  const share = typeof v['share'] === 'string' ? v['share'] : undefined;
  const json = v['json'] === true;
  let client: MqttClient;
  try {
    client = await connect(v, mqttVersion);
  } catch (e) {
    return { code: EXIT.unavailable, text: `kioskctl fleet: cannot reach the broker: ${e instanceof Error ? e.message : String(e)}`, json: { error: 'unavailable' } };
  }
  const view = new FleetView();
  const base = `${prefix}/${fleetId}/+`;
  // Retained documents are never delivered through a shared subscription (MQTT 5 §4.8.2): every console
  // takes state and devices itself; the streams (events, heartbeats, replies) are what a group splits.
  const own = [`${base}/state`, `${base}/devices`];
  const shared = [`${base}/health`, `${base}/events/#`, `${base}/reply`].map((f) => (share ? `$share/${share}/${f}` : f));
  let dirty = true;
  let ignored = 0;
  client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
    const env = parseMessage(payload);
    if (!env) { ignored += 1; return; }
    const line = view.apply(env, Date.now());
    dirty = true;
    if (mode === 'watch' && json) io.write(`${JSON.stringify({ topic, retain: packet.retain, envelope: env })}\n`);
    else if (mode === 'watch' && line && !process.stdout.isTTY) io.write(`${new Date(line.atMs).toISOString()} ${line.terminal} ${line.text}\n`);
  });
  await client.subscribeAsync([...own, ...shared], { qos: 1 });
  const snapshot = (): { text: string; json: unknown } => {
    const now = Date.now();
    const rows = view.rows();
    const feed = view.alarmFeed().slice(-10).map((l) => `${new Date(l.atMs).toISOString()} ${l.terminal} ${l.text}`);
    const dups = view.seqs.stats().reduce((n, s) => n + s.duplicates, 0);
    return {
      text: `${renderTable(rows, now)}\n\nalarm feed:\n${feed.length ? feed.join('\n') : '(none)'}${ignored ? `\n(${ignored} messages that are not kioskd envelopes ignored)` : ''}${dups ? `\n(${dups} duplicates dropped)` : ''}`,
      json: { terminals: rows.map(rowJson), alarms: view.alarmFeed(), streams: view.seqs.stats(), ignored },
    };
  };
  try {
    if (mode === 'status') {
      await sleep(waitMs);
      const s = snapshot();
      return { code: EXIT.ok, text: s.text, json: s.json };
    }
    const tty = process.stdout.isTTY && !json;
    const timer = tty ? setInterval(() => { if (dirty) { dirty = false; io.write(`\x1b[H\x1b[2J${snapshot().text}\n`); } }, 500) : undefined;
    await Promise.race([...(forMs !== undefined ? [sleep(forMs)] : [io.interrupted?.() ?? new Promise<void>(() => {})])]);
    if (timer) clearInterval(timer);
    const s = snapshot();
    return { code: EXIT.ok, text: json ? '' : s.text, json: s.json };
  } finally {
    await client.endAsync(true);
  }
}

async function send(rest: readonly string[], v: Values, mqttVersion: 4 | 5): Promise<CommandResult> {
  const [terminal, name, argsText] = rest;
  if (!terminal || !name) return usage('send needs a terminal and a command');
  if (typeof v['key'] !== 'string') return usage('send needs --key FILE (Ed25519 private key, PEM)');
  if (typeof v['fleet'] !== 'string' || v['fleet'] === '+') return usage('send needs --fleet F');
  let args: JsonObject = {};
  if (argsText !== undefined) {
    try {
      const a: unknown = JSON.parse(argsText);
      if (typeof a !== 'object' || a === null || Array.isArray(a)) return usage('ARGS must be a JSON object');
      args = a as JsonObject;
    } catch {
      return usage('ARGS is not JSON');
    }
  }
  const ttl = num(v['ttl'], 300);
  const waitMs = num(v['wait'], 15_000);
  if (ttl === undefined || waitMs === undefined) return usage('--ttl takes seconds, --wait milliseconds');
  let key;
  try {
    key = loadPrivateKey(readFileSync(v['key']));
  } catch (e) {
    return { code: EXIT.noInput, text: `kioskctl fleet: cannot use the key: ${e instanceof Error ? e.message : String(e)}`, json: { error: 'key' } };
  }
  const prefix = typeof v['prefix'] === 'string' ? v['prefix'] : 'kiosk/v1';
  const base = `${prefix}/${v['fleet']}/${terminal}`;
  const cmd = signCommand({
    id: randomUUID(), terminal, name, args, expires: Date.now() + ttl * 1000, nonce: randomBytes(16).toString('hex'),
    ...(typeof v['key-id'] === 'string' ? { keyId: v['key-id'] } : {}),
  }, key);
  let client: MqttClient;
  try {
    client = await connect(v, mqttVersion);
  } catch (e) {
    return { code: EXIT.unavailable, text: `kioskctl fleet: cannot reach the broker: ${e instanceof Error ? e.message : String(e)}`, json: { error: 'unavailable' } };
  }
  try {
    const reply = new Promise<Envelope>((resolve) => {
      client.on('message', (_topic: string, payload: Buffer) => {
        const env = parseMessage(payload);
        if (env && env.class === 'reply' && env.data['commandId'] === cmd.id) resolve(env);
      });
    });
    await client.subscribeAsync(`${base}/reply`, { qos: 1 });
    await client.publishAsync(`${base}/cmd/${name}`, JSON.stringify(cmd), {
      qos: 1,
      ...(mqttVersion === 5 ? { properties: { responseTopic: `${base}/reply`, correlationData: Buffer.from(cmd.id), messageExpiryInterval: Math.max(1, Math.ceil(ttl)) } } : {}),
    });
    const got = await Promise.race([reply, sleep(waitMs).then(() => undefined)]);
    if (!got) return { code: EXIT.unavailable, text: `no reply from ${terminal} within ${waitMs} ms (command ${cmd.id}; it may still run if the terminal is offline and the command has not expired)`, json: { commandId: cmd.id, reply: null } };
    const d = got.data;
    const ok = d['status'] === 'ok';
    return {
      code: ok ? EXIT.ok : EXIT.failure,
      text: `${terminal} ${name}: ${String(d['status'])}${d['reason'] ? ` (${String(d['reason'])})` : ''}${d['message'] ? `: ${String(d['message'])}` : ''}${d['result'] ? `\n${JSON.stringify(d['result'], null, 2)}` : ''}`,
      json: { commandId: cmd.id, reply: d },
    };
  } finally {
    await client.endAsync(true);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
