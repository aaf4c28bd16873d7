export { GpioBank, writeFakeSysfs, type GpioBankOptions, type SysfsVariant } from './gpio-bank.js';
