import { execFile } from 'node:child_process';
import { readFileSync, statfsSync } from 'node:fs';
import type { JsonObject } from './envelope.js';

/** Raspberry Pi firmware throttling flags (`vcgencmd get_throttled`): now, and since boot. */
export interface ThrottleFlags extends JsonObject {
  readonly underVoltage: boolean;
  readonly freqCapped: boolean;
  readonly throttled: boolean;
  readonly softTempLimit: boolean;
  readonly underVoltageOccurred: boolean;
  readonly freqCappedOccurred: boolean;
  readonly throttledOccurred: boolean;
  readonly softTempLimitOccurred: boolean;
}

/** Board figures for the heartbeat; each reader returns null where the board does not report it. */
export interface BoardProbe {
  diskFreeBytes(): number | null;
  cpuTempC(): number | null;
  throttled(): ThrottleFlags | null;
}

/** Parses `throttled=0x50005` (vcgencmd) or a bare hex/decimal mask (sysfs). Null for anything else. */
export function parseThrottled(text: string): ThrottleFlags | null {
  const m = /^(?:throttled=)?\s*(0x[0-9a-f]+|\d+)\s*$/i.exec(text.trim());
  if (!m) return null;
  const v = Number(m[1]);
  if (!Number.isSafeInteger(v)) return null;
  const bit = (n: number): boolean => (v & (1 << n)) !== 0;
  return {
    underVoltage: bit(0), freqCapped: bit(1), throttled: bit(2), softTempLimit: bit(3),
    underVoltageOccurred: bit(16), freqCappedOccurred: bit(17), throttledOccurred: bit(18), softTempLimitOccurred: bit(19),
  };
}

/** Thermal zone text is millidegrees Celsius. */
export function parseMilliCelsius(text: string): number | null {
  const v = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(v) ? Math.round(v / 100) / 10 : null;
}

export interface BoardProbeOptions {
  /** A path on the journal's filesystem (free space there is what matters). */
  readonly diskPath: string;
  readonly thermalPath?: string;
  readonly throttledPath?: string;
  readonly readText?: (path: string) => string;
  readonly statfs?: (path: string) => { readonly bavail: number | bigint; readonly bsize: number | bigint };
  /** Runs `vcgencmd get_throttled` when sysfs has no flags; null disables it. */
  readonly vcgencmd?: ((cb: (out: string | null) => void) => void) | null;
}

const THERMAL = '/sys/class/thermal/thermal_zone0/temp';
const THROTTLED = '/sys/devices/platform/soc/soc:firmware/get_throttled';

function defaultVcgencmd(cb: (out: string | null) => void): void {
  // Async and bounded: the heartbeat must never wait on a child process.
  execFile('vcgencmd', ['get_throttled'], { timeout: 2000 }, (err, stdout) => cb(err ? null : stdout));
}

/**
 * Reads the board: free disk via statfs, CPU temperature from the thermal zone, throttling from the
 * firmware's sysfs file or, failing that, the last answer of `vcgencmd` (asked in the background, so a
 * value lags one heartbeat). A reader whose source is missing returns null, and stops trying vcgencmd
 * once it was not found.
 */
export function createBoardProbe(o: BoardProbeOptions): BoardProbe {
  const read = o.readText ?? ((p: string) => readFileSync(p, 'utf8'));
  const statfs = o.statfs ?? ((p: string) => statfsSync(p));
  const vcgencmd = o.vcgencmd === undefined ? defaultVcgencmd : o.vcgencmd;
  let lastVc: ThrottleFlags | null = null;
  let vcMissing = vcgencmd === null;
  let vcBusy = false;
  const tryRead = (p: string): string | null => { try { return read(p); } catch { return null; } };
  return {
    diskFreeBytes() {
      try {
        const s = statfs(o.diskPath);
        return Number(BigInt(s.bavail) * BigInt(s.bsize));
      } catch {
        return null;
      }
    },
    cpuTempC() {
      const t = tryRead(o.thermalPath ?? THERMAL);
      return t === null ? null : parseMilliCelsius(t);
    },
    throttled() {
      const sys = tryRead(o.throttledPath ?? THROTTLED);
      if (sys !== null) return parseThrottled(sys);
      if (vcMissing || !vcgencmd) return null;
      if (!vcBusy) {
        vcBusy = true;
        vcgencmd((out) => {
          vcBusy = false;
          if (out === null) { vcMissing = lastVc === null; return; }
          lastVc = parseThrottled(out);
        });
      }
      return lastVc;
    },
  };
}
