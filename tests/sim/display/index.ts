export { Hd44780Model, ROW_OFFSETS, type SimI2cDevice } from './hd44780-model.js';
export { SimBoard, SimJ5Io, type SimBoardOptions } from './j5-io-sim.js';
export { St7920Sim } from './st7920-sim.js';
