/**
 * `npm run test:fuzz [-- --frames N --seed S]`: the long fuzz run of every wire decoder (default
 * 1,000,000 frames each). Exits non-zero on any escaped error or hang. The last line sums all decoders:
 * `fuzz: N frames, D decoded, E escaped errors, H hangs`.
 */
import { parseArgs } from 'node:util';
import { fuzzEscposStatus } from './escpos.js';
import type { FuzzResult } from './prng.js';
import { fuzzHid, fuzzSerialScanner } from './hid.js';
import { fuzzId003 } from './id003.js';
import { fuzzSsp } from './ssp.js';
import { fuzzWallet } from './wallet.js';
import { fuzzZvt } from './zvt.js';


const DECODERS: Record<string, (o: { frames: number; seed: number }) => FuzzResult> = {
  ssp: fuzzSsp,
  id003: fuzzId003,
  hid: fuzzHid,
  'serial-scanner': fuzzSerialScanner,
  escpos: fuzzEscposStatus,
  zvt: fuzzZvt,
  wallet: fuzzWallet,
};

const { values } = parseArgs({ options: { frames: { type: 'string' }, seed: { type: 'string' }, only: { type: 'string' } } });
const frames = Number(values.frames ?? 1_000_000);
const seed = Number(values.seed ?? Date.now() % 2 ** 31);
const total: FuzzResult = { frames: 0, decoded: 0, escapedErrors: 0, hangs: 0 };
for (const [name, fuzz] of Object.entries(DECODERS)) {
  if (values.only && values.only !== name) continue;
  const started = performance.now();
  const r = fuzz({ frames, seed });
  process.stdout.write(`${name}: ${r.frames} frames, ${r.decoded} decoded, ${r.escapedErrors} escaped errors, ${r.hangs} hangs (seed ${seed}, ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  for (const k of Object.keys(total) as (keyof FuzzResult)[]) total[k] += r[k];
}
process.stdout.write(`fuzz: ${total.frames} frames, ${total.decoded} decoded, ${total.escapedErrors} escaped errors, ${total.hangs} hangs\n`);
process.exitCode = total.escapedErrors + total.hangs === 0 ? 0 : 1;
