import type { ByteLink } from '../../src/hal/index.js';
import type { SspValidatorSim } from '../../tests/sim/ssp/index.js';

/** A ByteLink whose other end is the SSP simulator in this process; bytes cross on a microtask. */
export function sspPipe(sim: SspValidatorSim): ByteLink {
  const listeners = new Set<(c: Buffer) => void>();
  let open = true;
  sim.attach((bytes) => queueMicrotask(() => { for (const l of listeners) l(bytes); }));
  return {
    get isOpen() { return open; },
    write: (data) => { queueMicrotask(() => sim.receive(Buffer.from(data))); return Promise.resolve(); },
    onData: (l) => { listeners.add(l); return () => { listeners.delete(l); }; },
    onClose: () => () => {},
    close: async () => { open = false; },
  };
}
