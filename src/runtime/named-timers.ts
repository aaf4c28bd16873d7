import type { TimerHandle, Timers } from '../hal/index.js';

/** The FSM's named timers on injected Timers: starting a running timer restarts it. */
export class NamedTimers<N extends string> {
  private readonly handles = new Map<N, TimerHandle>();

  constructor(private readonly timers: Timers, private readonly fire: (name: N) => void) {}

  start(name: N, ms: number): void {
    this.cancel(name);
    this.handles.set(name, this.timers.setTimeout(() => { this.handles.delete(name); this.fire(name); }, ms));
  }

  cancel(name: N): void {
    const h = this.handles.get(name);
    if (h !== undefined) { this.timers.clearTimeout(h); this.handles.delete(name); }
  }

  cancelAll(): void {
    for (const name of [...this.handles.keys()]) this.cancel(name);
  }

  running(): N[] { return [...this.handles.keys()]; }
}
