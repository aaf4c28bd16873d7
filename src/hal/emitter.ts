/**
 * A tiny typed event emitter. A throwing listener must never take a device down: the error is passed
 * to `onListenerError` (the runtime logs it) and the other listeners still run.
 */
export type EventMap = Record<string, unknown>;
export type Listener<T> = (payload: T) => void;

export class TypedEmitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Set<Listener<never>>>();

  constructor(private readonly onListenerError: (err: unknown, event: string) => void = () => {}) {}

  on<K extends keyof E>(event: K, fn: Listener<E[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) { set = new Set(); this.listeners.set(event, set); }
    set.add(fn as Listener<never>);
    return () => { set.delete(fn as Listener<never>); };
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try { (fn as Listener<E[K]>)(payload); } catch (err) { this.onListenerError(err, String(event)); }
    }
  }

  listenerCount(event: keyof E): number { return this.listeners.get(event)?.size ?? 0; }

  removeAll(): void { this.listeners.clear(); }
}
