export {
  CONFIG_SCHEMA_VERSION,
  KioskConfigSchema,
  SerialPortCfgSchema,
  DevicesSchema,
  PINO_LEVELS,
  type KioskConfig,
  type KioskConfigInput,
  type SerialPortCfg,
  type DeviceRole,
} from './schema.js';
export { CONFIG_MIGRATIONS, migrateConfig, type ConfigMigration, type MigrationResult } from './migrations.js';
export {
  loadConfig,
  validateConfig,
  validateWithOverrides,
  resolveConfigPaths,
  CONFIG_EXIT_CODE,
  DEFAULT_CONFIG_DIR,
  type LoadConfigOptions,
  type LoadedConfig,
  type ConfigWarning,
} from './load.js';
export { formatConfigIssues, issuesOf, type ConfigIssue } from './issues.js';
export { deepMerge, type JsonObject } from './merge.js';
export {
  SettingsStore,
  type SettingsData,
  type SettingsRecovery,
  type SettingsStoreOptions,
  type TerminalIdentity,
  type DeviceInventoryEntry,
  type OverrideValidator,
} from './settings-store.js';
export { DurableJsonFile, nodeDurableFs, type DurableFs, type SyncableHandle, type DurableJsonFileOptions } from './durable-file.js';
