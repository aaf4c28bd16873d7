/** `kioskctl provision`: identity and broker into the settings store; device key and CSR for mTLS. */
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { chownSync, closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SettingsStore, issuesOf, loadConfig, validateWithOverrides, type JsonObject } from '../../config/index.js';
import { toKioskError } from '../../errors/index.js';
import { createCsrDer, toPem } from '../csr.js';
import { EXIT, fail, type CommandResult } from '../output.js';

export interface ProvisionArgs {
  readonly dir?: string;
  readonly profile?: string;
  readonly terminalId: string;
  readonly fleet: string;
  readonly brokerUrl: string;
  readonly keyType: 'ed25519' | 'p256';
  /** Where the key and CSR go; default: the directory of the settings file (/var/lib/kioskd). */
  readonly stateDir?: string;
  readonly force?: boolean;
  /** The service account that must own the files when run as root; default `kioskd`. */
  readonly serviceUser?: string;
}

/** uid/gid of a user from /etc/passwd (no native lookups in Node). */
export function lookupUser(name: string, passwd = '/etc/passwd'): { uid: number; gid: number } | undefined {
  let text: string;
  try { text = readFileSync(passwd, 'utf8'); } catch { return undefined; }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

function writePrivate(path: string, text: string, overwrite: boolean): void {
  const flags = constants.O_WRONLY | constants.O_CREAT | (overwrite ? constants.O_TRUNC : constants.O_EXCL);
  const fd = openSync(path, flags, 0o600);
  try { writeSync(fd, text); fsyncSync(fd); } finally { closeSync(fd); }
}

export async function provision(a: ProvisionArgs): Promise<CommandResult> {
  let loaded;
  try {
    loaded = await loadConfig({ ...(a.dir ? { dir: a.dir } : {}), ...(a.profile ? { profile: a.profile } : {}) });
  } catch (err) {
    const e = toKioskError(err, 'KIOSK_E_CONFIG_INVALID');
    return fail(EXIT.config, e.code, `the configuration is invalid; fix it first (kioskctl config validate): ${e.message}`);
  }
  if (!/^mqtts:\/\/|^wss:\/\//.test(a.brokerUrl)) return fail(EXIT.config, 'KIOSK_E_CONFIG_INVALID', `--broker-url must be mqtts:// or wss:// (mTLS), got "${a.brokerUrl}"`);
  const stateDir = resolve(a.stateDir ?? dirname(loaded.settingsPath));
  const tlsDir = join(stateDir, 'tls');
  const files = { key: join(tlsDir, 'device.key'), csr: join(tlsDir, 'device.csr'), cert: join(tlsDir, 'device.crt'), ca: join(tlsDir, 'ca.crt') };
  const overrides: JsonObject = {
    telemetry: { enabled: true, brokers: [{ url: a.brokerUrl, protocolVersion: 5, certFile: files.cert, keyFile: files.key, caFile: files.ca }] },
  };
  // Check everything before writing anything.
  try {
    validateWithOverrides(loaded.base, { ...overrides, terminal: { id: a.terminalId, fleet: a.fleet } });
  } catch (err) {
    const issues = issuesOf(err) ?? [];
    return { code: EXIT.config, text: ['refused; nothing was changed:', ...issues.map((i) => `${i.path}: ${i.message}`)].join('\n'), json: { provisioned: false, issues } };
  }
  if (existsSync(files.key) && !a.force) return fail(EXIT.cantCreate, 'exists', `${files.key} exists: this terminal already has a key. Use --force to replace it (the old certificate stops working)`);

  const { privateKey } = a.keyType === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const csrPem = toPem(createCsrDer(privateKey, { commonName: a.terminalId, organization: a.fleet, organizationalUnit: 'kioskd' }), 'CERTIFICATE REQUEST');
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const fingerprint = createHash('sha256').update(spki).digest('hex').match(/../g)!.join(':');
  try {
    mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
    writePrivate(files.key, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, a.force ?? false);
    writePrivate(files.csr, csrPem, true);
    const store = await SettingsStore.open(loaded.settingsPath);
    const validate = (o: JsonObject): void => { validateWithOverrides(loaded.base, o); };
    await store.setOverrides(overrides, validate);
    await store.setIdentity({ id: a.terminalId, fleet: a.fleet }, validate);
    // Run as root on the terminal: hand the files to the service account, which must read them.
    const svc = process.getuid?.() === 0 ? lookupUser(a.serviceUser ?? 'kioskd') : undefined;
    if (svc) for (const p of [tlsDir, files.key, files.csr, loaded.settingsPath]) chownSync(p, svc.uid, svc.gid);
  } catch (err) {
    const e = toKioskError(err);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return fail(EXIT.noPerm, 'permission-denied', `cannot write in ${stateDir}: run as root (sudo kioskctl provision …)`);
    return fail(EXIT.cantCreate, e.code, `provisioning stopped: ${e.message}`);
  }
  const text = [
    `terminal ${a.terminalId} in fleet ${a.fleet}, broker ${a.brokerUrl} (settings: ${loaded.settingsPath})`,
    `device key (${a.keyType === 'ed25519' ? 'Ed25519' : 'EC P-256'}, mode 0600): ${files.key}`,
    `public key SHA-256: ${fingerprint}`,
    '',
    'The operator must enrol this terminal:',
    `  1. send ${files.csr} (below) to the fleet CA; subject CN=${a.terminalId}, O=${a.fleet}`,
    `  2. install the signed certificate as ${files.cert} and the broker CA as ${files.ca}`,
    `  3. allow client "${a.terminalId}" on the broker for its own topics only`,
    '  4. systemctl restart kioskd; kioskctl status',
    '',
    csrPem.trimEnd(),
  ].join('\n');
  return {
    code: EXIT.ok, text,
    json: { provisioned: true, terminalId: a.terminalId, fleet: a.fleet, brokerUrl: a.brokerUrl, keyType: a.keyType, files, publicKeySha256: fingerprint, csr: csrPem },
  };
}
