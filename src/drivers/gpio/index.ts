export { GpioPanelCfgSchema, type GpioPanelCfg, type GpioPanelCfgInput } from './config.js';
export { GpioPanel, type GpioPanelOptions, type GpioPanelPins } from './panel.js';
export {
  PanelCore, PANEL_BUTTONS, PANEL_INPUTS, PANEL_OUTPUTS,
  type ActiveLow, type PanelCoreOptions, type PanelInput, type PanelLines, type PanelOutput,
} from './panel-core.js';
export { readGpioChips, socChip, resolvePin, resolvePins, DEFAULT_SYSFS_GPIO, SOC_CHIP_LABEL, type GpioChipInfo } from './pins.js';
export { onoffOpener } from './onoff-port.js';
