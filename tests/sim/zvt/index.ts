export {
  ZvtTerminalSim, TEST_PANS,
  type ZvtSimMode, type ZvtSimOptions, type SimLedger, type SimLedgerEntry, type SimTxState,
} from './terminal-sim.js';
export { ZvtSerialSide, type ZvtSerialSideOptions } from './serial-side.js';
export { ZvtSimTcpServer } from './tcp-server.js';
export { crc, bcd, frame, apdu, FrameReader, ApduReader } from './wire.js';
