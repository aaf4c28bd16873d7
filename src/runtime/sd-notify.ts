/**
 * systemd notification (Type=notify): READY=1 once kioskd has recovered, WATCHDOG=1 only while kioskd
 * itself is alive. Node core cannot send on the AF_UNIX datagram NOTIFY_SOCKET, so the optional native
 * `sd-notify` module is used when it is installed, else the `systemd-notify` CLI (needs
 * NotifyAccess=all: the sender is a child; its datagram can be dropped if the child exits before PID 1
 * reads it, which is why the watchdog pings three times per WatchdogSec). Without NOTIFY_SOCKET every
 * call is a no-op (development, tests, the simulated kiosk).
 */
import { execFile } from 'node:child_process';
import type { Logger } from 'pino';
import type { Clock, TimerHandle, Timers } from '../hal/index.js';
import type { Kiosk } from './kiosk.js';

export interface Notifier {
  readonly kind: 'noop' | 'native' | 'cli';
  ready(status?: string): void;
  watchdog(): void;
  status(text: string): void;
  stopping(): void;
}

/** The parts of `sd-notify` we use (an optional native module; not a dependency). */
interface NativeSdNotify {
  ready(): void;
  watchdog(): void;
  sendStatus(text: string): void;
  stopping(pid?: number): void;
}

export type Spawner = (cmd: string, args: readonly string[]) => void;

const defaultSpawner = (logger: Logger): Spawner => {
  // One warning per run of failures: a broken notify path must not flood the journal every 10 s.
  let failing = false;
  return (cmd, args) => {
    execFile(cmd, [...args], { timeout: 5000 }, (err) => {
      if (err && !failing) logger.warn({ cmd, err: err.message }, 'systemd-notify failed');
      if (!err && failing) logger.info({ cmd }, 'systemd-notify works again');
      failing = err !== null;
    });
  };
};

export const noopNotifier: Notifier = { kind: 'noop', ready() {}, watchdog() {}, status() {}, stopping() {} };

/** The CLI fallback: one short-lived `systemd-notify` per message. */
export function cliNotifier(spawn: Spawner): Notifier {
  return {
    kind: 'cli',
    ready: (status) => spawn('systemd-notify', ['--ready', ...(status ? [`--status=${status}`] : [])]),
    watchdog: () => spawn('systemd-notify', ['WATCHDOG=1']),
    status: (text) => spawn('systemd-notify', [`--status=${text}`]),
    stopping: () => spawn('systemd-notify', ['STOPPING=1']),
  };
}

function nativeNotifier(m: NativeSdNotify): Notifier {
  return {
    kind: 'native',
    ready: (status) => { if (status) m.sendStatus(status); m.ready(); },
    watchdog: () => m.watchdog(),
    status: (text) => m.sendStatus(text),
    stopping: () => m.stopping(),
  };
}

export interface NotifierOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** Loads the native module; default: a dynamic import of `sd-notify` (absent → undefined). */
  readonly loadNative?: () => Promise<unknown>;
  readonly spawn?: Spawner;
}

async function importOptional(name: string): Promise<unknown> {
  try {
    const m = (await import(name)) as { default?: unknown };
    return m.default ?? m;
  } catch {
    return undefined;
  }
}

function isNative(m: unknown): m is NativeSdNotify {
  const o = m as Partial<Record<keyof NativeSdNotify, unknown>> | undefined;
  return typeof o?.ready === 'function' && typeof o.watchdog === 'function' && typeof o.sendStatus === 'function';
}

/** Picks the notifier: no-op without NOTIFY_SOCKET, else native sd-notify if it loads, else the CLI. */
export async function createNotifier(o: NotifierOptions): Promise<Notifier> {
  const env = o.env ?? process.env;
  if (!env['NOTIFY_SOCKET']) return noopNotifier;
  const native = await (o.loadNative ?? (() => importOptional('sd-notify')))();
  if (isNative(native)) return nativeNotifier(native);
  o.logger.info('sd-notify native module not installed; using the systemd-notify CLI (NotifyAccess=all)');
  return cliNotifier(o.spawn ?? defaultSpawner(o.logger));
}

