import { existsSync } from 'node:fs';

/**
 * Whether the wall clock is known to be right. Boards without a real-time clock boot with a wrong time;
 * systemd-timesyncd creates this flag file once it has synchronised. The journal orders by sequence and
 * timers run on monotonic time, so an unsynchronised clock only marks receipts and telemetry.
 */
export function timesyncdSynced(flag = '/run/systemd/timesync/synchronized'): () => boolean {
  return () => existsSync(flag);
}
