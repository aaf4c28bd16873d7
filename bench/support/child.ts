/**
 * Runs a benchmark worker (a .ts file) in its own Node process — under strace, or with --expose-gc —
 * and returns the JSON object it printed as its last stdout line.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface WorkerRun {
  /** Command words before `node`, e.g. ['strace', '-f', …]. */
  readonly wrapper?: readonly string[];
  readonly nodeFlags?: readonly string[];
}

export function runWorker<T>(script: string, args: readonly string[], o: WorkerRun = {}): Promise<T> {
  const nodeArgs = [...(o.nodeFlags ?? []), '--import', 'tsx', join(repoRoot, script), ...args];
  const [cmd, ...cmdArgs] = o.wrapper?.length ? [...o.wrapper, process.execPath, ...nodeArgs] : [process.execPath, ...nodeArgs];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, cmdArgs, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString('utf8'); });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) { reject(new Error(`${script} exited ${String(code ?? signal)}:\n${out.slice(-2000)}`)); return; }
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${script} printed no JSON result:\n${out.slice(-2000)}`));
      }
    });
  });
}

/** The `/proc/self/io` counters (Linux): bytes this process asked to write, and bytes it sent to storage. */
export interface ProcIo {
  readonly wchar: number;
  readonly writeBytes: number;
}

export function readProcIo(): ProcIo {
  const text = readFileSync('/proc/self/io', 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { wchar: field('wchar'), writeBytes: field('write_bytes') };
}
