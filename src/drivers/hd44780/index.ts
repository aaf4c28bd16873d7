export { Hd44780CfgSchema, LcdIoCfgSchema, type Hd44780Cfg, type Hd44780CfgInput, type LcdIoCfg } from './config.js';
export { Hd44780Display, type Hd44780Options } from './display.js';
export { I2cBusIo, openI2cBusIo, type I2cBusLike } from './i2c-bus-io.js';
export { toGlassLine, diffRuns, type CellRun } from './text.js';
export { createDisplay, type DisplayCfg, type DisplayContext } from './factory.js';