/**
 * The watchdog period systemd asked for (WATCHDOG_USEC, for this process per WATCHDOG_PID), in ms;
 * undefined when there is no watchdog.
 */
export function watchdogPeriodMs(env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): number | undefined {
  const usec = Number(env['WATCHDOG_USEC']);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  const wpid = env['WATCHDOG_PID'];
  if (wpid !== undefined && wpid !== '' && Number(wpid) !== pid) return undefined;
  return Math.floor(usec / 1000);
}

/** FSM states a terminal may sit in indefinitely; every other state has a timeout of its own. */
const UNBOUNDED: ReadonlySet<string> = new Set(['idle', 'out-of-service']);

export interface LivenessInput {
  readonly fsm: string;
  /** How long the FSM has been in `fsm` (ms, monotonic). */
  readonly inStateMs: number;
  readonly maxStateMs: number;
  readonly reasons: readonly string[];
  /** A journal probe said it cannot write. */
  readonly journalWritable: boolean;
}

/**
 * Whether kioskd itself is alive. Deliberately blind to peripherals: a jammed validator or a printer
 * out of paper take the terminal out of service (and raise alarms) but never stop the watchdog, or
 * systemd would restart a healthy service in a loop.
 */
export function livenessProblem(i: LivenessInput): string | undefined {
  if (i.reasons.includes('journal-failure') || !i.journalWritable) return 'journal-not-writable';
  if (!UNBOUNDED.has(i.fsm) && i.inStateMs > i.maxStateMs) return `fsm-stuck:${i.fsm}`;
  return undefined;
}

export interface WatchdogOptions {
  readonly notifier: Notifier;
  readonly kiosk: Pick<Kiosk, 'serviceState' | 'state' | 'on'>;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** systemd's WatchdogSec in ms. Pings go out three times per period (CLI datagrams can be lost). */
  readonly periodMs: number;
  /** Longest time any bounded FSM state may last before kioskd counts as wedged. */
  readonly maxStateMs: number;
  /** Cheap check that the journal still takes writes (default: only the kiosk's own journal-failure flag). */
  readonly journalWritable?: () => boolean;
}

export interface Watchdog {
  /** One check (and ping when healthy); the timer calls this. Returns the problem, if any. */
  tick(): string | undefined;
  stop(): void;
}

/**
 * Pings WATCHDOG=1 from the event loop while kioskd is healthy. A blocked event loop sends nothing (the
 * timer cannot fire); a wedged FSM or a dead journal withholds the ping so systemd restarts kioskd.
 */
export function startWatchdog(o: WatchdogOptions): Watchdog {
  let stateName = o.kiosk.state().name;
  let since = o.clock.monoMs();
  let reported: string | undefined;
  const off = o.kiosk.on('state', (s) => {
    if (s.fsm !== stateName) { stateName = s.fsm; since = o.clock.monoMs(); }
  });
  const tick = (): string | undefined => {
    const { reasons } = o.kiosk.serviceState();
    let writable = true;
    try { writable = o.journalWritable ? o.journalWritable() : true; } catch { writable = false; }
    const problem = livenessProblem({ fsm: stateName, inStateMs: o.clock.monoMs() - since, maxStateMs: o.maxStateMs, reasons, journalWritable: writable });
    if (problem === undefined) {
      o.notifier.watchdog();
      if (reported) o.logger.info('liveness restored; watchdog pings resumed');
    } else if (problem !== reported) {
      o.logger.error({ problem }, 'kioskd is not healthy: withholding the watchdog ping');
    }
    reported = problem;
    return problem;
  };
  const handle: TimerHandle = o.timers.setInterval(tick, Math.max(1, Math.floor(o.periodMs / 3)));
  return { tick, stop: () => { off(); o.timers.clearInterval(handle); } };
}
