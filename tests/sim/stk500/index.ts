export { Stk500BootloaderSim, type Stk500SimOptions } from './bootloader-sim.js';
