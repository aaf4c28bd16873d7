import { SettingsStore, validateWithOverrides, type JsonObject as ConfigJson, type KioskConfig } from '../config/index.js';
import type { JsonObject } from './envelope.js';

/**
 * The `reload-config` command as kioskd does it: the overrides are validated against the running
 * configuration with the config module, then stored durably in the settings file (SettingsStore), and
 * take effect at the next start. A refused patch throws KIOSK_E_OVERRIDE_REFUSED with the issues by path,
 * and the last good settings stay untouched.
 */
export function settingsReloader(config: KioskConfig, open: (path: string) => Promise<SettingsStore> = (p) => SettingsStore.open(p)): (overrides: JsonObject) => Promise<JsonObject> {
  return async (overrides) => {
    const store = await open(config.settings.path);
    const effective = await store.setOverrides(overrides as ConfigJson, (merged) => { validateWithOverrides(config, merged); });
    return { stored: true, restartRequired: true, keys: Object.keys(effective).sort() };
  };
}
