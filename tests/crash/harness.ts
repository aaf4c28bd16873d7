/**
 * The crash-injection harness (issues 5 and 7). The parent hosts the simulators — the SSP validator on the
 * device end of a socat PTY pair, the ZVT card terminal on TCP, the wallet gateway, the biller behind a
 * wire tap, and the printer's record file — so they outlive kioskd, which runs in a child process and is SIGKILLed at journal append sites and at random
 * instants. After every kill the simulators keep running on their own clock for a while (a held note
 * times out and comes back), kioskd restarts on the same journal and PTY, and once it has recovered and
 * is idle the money checks run against the simulators' records only (./checks.ts).
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock, systemTimers } from '../../src/hal/index.js';
import { APPEND_SITES, type AppendSite } from '../../src/runtime/kiosk.js';
import { startBillerSim } from '../sim/biller/index.js';
import { encodeNumeric } from '../sim/biller/slips.js';
import { attachToPty, openPtyPair } from '../sim/serial/pty.js';
import { SspValidatorSim } from '../sim/ssp/index.js';
import { startWalletSim, type WalletSimMode } from '../sim/wallet/index.js';
import { ZvtSimTcpServer, ZvtTerminalSim, type ZvtSimMode } from '../sim/zvt/index.js';
import { startBillerTap } from './biller-tap.js';
import { checkAll, checkCollections, isRefundReceipt, violationKey, type ScenarioLog, type Violation } from './checks.js';
import { KioskdProcess } from './kioskd-process.js';
import {
  buildKillPlan, int, pick, scriptedSites, rng, scenarioScript, TENDERS,
  type CashScript, type CollectScript, type ElectronicScript, type KillPlanEntry, type ScenarioScript, type Tender,
} from './plan.js';
import { formatCrashAt } from './protocol.js';
import { readPrinterRecord } from './recording-printer.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CrashRunOptions {
  /** Kills to reach (plan entries whose site never comes are made up by random-instant kills). */
  readonly kills: number;
  readonly seed: number;
  /** Keep the journal, logs and printer record here; a temp dir (removed when clean) otherwise. */
  readonly dir?: string;
  readonly log?: (line: string) => void;
  /** Longest time the simulators run alone after a kill; default 12 000 ms. */
  readonly maxDeadMs?: number;
  /**
   * Configuration directory (default.json, profiles/) kioskd reads; default: a snapshot of the repo's
   * config/ taken at the start, so that edits during a long run cannot change kioskd under the harness.
   */
  readonly configDir?: string;
  /** Share of kills after which the simulators run alone past the 10 s escrow timeout; default 0.3. */
  readonly longDeadShare?: number;
  /** Scenarios a child may run while its kill site does not come; default 6. */
  readonly scenariosPerLife?: number;
  /** How the scripted customers pay; default all three (cash, card, wallet). */
  readonly tenders?: readonly Tender[];
}

export interface CrashRunResult {
  readonly kills: number;
  /** Append sites where a probe kill actually happened. */
  readonly sitesKilled: ReadonlyMap<AppendSite, number>;
  readonly siteTotal: number;
  readonly randomKills: number;
  readonly violations: readonly Violation[];
  readonly scenarios: number;
  /** Plan entries whose site was not reached within the child's scenarios. */
  readonly unreached: readonly string[];
  /** Diagnostics, not checks: credits kioskd itself said it journaled outside any transaction. */
  readonly strayCredits: number;
  readonly summary: string;
  readonly dir: string;
}

