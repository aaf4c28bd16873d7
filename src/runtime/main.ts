/**
 * kioskd: loads the configuration (exit 78 when it is invalid), opens the journal, builds the configured
 * drivers, recovers, serves customers, and shuts down cleanly on SIGTERM / SIGINT.
 */
import { execFile } from 'node:child_process';
import { parseArgs } from 'node:util';
import { CONFIG_EXIT_CODE, formatConfigIssues, loadConfig, type LoadedConfig } from '../config/index.js';
import { isKioskError, toKioskError } from '../errors/index.js';
import { systemClock, systemTimers } from '../hal/index.js';
import { createRuntime, type Runtime } from './compose.js';
import { DEFAULT_CONTROL_SOCKET, startControlSocket, type ControlSocket } from './control-socket.js';
import { buildDevices } from './devices.js';
import { createLogger } from './logger.js';
import { createNotifier, startWatchdog, watchdogPeriodMs, type Watchdog } from './sd-notify.js';

/** EX_DATAERR: the journal is corrupt, foreign or newer; systemd must not restart-loop on it. */
const JOURNAL_EXIT_CODE = 65;
const JOURNAL_REFUSED: ReadonlySet<string> = new Set(['KIOSK_E_JOURNAL_CORRUPT', 'KIOSK_E_JOURNAL_FOREIGN', 'KIOSK_E_JOURNAL_VERSION', 'KIOSK_E_JOURNAL_OPEN']);

const USAGE = `usage: kioskd [--config-dir DIR] [--profile NAME] [--control-socket PATH]

Runs the kiosk service. Configuration: DIR/default.json, then DIR/profiles/NAME.json, then the runtime
settings file. The control socket (kioskctl) defaults to $KIOSKD_CONTROL_SOCKET, else
${DEFAULT_CONTROL_SOCKET}. Exit codes: 0 clean stop, 1 runtime failure, 65 journal refused (corrupt, foreign or
newer; the file is never modified), 78 invalid configuration.`;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { 'config-dir': { type: 'string' }, profile: { type: 'string' }, 'control-socket': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig({
      ...(values['config-dir'] ? { dir: values['config-dir'] } : {}),
      ...(values.profile ? { profile: values.profile } : {}),
    });
  } catch (err) {
    return configFailure(err);
  }
  const { config } = loaded;
  const logger = createLogger({ level: config.log.level, base: { terminal: config.terminal.id } });
  for (const w of loaded.warnings) logger.warn({ code: w.code, issues: w.issues }, w.message);

  let runtime: Runtime;
  try {
    const devices = buildDevices(config, { clock: systemClock, timers: systemTimers, logger, currency: config.terminal.currency });
    // The fleet's "reboot": bring the open transaction to rest first, then let systemd restart the board
    // (polkit allows the kioskd user exactly this; without it kioskd merely exits and systemd restarts it).
    const reboot = (): void => {
      logger.warn('reboot requested by the fleet');
      void runtime.shutdown().finally(() => {
        execFile('systemctl', ['reboot'], () => process.exit(0));
      });
    };
    runtime = createRuntime({ config, devices, logger, commandHooks: { reboot } });
    await runtime.start();
  } catch (err) {
    if (isKioskError(err, 'KIOSK_E_CONFIG_INVALID')) return configFailure(err);
    const e = toKioskError(err);
    if (JOURNAL_REFUSED.has(e.code)) {
      // Never touch the file: refuse customers (we do not start) and say exactly what is wrong.
      logger.fatal({ code: e.code, path: config.journal.path, details: e.details }, 'journal refused; no customer will be served until an engineer looks at it');
      process.stderr.write(`kioskd: journal ${config.journal.path} refused (${e.code}): ${e.message}\nThe file was not modified. Move it aside only after it has been copied for analysis.\n`);
      return JOURNAL_EXIT_CODE;
    }
    logger.fatal({ code: e.code }, 'kioskd failed to start');
    return 1;
  }
  let control: ControlSocket | undefined;
  const socketPath = values['control-socket'] ?? (process.env['KIOSKD_CONTROL_SOCKET'] || DEFAULT_CONTROL_SOCKET);
  try {
    control = await startControlSocket({ path: socketPath, kiosk: runtime.kiosk, logger: logger.child({ module: 'control' }) });
  } catch (err) {
    // Customers do not need kioskctl: serve them anyway, and say why the engineer's tool cannot connect.
    logger.error({ path: socketPath, err: toKioskError(err).message }, 'control socket not available');
  }
  // Config loaded, journal open, recovery done: ready, whether in or out of service.
  const notifier = await createNotifier({ logger });
  notifier.ready(`serving: ${runtime.kiosk.serviceState().service}`);
  const period = watchdogPeriodMs();
  const c = config;
  const watchdog: Watchdog | undefined = period === undefined ? undefined : startWatchdog({
    notifier, kiosk: runtime.kiosk, clock: systemClock, timers: systemTimers, logger, periodMs: period,
    maxStateMs: c.transaction.customerTimeoutMs + c.transaction.moreTimePromptMs + (c.billing.retries + 1) * c.billing.timeoutMs + 120_000,
  });
  logger.info({ service: runtime.kiosk.serviceState() }, 'ready');
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => { logger.info({ signal }, 'stopping: bringing the open transaction to rest'); resolve(); };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  notifier.stopping();
  await control?.close();
  await runtime.shutdown();
  watchdog?.stop();
  return 0;
}

function configFailure(err: unknown): number {
  const e = toKioskError(err, 'KIOSK_E_CONFIG_INVALID');
  process.stderr.write(`kioskd: invalid configuration (${e.code}): ${e.message}\n${formatConfigIssues(e)}\n`);
  return CONFIG_EXIT_CODE;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`kioskd: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
