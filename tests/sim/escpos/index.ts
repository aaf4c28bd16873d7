export {
  EscposPrinterSim, DEFAULT_IDENTITY, decodeCode128Data,
  type EscposSimOptions, type SimReceipt, type SimLine, type SimIdentity, type PaperState, type SimAlign, type RecordedCommand,
} from './printer-sim.js';
