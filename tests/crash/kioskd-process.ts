import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { AppendSite } from '../../src/runtime/kiosk.js';
import { formatCrashAt, parseReport, type ChildCommand, type ChildReport, type CrashAt } from './protocol.js';

export interface SpawnOptions {
  /** The child's entry: an esbuild bundle (fast) or a .ts file run through tsx. */
  readonly entry: string;
  readonly dir: string;
  readonly billerUrl: string;
  readonly ptyPath: string;
  readonly crashAt?: CrashAt;
  /** The card terminal simulator's TCP port (ZVT), when card customers are scripted. */
  readonly zvtPort?: number;
  /** The wallet gateway simulator's URL, when wallet customers are scripted. */
  readonly walletUrl?: string;
  readonly configDir?: string;
  readonly cwd: string;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** kioskd in a child process, seen through its report lines. */
export class KioskdProcess {
  private readonly proc: ChildProcess;
  private readonly waiters = new Set<() => void>();
  private stderrTail = '';
  ready = false;
  fsm = 'starting';
  service = 'starting';
  tx: string | null = null;
  dying: { site: AppendSite; hit: number } | undefined;
  fatal: string | undefined;
  exit: Exit | undefined;
  readonly exited: Promise<Exit>;
  /** Validator note events in arrival order. */
  readonly notes: { note: string; value?: number }[] = [];
  strays: number[] = [];
  /** `collect` commands this child finished. */
  collections = 0;
  alarms: string[] = [];

  constructor(o: SpawnOptions) {
    const args = ['--enable-source-maps'];
    if (o.entry.endsWith('.ts')) args.push('--import', 'tsx');
    args.push(o.entry, '--dir', o.dir, '--biller', o.billerUrl, '--pty', o.ptyPath);
    if (o.crashAt) args.push('--crash-at', formatCrashAt(o.crashAt));
    if (o.configDir) args.push('--config-dir', o.configDir);
    if (o.zvtPort !== undefined) args.push('--zvt-port', String(o.zvtPort));
    if (o.walletUrl !== undefined) args.push('--wallet', o.walletUrl);
    this.proc = spawn(process.execPath, args, { cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdin!.on('error', () => undefined); // writes to a killed child
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      const r = parseReport(line);
      if (r) this.onReport(r);
    });
    this.proc.stderr!.on('data', (c: Buffer) => { this.stderrTail = (this.stderrTail + c.toString('utf8')).slice(-4000); });
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.wake();
        resolve(this.exit);
      });
    });
  }

  get pid(): number | undefined { return this.proc.pid; }
  get alive(): boolean { return this.exit === undefined; }
  get stderr(): string { return this.stderrTail; }

  send(c: ChildCommand): void {
    if (this.alive) this.proc.stdin!.write(`${JSON.stringify(c)}\n`);
  }

  /** SIGKILL this child (and only it). */
  kill(): void {
    if (this.alive) this.proc.kill('SIGKILL');
  }

  /**
   * Resolves true once `pred` holds, false on timeout or when the child is gone. `pred` is re-checked
   * on every report and every `pollMs` (simulator state changes without a report).
   */
  async until(pred: () => boolean, timeoutMs: number, pollMs = 50): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      if (pred()) return true;
      if (!this.alive || Date.now() > deadline) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, pollMs);
        function done(): void { clearTimeout(t); resolve(); }
        this.waiters.add(done);
        void this.exited.then(done);
      });
    }
  }

  private onReport(r: ChildReport): void {
    if ('ready' in r) this.ready = true;
    else if ('state' in r) { this.fsm = r.state.fsm; this.service = r.state.service; this.tx = r.tx; }
    else if ('note' in r) this.notes.push(r.value === undefined ? { note: r.note } : { note: r.note, value: r.value });
    else if ('dying' in r) this.dying = { site: r.dying, hit: r.hit };
    else if ('stray' in r) this.strays.push(r.stray);
    else if ('alarm' in r) this.alarms.push(r.alarm);
    else if ('fatal' in r) this.fatal = r.fatal;
    else if ('collected' in r) this.collections++;
    this.wake();
  }

  private wake(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }
}
