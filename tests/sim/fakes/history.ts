/**
 * The fakes keep what they did for tests to inspect. A long-running simulated kiosk (`npm start`, the
 * soak benchmark) must not grow without bound, so each history keeps its newest HISTORY_LIMIT entries.
 */
export const HISTORY_LIMIT = 200;

export function remember<T>(history: T[], item: T): void {
  history.push(item);
  // One at a time, so a full history stays at exactly the limit (no saw-tooth in a heap measurement).
  if (history.length > HISTORY_LIMIT) history.shift();
}
