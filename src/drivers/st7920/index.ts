export { St7920CfgSchema, type St7920Cfg, type St7920CfgInput } from './config.js';
export { St7920Display, type St7920Options } from './display.js';
export { openSpiDevice, type SpiLink, type SpiDeviceOptions } from './spi-link.js';
export {
  SYNC_COMMAND, SYNC_DATA, ROW_ADDRESS, CMD, commandFrame, dataFrame, initSequence, layoutRow, rowUpdate, rowText,
} from './codec.js';
