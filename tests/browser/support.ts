/**
 * Browser tests' shared pieces: the launcher's parts in-process (embedded broker, simulated kiosk, web
 * server, all on free ports), the pages built fresh with Vite, and Debian's Chromium driven by
 * playwright-core (no browser download, ever).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { build } from 'vite';
import { startSimKiosk, type SimKiosk } from '../sim/harness.js';
import { createActionQueue, createActor } from '../sim/launcher/actions.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../sim/launcher/broker.js';
import { simConsoleKey } from '../sim/web/console-key.js';
import { startWebPanel, type WebPanel } from '../sim/web/server.js';

export const CHROMIUM = process.env['KIOSKD_CHROMIUM'] ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

/**
 * Locally a missing Chromium skips the browser tests, loudly; in CI it is an error (CI installs it).
 */
export function requireChromium(): boolean {
  if (HAVE_CHROMIUM) return true;
  if (process.env['CI'] === 'true') throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium for the browser tests`);
  process.stderr.write(`\n${'!'.repeat(78)}\n!! browser tests SKIPPED: ${CHROMIUM} not found. Install it: apt-get install -y chromium\n${'!'.repeat(78)}\n\n`);
  return false;
}

/** Builds the two pages into a fresh directory (each test file its own: files run in parallel). */
export async function buildPages(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'kioskd-web-'));
  await build({ configFile: resolve('vite.config.ts'), logLevel: 'error', build: { outDir: dir, emptyOutDir: true, sourcemap: false } });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Stack {
  readonly sim: SimKiosk;
  readonly broker: EmbeddedBroker;
  readonly web: WebPanel;
  /** The actor's notes, as the terminal UI would show them. */
  readonly notes: string[];
  close(): Promise<void>;
}

/** What `npm start` runs, minus the terminal: broker, kiosk and web server, wired the same way. */
export async function startStack(root: string, newTxId?: () => string): Promise<Stack> {
  const keyDir = mkdtempSync(join(tmpdir(), 'kioskd-fleet-key-'));
  const consoleKey = await simConsoleKey(join(keyDir, 'console.pem'));
  const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
  let sim: SimKiosk;
  try {
    sim = await startSimKiosk({
      ...(newTxId ? { newTxId } : {}),
      overrides: { telemetry: { brokers: [{ url: broker.url, protocolVersion: 4 }], embeddedBroker: { enabled: true, host: broker.host, port: broker.port }, commands: { publicKeys: [consoleKey.publicKey] } } },
    });
  } catch (err) {
    await broker.stop();
    throw err;
  }
  const notes: string[] = [];
  let web: WebPanel | undefined;
  const log = (line: string): void => { notes.push(line); web?.log(line); };
  const act = createActionQueue(createActor({ sim, broker, log, quit: async () => {} }), sim, (code) => log(`error: ${code}`));
  web = await startWebPanel({ sim, broker, host: '127.0.0.1', port: 0, act, root, console: consoleKey });
  await sim.runtime.start();
  const w = web;
  return {
    sim, broker, web: w, notes,
    async close() {
      await w.close();
      await sim.close();
      await broker.stop();
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
}

/** Chromium with a fresh, throw-away profile and the flags a closed network needs. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'kioskd-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 1000 },
    locale: 'en-US',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where to keep screenshots for a look, when asked (never committed). */
export function screenshotPath(name: string): string | undefined {
  const dir = process.env['KIOSKD_SCREENSHOT_DIR'];
  return dir ? join(dir, `${name}.png`) : undefined;
}
