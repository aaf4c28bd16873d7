/**
 * The fakes keep what they did for tests to inspect. A long-running simulated kiosk (`npm start`, the
 * soak benchmark) must not grow without bound, so each history keeps its newest entries only: between
 * HISTORY_LIMIT and twice that (trimmed in chunks, so an append stays O(1) amortised).
 */
export const HISTORY_LIMIT = 1_000;

export function remember<T>(history: T[], item: T): void {
  history.push(item);
  if (history.length > 2 * HISTORY_LIMIT) history.splice(0, history.length - HISTORY_LIMIT);
}
