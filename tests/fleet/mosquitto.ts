import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../telemetry/broker.js';

/** Debian's mosquitto; CI installs it (.ci/run). */
export const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));

/**
 * Whether the real-broker tests run. Locally without mosquitto they are skipped with a loud notice; in CI
 * (CI=true) a missing broker is a failure, never a skip.
 */
export function haveMosquitto(): boolean {
  if (MOSQUITTO) return true;
  if (process.env['CI'] === 'true') throw new Error('mosquitto is not installed but CI=true: install the Debian package "mosquitto"');
  process.stderr.write('\n*** tests/fleet: /usr/sbin/mosquitto not found — real-broker tests SKIPPED (apt-get install mosquitto) ***\n\n');
  return false;
}

export interface TlsFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface MosquittoOptions {
  /** Keep queued messages of persistent sessions across a restart (saved on a clean stop). */
  readonly persistence?: boolean;
  /** A TLS listener requiring client certificates signed by the CA (server cert/key given here). */
  readonly tls?: TlsFiles;
  /** Extra mosquitto.conf lines. */
  readonly extra?: readonly string[];
}

export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  start(): Promise<void>;
  /** SIGTERM: mosquitto saves its persistence file and exits. */
  stop(): Promise<void>;
  /** SIGKILL: nothing saved. */
  kill(): Promise<void>;
  log(): string;
  dispose(): Promise<void>;
}

function waitForPort(port: number, deadlineMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const tryOnce = (): void => {
      const s = netConnect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(); });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadlineMs) reject(new Error(`mosquitto did not listen on ${port}`));
        else setTimeout(tryOnce, 25);
      });
    };
    tryOnce();
  });
}

/** A private mosquitto on a free port of 127.0.0.1 with its own config file; restartable on the same port. */
export async function startMosquitto(o: MosquittoOptions = {}): Promise<Mosquitto> {
  if (!MOSQUITTO) throw new Error('mosquitto not installed');
  const dir = mkdtempSync(join(tmpdir(), 'kioskd-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  const lines = [
    `listener ${port} 127.0.0.1`,
    o.tls ? `cafile ${o.tls.caFile}\ncertfile ${o.tls.certFile}\nkeyfile ${o.tls.keyFile}\nrequire_certificate true\nuse_identity_as_username true` : '',
    'allow_anonymous true',
    // Run as whoever started the test (as root mosquitto would drop to a user who cannot read the tmp dir).
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    `persistence ${o.persistence ? 'true' : 'false'}`,
    `persistence_location ${dir}/`,
    // The consumer in these tests is a persistent session that may fall behind: never drop its queue.
    'max_queued_messages 0',
    `log_dest file ${join(dir, 'mosquitto.log')}`,
    'log_type error', 'log_type warning', 'log_type notice',
    ...(o.extra ?? []),
  ].filter((l) => l !== '');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  let child: ChildProcess | undefined;
  const exited = (c: ChildProcess): Promise<void> => new Promise((r) => { if (c.exitCode !== null || c.signalCode !== null) r(); else c.once('exit', () => r()); });
  const m: Mosquitto = {
    port, dir, url: `${o.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    async start() {
      child = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
      await waitForPort(port, Date.now() + 10_000);
    },
    async stop() {
      const c = child; child = undefined;
      if (!c) return;
      c.kill('SIGTERM');
      await exited(c);
    },
    async kill() {
      const c = child; child = undefined;
      if (!c) return;
      c.kill('SIGKILL');
      await exited(c);
    },
    log() {
      try { return readFileSync(join(dir, 'mosquitto.log'), 'utf8'); } catch { return ''; }
    },
    async dispose() {
      await m.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await m.start();
  return m;
}
