/**
 * `npm run bench` runs every benchmark; `npm run bench -- NAME [NAME…]` runs the named ones.
 * Each writes bench/results/NAME.json with its figures (median, min, max) and the machine it ran on.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MIN_RUNS, type Benchmark } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));

async function load(): Promise<Map<string, Benchmark>> {
  const out = new Map<string, Benchmark>();
  for (const f of readdirSync(here).filter((x) => x.endsWith('.bench.ts')).sort()) {
    const mod = (await import(join(here, f))) as { default: Benchmark };
    out.set(mod.default.name, mod.default);
  }
  return out;
}

async function main(): Promise<void> {
  const all = await load();
  const args = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const runsArg = process.argv.find((a) => a.startsWith('--runs='));
  const runs = Math.max(MIN_RUNS, runsArg ? Number(runsArg.slice(7)) : MIN_RUNS);
  const names = args.length ? args : [...all.keys()];
  const unknown = names.filter((n) => !all.has(n));
  if (unknown.length) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${[...all.keys()].join(', ')}\n`);
    process.exit(2);
  }
  mkdirSync(join(here, 'results'), { recursive: true });
  for (const name of names) {
    const bench = all.get(name)!;
    process.stdout.write(`bench ${name}: running (${runs} runs)…\n`);
    const figures = await bench.run({ runs });
    const result = {
      name, goal: bench.goal ?? null, figures,
      machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memGiB: Math.round(totalmem() / 2 ** 30) },
    };
    writeFileSync(join(here, 'results', `${name}.json`), JSON.stringify(result, null, 2) + '\n');
    process.stdout.write(`bench ${name}: ${JSON.stringify(figures)}\n`);
  }
}

main().catch((err: unknown) => { process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`); process.exit(1); });
