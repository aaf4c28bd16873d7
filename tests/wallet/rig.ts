import type { Logger } from 'pino';
import { systemClock, systemTimers } from '../../src/hal/index.js';
import { WalletTender, type WalletTenderOptions } from '../../src/drivers/wallet/index.js';
import { startWalletSim, type WalletSim, type WalletSimOptions } from '../sim/wallet/index.js';

/**
 * Tender ↔ simulator over real HTTP on 127.0.0.1 with real timers (HTTP I/O cannot run on a manual
 * clock). Intervals are short so each flow takes milliseconds; no test asserts a duration.
 */
export interface Rig {
  readonly sim: WalletSim;
  readonly t: WalletTender;
  /** A second tender on the same gateway, as after a restart. */
  fresh(over?: Partial<WalletTenderOptions>): WalletTender;
  dispose(): Promise<void>;
}

export const FAST = { timeoutMs: 300, queryIntervalMs: 15, maxQueryMs: 400, retries: 2, backoffMs: 5 } as const;

export async function makeRig(opts: { sim?: WalletSimOptions; tender?: Partial<WalletTenderOptions>; logger?: Logger } = {}): Promise<Rig> {
  const sim = await startWalletSim(opts.sim);
  const make = (over: Partial<WalletTenderOptions> = {}): WalletTender => new WalletTender({
    baseUrl: sim.url, currency: 'CNY', clock: systemClock, timers: systemTimers, ...FAST,
    ...(opts.logger === undefined ? {} : { logger: opts.logger }), ...opts.tender, ...over,
  });
  const t = make();
  return {
    sim, t,
    fresh: make,
    dispose: () => sim.close(),
  };
}

export async function openRig(opts: Parameters<typeof makeRig>[0] = {}): Promise<Rig> {
  const rig = await makeRig(opts);
  await rig.t.open();
  await rig.t.enable();
  return rig;
}
