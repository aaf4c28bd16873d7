import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Process figures for the heartbeat; lag is measured over the interval since the previous sample. */
export interface ProcessSample {
  readonly rssBytes: number;
  readonly loopLagP99Ms: number;
  readonly loopLagMaxMs: number;
}

export interface ProcessSampler {
  sample(): ProcessSample;
  stop(): void;
}

const NS_PER_MS = 1e6;

function ms(ns: number): number {
  // An empty histogram reports NaN or a huge sentinel minimum; neither is a lag.
  return Number.isFinite(ns) && ns >= 0 && ns < Number.MAX_SAFE_INTEGER ? Math.round((ns / NS_PER_MS) * 10) / 10 : 0;
}

/** Samples RSS and event-loop delay (perf_hooks histogram, reset at every sample). */
export function createProcessSampler(resolutionMs = 20): ProcessSampler {
  const h: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
  h.enable();
  return {
    sample(): ProcessSample {
      const s = { rssBytes: process.memoryUsage.rss(), loopLagP99Ms: ms(h.percentile(99)), loopLagMaxMs: ms(h.max) };
      h.reset();
      return s;
    },
    stop(): void { h.disable(); },
  };
}
