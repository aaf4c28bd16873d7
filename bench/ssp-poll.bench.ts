/**
 * CPU cost of the SSP poll loop: driver + codec (+ the in-process simulator answering) per POLL, with a
 * manual clock so no time is spent waiting. Figures: µs of process CPU per poll, and the CPU that costs per
 * hour at the fastest allowed poll rate (200 ms → 18 000 polls/h).
 */
import { SspValidator } from '../src/drivers/ssp/index.js';
import { ManualClock } from '../src/hal/index.js';
import { SspValidatorSim } from '../tests/sim/ssp/index.js';
import { stat, type Benchmark } from './lib.js';
import { sspPipe } from './support/ssp-pipe.js';


const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

async function measure(encrypted: boolean, polls: number): Promise<number> {
  const clock = new ManualClock();
  const sim = new SspValidatorSim({ clock, timers: clock, forceEncryption: encrypted });
  const v = new SspValidator({ id: 'bench', clock, timers: clock, currency: 'CNY', pollMs: 200, openLink: async () => sspPipe(sim), encryption: { enabled: encrypted } });
  v.setCreditHandler(async () => {});
  await v.open();
  await v.enable();
  const before = sim.commands().length;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < polls; i++) { clock.advance(200); await flush(); }
  const cpu = process.cpuUsage(cpu0);
  const done = sim.commands().length - before;
  await v.close();
  if (done < polls) throw new Error(`only ${done} of ${polls} polls reached the simulator`);
  return (cpu.user + cpu.system) / polls;
}

const bench: Benchmark = {
  name: 'ssp-poll',
  goal: 'SSP poll loop (driver + codec + in-process simulator) costs well under 1% of one core at 5 polls/s: cpu_ms_per_hour < 36 000',
  async run({ runs }) {
    const polls = 2000;
    await measure(false, 200); // warm-up (JIT)
    await measure(true, 200);
    const plain: number[] = [];
    const essp: number[] = [];
    for (let i = 0; i < runs; i++) {
      if (i % 2 === 0) { plain.push(await measure(false, polls)); essp.push(await measure(true, polls)); }
      else { essp.push(await measure(true, polls)); plain.push(await measure(false, polls)); }
    }
    return {
      us_per_poll: stat(plain),
      cpu_ms_per_hour: stat(plain.map((us) => (us * 18000) / 1000)),
      us_per_poll_essp: stat(essp),
      cpu_ms_per_hour_essp: stat(essp.map((us) => (us * 18000) / 1000)),
      polls_per_run: polls,
    };
  },
};

export default bench;
