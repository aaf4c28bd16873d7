/** What every decoder fuzz run reports; the runner sums them into its last line. */
export interface FuzzResult { frames: number; decoded: number; escapedErrors: number; hangs: number }

export { prng } from '../support/prng.js';
