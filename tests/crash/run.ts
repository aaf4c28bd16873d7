/**
 * `npm run test:crash [-- --kills N --seed S --tenders cash,card,wallet --dir D]`: the full crash-injection run (issues 5 and 7).
 * Exit code 1 when any money check failed; the last line is
 * `crash-injection: K kills, S/T sites, V violations`.
 */
import { parseArgs } from 'node:util';
import { socatAvailable } from '../sim/serial/pty.js';
import { runCrashInjection } from './harness.js';
import { TENDERS, type Tender } from './plan.js';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { kills: { type: 'string' }, seed: { type: 'string' }, dir: { type: 'string' }, 'config-dir': { type: 'string' }, tenders: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write('usage: npm run test:crash -- [--kills N (300)] [--seed S (1)] [--tenders cash,card,wallet (all)] [--dir DIR (kept)] [--config-dir DIR (snapshot of config/)]\n');
    return 0;
  }
  const kills = Number(values.kills ?? 300);
  const seed = Number(values.seed ?? 1);
  if (!Number.isSafeInteger(kills) || kills < 1 || !Number.isSafeInteger(seed)) {
    process.stderr.write('--kills wants a positive integer, --seed an integer\n');
    return 2;
  }
  const tenders = (values.tenders ?? TENDERS.join(',')).split(',').map((t) => t.trim());
  const unknown = tenders.filter((t) => !(TENDERS as readonly string[]).includes(t));
  if (unknown.length || tenders.length === 0) {
    process.stderr.write(`--tenders wants a comma-separated list of ${TENDERS.join(', ')}; got "${values.tenders ?? ''}"\n`);
    return 2;
  }
  if (!socatAvailable()) {
    process.stderr.write('socat is required (the validator simulator sits on a PTY pair): apt-get install socat\n');
    return 2;
  }
  process.stdout.write(`crash injection: ${kills} kills, seed ${seed}, tenders ${tenders.join(',')}\n`);
  const r = await runCrashInjection({ kills, seed, tenders: tenders as Tender[], ...(values.dir ? { dir: values.dir } : {}), ...(values['config-dir'] ? { configDir: values['config-dir'] } : {}) });
  for (const v of r.violations) process.stdout.write(`violation: ${v.kind} ${v.scenario} [${v.kills.join(', ')}] ${v.detail}\n`);
  process.stdout.write(`${r.summary}\n`);
  return r.violations.length ? 1 : 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`crash injection failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(2);
});
