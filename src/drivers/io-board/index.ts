export { FirmataPortCfgSchema, FirmataIoCfgSchema, IoBoardPanelCfgSchema, type FirmataPortCfg, type FirmataIoCfg, type IoBoardPanelCfg, type IoBoardPanelCfgInput } from './config.js';
export { openFirmataIo, type FirmataPortOptions } from './firmata.js';
export {
  loadJohnnyFive, startBoard, stopBoardTimer,
  type JohnnyFive, type J5Board, type J5BoardOptions, type J5Lcd, type J5Led, type StartBoardOptions,
} from './johnny-five.js';
export { IoBoardPanel, type IoBoardPanelOptions, type IoBoardPanelPins } from './panel.js';
export { createPanel, type PanelCfg, type PanelContext } from './factory.js';
