/**
 * Time is injected everywhere below the runtime: drivers and the FSM never read Date.now().
 * `wallMs` may jump (boards without an RTC boot in 1970 or at the last shutdown); `monoMs` never does.
 */
export interface Clock {
  wallMs(): number;
  monoMs(): number;
}

export type TimerHandle = { readonly __timer: unique symbol } | number | object;

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
}

export const systemClock: Clock = {
  wallMs: () => Date.now(),
  monoMs: () => performance.now(),
};

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => { if (h !== undefined) clearTimeout(h as NodeJS.Timeout); },
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => { if (h !== undefined) clearInterval(h as NodeJS.Timeout); },
};

/**
 * A manual clock and timer wheel for tests and simulators: time moves only when `advance` is called.
 */
export class ManualClock implements Clock, Timers {
  private wall: number;
  private mono = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void; every: number | undefined }>();

  constructor(wallStartMs = 1_767_225_600_000) {
    this.wall = wallStartMs;
  }

  wallMs(): number { return this.wall; }
  monoMs(): number { return this.mono; }

  /** Sets the wall clock only, as NTP or an operator would; monotonic time is unaffected. */
  setWall(ms: number): void { this.wall = ms; }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { at: this.mono + Math.max(0, ms), fn, every: undefined });
    return id;
  }
  clearTimeout(handle: TimerHandle | undefined): void { if (typeof handle === 'number') this.pending.delete(handle); }
  setInterval(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    const every = Math.max(1, ms);
    this.pending.set(id, { at: this.mono + every, fn, every });
    return id;
  }
  clearInterval(handle: TimerHandle | undefined): void { this.clearTimeout(handle); }

  /** Moves both clocks forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.mono + ms;
    for (;;) {
      let dueId: number | undefined;
      let dueAt = Infinity;
      for (const [id, t] of this.pending) if (t.at <= end && t.at < dueAt) { dueAt = t.at; dueId = id; }
      if (dueId === undefined) break;
      const t = this.pending.get(dueId)!;
      this.wall += dueAt - this.mono;
      this.mono = dueAt;
      if (t.every === undefined) this.pending.delete(dueId);
      else t.at += t.every;
      t.fn();
    }
    this.wall += end - this.mono;
    this.mono = end;
  }

  pendingCount(): number { return this.pending.size; }
}
