import { describe, expect, it } from 'vitest';
import { socatAvailable } from '../sim/serial/pty.js';
import { runCrashInjection } from './harness.js';

/**
 * The small crash-injection run of `npm test` (the full one is `npm run test:crash`): kioskd in a child
 * process on the SSP simulator over a socat PTY, SIGKILLed at append sites across the journal and at
 * random instants, restarted on the same journal; the money checks read only the simulators' records.
 * socat missing skips it loudly on a developer machine, never in CI.
 */
describe('crash injection (small)', () => {
  it.runIf(socatAvailable() || process.env.CI === 'true')('loses and doubles no money over kills at many append sites', async () => {
    const lines: string[] = [];
    const r = await runCrashInjection({ kills: 16, seed: 20_250_701, longDeadShare: 0.1, scenariosPerLife: 4, log: (l) => lines.push(l) });
    const report = [...lines, r.summary].join('\n');
    expect(r.kills, report).toBeGreaterThanOrEqual(16);
    expect(r.sitesKilled.size, report).toBeGreaterThanOrEqual(8);
    expect(r.violations, report).toEqual([]);
  }, 240_000);
});
