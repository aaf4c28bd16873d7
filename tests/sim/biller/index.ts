export { startBillerSim, type BillerSim, type BillerSimMode, type BillerSimOptions, type SimPosting, type SimRequest } from './server.js';
export type { SampleBarcode, SampleKind } from './book.js';