interface MutableScenario extends ScenarioLog {
  readonly txIds: string[];
  readonly inserted: number[];
  readonly stacked: number[];
  readonly kills: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Builds the child once per run: restarts then cost a node start, not a TypeScript compile. */
async function buildChild(): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = join(REPO_ROOT, 'dist', 'crash', `child-${process.pid}.mjs`);
  mkdirSync(dirname(outfile), { recursive: true });
  // Bundles of runs that were themselves killed (no `finally`) are removed once their harness is gone.
  for (const f of readdirSync(dirname(outfile))) {
    const pid = Number(/^child-(\d+)\.mjs/.exec(f)?.[1]);
    if (pid && !processAlive(pid)) rmSync(join(dirname(outfile), f), { force: true });
  }
  await build({
    entryPoints: [join(REPO_ROOT, 'tests', 'crash', 'child.ts')], bundle: true, platform: 'node', format: 'esm',
    packages: 'external', sourcemap: true, logLevel: 'warning', outfile,
  });
  return outfile;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function runCrashInjection(o: CrashRunOptions): Promise<CrashRunResult> {
  const log = o.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const ownDir = o.dir === undefined;
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'kioskd-crash-'));
  mkdirSync(dir, { recursive: true });
  const printerPath = join(dir, 'printer.jsonl');
  const maxDeadMs = o.maxDeadMs ?? 12_000;
  const perLife = o.scenariosPerLife ?? 6;

  const configDir = join(dir, 'config');
  rmSync(configDir, { recursive: true, force: true });
  cpSync(o.configDir ?? join(REPO_ROOT, 'config'), configDir, { recursive: true });
  const entry = await buildChild();
  const pair = await openPtyPair();
  const sim = new SspValidatorSim({ clock: systemClock, timers: systemTimers });
  const device = await attachToPty(pair.devicePath, sim);
  const biller = await startBillerSim({ host: '127.0.0.1' });
  const latency = rng(o.seed ^ 0x5eed);
  /** A scripted slow biller: payment replies come after the client's 3 s timeout (the posting stands). */
  let slowPayments = false;
  // Some postings answer slowly, so that random kills also land while a posting is in flight.
  const tap = await startBillerTap(biller.url, (payment) => (payment && slowPayments ? 3_500 : latency() < 0.3 ? int(latency, 100, 1_500) : 0));
  const tenders = o.tenders ?? TENDERS;
  // The card terminal (repeats its status every 500 ms, as kioskd is configured) and the wallet gateway
  // (refunds an order not confirmed within 20 s) keep their own clocks while kioskd is dead.
  const zvt = tenders.includes('card') ? new ZvtTerminalSim({ clock: systemClock, timers: systemTimers, statusRepeatMs: 500 }) : undefined;
  const zvtServer = zvt ? new ZvtSimTcpServer(zvt) : undefined;
  const zvtPort = await zvtServer?.listen();
  const wallet = tenders.includes('wallet') ? await startWalletSim({ confirmWindowMs: 20_000, slowMs: 1_500 }) : undefined;

  const plan = buildKillPlan(o.kills, rng(o.seed), scriptedSites(tenders));
  const scenarios: MutableScenario[] = [];
  const boot: MutableScenario = { id: 'boot', tender: 'cash', txIds: [], inserted: [], stacked: [], kills: [], refuse: false, outage: false };
  let current = boot;
  let seenStacked = 0;
  // The simulator's own cash box record, attributed to whichever scenario the script is running.
  const syncStacked = (): void => {
    const s = sim.stackedNotes();
    while (seenStacked < s.length) current.stacked.push(s[seenStacked++]!.value);
  };
  const watch = setInterval(syncStacked, 20);

  const violations = new Map<string, Violation>();
  const sitesKilled = new Map<AppendSite, number>();
  const unreached: string[] = [];
  let kills = 0;
  let randomKills = 0;
  let strays = 0;
  /** Diagnostics: stray credits per kill that preceded the life in which kioskd journaled them. */
  const strayAfter = new Map<string, number>();
  let lastKill = '(first start)';
  const noteStrays = (c: KioskdProcess): void => {
    if (!c.strays.length) return;
    strays += c.strays.length;
    const site = lastKill.replace(/:\d+$/, '').replace(/@\d+ms$/, '');
    strayAfter.set(site, (strayAfter.get(site) ?? 0) + c.strays.length);
    log(`  note: kioskd journaled ${c.strays.length} credit(s) outside any transaction [${c.strays.join(', ')}] in the life after the kill at ${lastKill}`);
  };
  let scenarioNo = 0;
  let child: KioskdProcess | undefined;

  const addViolation = (v: Violation): void => {
    const key = violationKey(v);
    if (violations.has(key)) return;
    violations.set(key, v);
    log(`  VIOLATION ${v.kind} in ${v.scenario} (kills: ${v.kills.join(', ') || 'none'}): ${v.detail}`);
  };

  const runChecks = (): void => {
    syncStacked();
    const all = boot.stacked.length ? [boot, ...scenarios] : scenarios;
    const evidence = {
      postings: biller.postings.map((p) => ({ txId: p.txId, amount: p.amount, cancelled: p.cancelled })),
      attempts: tap.attempts,
      receipts: readPrinterRecord(printerPath),
      card: zvt?.ledger().entries.map((e) => ({ ref: e.label, amount: e.amount, state: e.state })) ?? [],
      wallet: wallet?.orders().map((w) => ({ ref: w.ref, amount: w.amount, status: w.status, taken: w.charged - w.refunded })) ?? [],
    };
    for (const v of checkAll(all, evidence)) addViolation(v);
  };

  const spawnChild = (crashAt: KillPlanEntry | undefined): KioskdProcess => new KioskdProcess({
    entry, dir, billerUrl: tap.url, ptyPath: pair.hostPath, cwd: REPO_ROOT, configDir,
    ...(zvtPort !== undefined ? { zvtPort } : {}), ...(wallet ? { walletUrl: wallet.url } : {}),
    ...(crashAt?.kind === 'site' ? { crashAt: crashAt.at } : {}),
  });

  /**
   * Recovered and idle: in service, no transaction, nothing in the validator's escrow, cash box quiet, and
   * the card terminal done with any payment a dead kioskd left it holding (it reverses it on its own).
   */
  const settle = async (c: KioskdProcess): Promise<boolean> => {
    const idle = (): boolean => c.ready && c.service === 'in-service' && (c.fsm === 'idle' || c.fsm === 'done') && sim.noteInEscrow() === undefined
      && zvt?.isBusy() !== true;
    if (!(await c.until(idle, 45_000))) return false;
    for (let quiet = sim.stackedNotes().length; ;) {
      await sleep(600);
      const now = sim.stackedNotes().length;
      if (now === quiet && idle()) return c.alive;
      if (!c.alive) return false;
      quiet = now;
    }
  };

  const runScenario = async (c: KioskdProcess, sc: ScenarioScript): Promise<void> => {
    syncStacked();
    const s: MutableScenario = {
      id: sc.id, tender: sc.tender, txIds: [], inserted: [], stacked: [], kills: [],
      refuse: sc.tender !== 'collect' && sc.refuse, outage: sc.tender !== 'collect' && sc.outage,
    };
    scenarios.push(s);
    current = s;
    biller.setMode(s.refuse ? 'refuse' : 'ok');
    try {
      if (sc.tender === 'cash') await customer(c, sc, s);
      else if (sc.tender === 'collect') await collection(c, sc);
      else await electronicCustomer(c, sc, s);
    } finally {
      biller.setMode('ok');
      slowPayments = false;
      zvt?.setMode('approve');
      wallet?.setMode('approve');
    }
    if (sc.tender === 'cash' && sc.outage && c.alive) {
      // The biller is back: give the outbox the fleet's retry hint, as an operator would, and let it post.
      for (let i = 0; i < 2 && !biller.postings.some((p) => s.txIds.includes(p.txId)); i++) {
        c.send({ cmd: 'retry' });
        await c.until(() => biller.postings.some((p) => s.txIds.includes(p.txId)), 5_000);
      }
    }
  };

  /** The customer's bill scanned and shown; resolves with the transaction id, or undefined if it never showed. */
  const showBill = async (c: KioskdProcess, sc: CashScript | ElectronicScript, s: MutableScenario): Promise<string | undefined> => {
    const account = `9${String(scenarioNo).padStart(11, '0')}`;
    biller.addBill({ billerId: 'water-city', billerName: 'City Water Works', account, period: '202507', due: sc.due, currency: 'CNY', billRef: `CR-${sc.id}` });
    const txId = `${sc.id}a1`;
    s.txIds.push(txId);
    c.send({ cmd: 'scan', code: encodeNumeric({ prefix: '37', account, period: '202507' }), txId });
    return (await c.until(() => c.fsm === 'bill-shown', 10_000)) ? txId : undefined;
  };

  const customer = async (c: KioskdProcess, sc: CashScript, s: MutableScenario): Promise<void> => {
    if ((await showBill(c, sc, s)) === undefined) return;
    c.send({ cmd: 'press', button: 'cash' });
    if (!(await c.until(() => c.fsm === 'accepting' && sim.isEnabled(), 10_000))) return;
    if (sc.outage) biller.setMode('down');
    for (const [i, value] of sc.notes.entries()) {
      if (sc.cancelAfter === i || c.fsm !== 'accepting' || !c.alive) break;
      const seen = c.notes.length;
      const stackedBefore = sim.stackedNotes().length;
      // A slot still busy with the previous note does not draw the next one in yet: try again briefly.
      if (!(await c.until(() => sim.insert(value), 3_000, 40))) break;
      s.inserted.push(value);
      const fate = (): boolean => sim.stackedNotes().length > stackedBefore || c.notes.slice(seen).some((n) => n.note === 'credited' || n.note === 'returned');
      if (!(await c.until(fate, 15_000))) return;
    }
    if (c.fsm === 'accepting') c.send({ cmd: 'press', button: 'cancel' });
    await c.until(() => c.fsm === 'done' || c.fsm === 'idle', 25_000);
  };

  /** The cash box collected at the door; once the slip is out, every stacked note must be on a slip. */
  const collection = async (c: KioskdProcess, sc: CollectScript): Promise<void> => {
    const done = c.collections;
    c.send({ cmd: 'collect', collectorId: sc.collectorId, sealNumber: sc.sealNumber });
    if (await c.until(() => c.collections > done, 15_000)) {
      syncStacked();
      for (const v of checkCollections(readPrinterRecord(printerPath), sim.stackedNotes().map((n) => n.value))) addViolation(v);
    }
  };

  /** A card customer (the terminal answers as scripted) or a wallet customer showing a fresh payment code. */
  const electronicCustomer = async (c: KioskdProcess, sc: ElectronicScript, s: MutableScenario): Promise<void> => {
    const txId = await showBill(c, sc, s);
    if (txId === undefined) return;
    if (sc.outage) biller.setMode('down');
    slowPayments = sc.billerSlow;
    if (sc.tender === 'card' && zvt) {
      zvt.setMode(sc.mode as ZvtSimMode);
      zvt.labelNext(txId); // ZVT carries no ECR reference: the terminal's ledger is labelled by the harness
      c.send({ cmd: 'press', button: 'card' });
    } else if (wallet) {
      wallet.setMode(sc.mode as WalletSimMode);
      c.send({ cmd: 'scan', code: wallet.issueCode(pick(codeRand, ['wechat', 'alipay', 'unionpay'] as const), `cust-${sc.id}`) });
    }
    if (!(await c.until(() => c.fsm !== 'bill-shown', 5_000))) {
      // The tender was not on offer (a terminal still busy after a restart): the customer walks away.
      c.send({ cmd: 'press', button: 'cancel' });
    } else if (sc.cancelAfterMs !== undefined) {
      await sleep(sc.cancelAfterMs);
      if (c.fsm === 'authorising') c.send({ cmd: 'press', button: 'cancel' });
    }
    await c.until(() => c.fsm === 'done' || c.fsm === 'idle', 45_000);
  };

  const deadRand = rng(o.seed ^ 0xdead);
  const codeRand = rng(o.seed ^ 0xc0de);
  let failedStarts = 0;
  const startedAt = Date.now();
  try {
    for (let i = 0; kills < o.kills; i++) {
      const planned: KillPlanEntry = plan[i] ?? { kind: 'random', afterMs: int(deadRand, 300, 9_000) };
      const label = planned.kind === 'site' ? formatCrashAt(planned.at) : `random@${planned.afterMs}ms`;
      const held = sim.noteInEscrow();
      const stackedAtRestart = sim.stackedNotes().length;
      const c = spawnChild(planned);
      child = c;
      if (held !== undefined) {
        // Evidence for the escrow rules: what became of a note the previous kioskd left held in escrow.
        void c.until(() => sim.noteInEscrow() === undefined, 15_000).then(() => sleep(1_000)).then(() => {
          const stacked = sim.stackedNotes().length > stackedAtRestart;
          log(`  note: restarted with a note held in escrow (channel ${held}); it was ${stacked ? 'STACKED by the new kioskd' : 'returned or is still held'}`);
        });
      }
      const timer = planned.kind === 'random' ? setTimeout(() => c.kill(), planned.afterMs) : undefined;
      if (await c.until(() => c.ready, 60_000)) {
        if (await settle(c)) {
          runChecks();
          for (let k = 0; k < perLife && c.alive; k++) {
            scenarioNo++;
            const target = planned.kind === 'site' ? planned.at.site : undefined;
            await runScenario(c, scenarioScript(scenarioNo, rng(o.seed * 1_000_003 + scenarioNo), target, tenders));
            if (c.alive && (c.fsm === 'done' || c.fsm === 'idle')) runChecks();
          }
        } else if (c.alive) {
          addViolation({ scenario: current.id, kind: 'stuck', kills: current.kills, detail: `kioskd did not settle after restart (service ${c.service}, fsm ${c.fsm}, escrow ${sim.noteInEscrow() ?? '-'}, terminal ${zvt?.isBusy() === true ? 'busy' : 'idle'})` });
        }
      }
      if (c.alive && planned.kind === 'random') await c.exited; // its timer is still to come
      clearTimeout(timer);
      if (c.alive) {
        unreached.push(label);
        c.send({ cmd: 'exit' });
        await Promise.race([c.exited, sleep(10_000)]);
        c.kill();
      }
      const exit = await c.exited;
      if (c.ready) failedStarts = 0;
      noteStrays(c);
      if (exit.signal === 'SIGKILL' && (c.dying || planned.kind === 'random')) {
        kills++;
        const what = c.dying ? `${c.dying.site}:${c.dying.hit}` : label;
        if (c.dying) sitesKilled.set(c.dying.site, (sitesKilled.get(c.dying.site) ?? 0) + 1); else randomKills++;
        current.kills.push(what);
        lastKill = what;
        const u = deadRand();
        // Bimodal: often past the validator's 10 s escrow timeout (the held note comes back), often a quick restart.
        const deadMs = Math.min(maxDeadMs, u < (o.longDeadShare ?? 0.3) ? int(deadRand, 10_000, 12_000) : int(deadRand, 0, 2_500));
        log(`kill ${kills}/${o.kills} at ${what} during ${current.id} (fsm ${c.fsm}); simulators alone for ${(deadMs / 1000).toFixed(1)} s`);
        await sleep(deadMs);
      } else if (exit.signal !== null || (exit.code !== 0 && exit.code !== null)) {
        // kioskd that cannot even start (broken config, missing build) would make the loop spin: stop.
        if (!c.ready && ++failedStarts >= 3) throw new Error(`kioskd failed to start 3 times in a row: ${c.fatal ?? ''} ${c.stderr.slice(-600)}`);
        addViolation({ scenario: current.id, kind: 'stuck', kills: current.kills, detail: `kioskd exited on its own (${exit.signal ?? exit.code})${c.fatal ? `: ${c.fatal}` : ''} ${c.stderr.slice(-600)}` });
      }
    }
    // A last life without a kill: recovery of the last kill, then the final checks.
    const c = spawnChild(undefined);
    child = c;
    if ((await c.until(() => c.ready, 60_000)) && (await settle(c))) runChecks();
    else addViolation({ scenario: current.id, kind: 'stuck', kills: current.kills, detail: `kioskd did not settle at the end (service ${c.service}, fsm ${c.fsm}) ${c.stderr.slice(-600)}` });
    c.send({ cmd: 'exit' });
    await Promise.race([c.exited, sleep(10_000)]);
    noteStrays(c);
    await Promise.race([c.exited, sleep(10_000)]);
  } finally {
    clearInterval(watch);
    child?.kill();
    await device.close();
    await pair.close();
    await tap.close();
    await biller.close();
    await zvtServer?.close();
    await wallet?.close();
    rmSync(entry, { force: true });
    rmSync(`${entry}.map`, { force: true });
  }

  const v = [...violations.values()];
  const summary = `crash-injection: ${kills} kills, ${sitesKilled.size}/${APPEND_SITES.length} sites, ${v.length} violations`;
  const targets = scriptedSites(tenders);
  const notHit = targets.filter((s) => !sitesKilled.has(s));
  const notScripted = APPEND_SITES.filter((s) => !targets.includes(s));
  const byTender = TENDERS.map((t) => `${scenarios.filter((x) => (x.tender ?? 'cash') === t).length} ${t}`).join(', ');
  log(`${scenarios.length} scenarios (${byTender}), ${randomKills} random-instant kills, ${Math.round((Date.now() - startedAt) / 1000)} s`);
  log(`kills per site: ${[...sitesKilled].map(([s, n]) => `${s}×${n}`).join(' ')}`);
  if (notHit.length) log(`payment sites never killed at: ${notHit.join(', ')}`);
  if (notScripted.length) log(`append sites the scripted customers here do not reach: ${notScripted.join(', ')}`);
  // What the simulators' own records say happened: evidence that the checks had money to look at.
  const tally = (xs: readonly string[]): string => [...new Set(xs)].map((x) => `${xs.filter((y) => y === x).length} ${x}`).join(', ') || 'none';
  const receipts = readPrinterRecord(printerPath);
  log(`simulators' records: cash box ${sim.stackedNotes().length} notes; biller ${tally(biller.postings.map((p) => (p.cancelled ? 'cancelled' : 'posted')))}`
    + `${zvt ? `; card terminal ${tally(zvt.ledger().entries.map((e) => e.state))}` : ''}${wallet ? `; wallet gateway ${tally(wallet.orders().map((w) => w.status))}` : ''}`
    + `; printer ${receipts.length} receipts (${receipts.filter((r) => isRefundReceipt(r.text)).length} needs-refund)`);
  if (unreached.length) log(`planned kills whose site did not come within ${perLife} scenarios: ${unreached.length} (${[...new Set(unreached)].slice(0, 12).join(', ')}${unreached.length > 12 ? ', …' : ''})`);
  if (strays) log(`diagnostics (kioskd's own reports, not checks): ${strays} credit(s) journaled outside any transaction, in lives after kills at ${[...strayAfter].map(([k, n]) => `${k}×${n}`).join(' ')}`);
  if (ownDir && v.length === 0) rmSync(dir, { recursive: true, force: true });
  else log(`harness files (journal, kioskd.log, printer.jsonl): ${dir}`);
  return { kills, sitesKilled, siteTotal: APPEND_SITES.length, randomKills, violations: v, scenarios: scenarios.length, unreached, strayCredits: strays, summary, dir };
}
