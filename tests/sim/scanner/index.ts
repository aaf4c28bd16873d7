export { SerialScannerSim, type SerialScannerSimOptions, type SimSuffix } from './serial-scanner-sim.js';
export { SimHidDevice, SimHidBus } from './hid-device.js';
export { HidPosSim, encodeHidPosReports, type HidPosSimOptions, type SimHidPosLayout } from './hid-pos-sim.js';
export { WedgeSim, encodeKeystrokes } from './wedge-sim.js';
