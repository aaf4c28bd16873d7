/**
 * Benchmark helpers. Every figure is measured at least `runs` (≥ 10) times; compared sides are interleaved
 * (A B A B …) so drift on a shared, noisy machine hits both; figures are reported as median, min and max.
 */
export interface Stat {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

export function stat(samples: readonly number[]): Stat {
  if (samples.length === 0) throw new Error('no samples');
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median: round(median), min: round(s[0]!), max: round(s[s.length - 1]!), runs: s.length };
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Runs each side once per round, in alternating order, and collects their samples. */
export async function interleave<K extends string>(runs: number, sides: Record<K, () => Promise<number>>): Promise<Record<K, number[]>> {
  const names = Object.keys(sides) as K[];
  const out = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? names : [...names].reverse();
    for (const n of order) out[n].push(await sides[n]());
  }
  return out;
}

/** Pairwise ratios a[i]/b[i]: robust to drift between rounds. */
export function ratios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => x / b[i]!);
}

export type BenchFigures = Record<string, Stat | number | string | boolean>;

export interface Benchmark {
  readonly name: string;
  /** What the goal is, in words, for the JSON file and the console. */
  readonly goal?: string;
  run(opts: { runs: number }): Promise<BenchFigures>;
}

export const MIN_RUNS = 10;
