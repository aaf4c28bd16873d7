import { rename, stat } from 'node:fs/promises';
import { Low } from 'lowdb';
import { z } from 'zod';
import { KioskError } from '../errors/index.js';
import { DurableJsonFile, type DurableFs } from './durable-file.js';
import { issuesError, issuesFromZod, issuesOf, type ConfigIssue } from './issues.js';
import { parseJsonText } from './json-text.js';
import { deepMerge, isPlainObject, type JsonObject } from './merge.js';

const SETTINGS_FILE_VERSION = 1;

const InventoryEntrySchema = z.strictObject({
  model: z.string().optional(),
  serial: z.string().optional(),
  firmware: z.string().optional(),
  port: z.string().optional(),
  /** ISO 8601 time the caller last identified the device (the store reads no clock). */
  seenAt: z.string().optional(),
});

const SettingsFileSchema = z.strictObject({
  version: z.literal(SETTINGS_FILE_VERSION),
  identity: z.strictObject({ id: z.string().optional(), fleet: z.string().optional() }).default({}),
  overrides: z.record(z.string(), z.unknown()).default({}),
  inventory: z.record(z.string(), InventoryEntrySchema).default({}),
});

export type DeviceInventoryEntry = z.infer<typeof InventoryEntrySchema>;
export type SettingsData = z.infer<typeof SettingsFileSchema>;
export type TerminalIdentity = SettingsData['identity'];

/** Checks the config that would result from these overrides; throws (ideally with issues) to refuse. */
export type OverrideValidator = (mergedOverrides: JsonObject) => void;

/** Present when the settings file could not be used and kioskd started with empty settings. */
export interface SettingsRecovery {
  readonly code: 'KIOSK_E_SETTINGS_CORRUPT';
  readonly message: string;
  /** Where the bad file was moved; null if it could not be moved (it is then left in place). */
  readonly movedTo: string | null;
}

export interface SettingsStoreOptions {
  /** File seam for the durable adapter (tests). */
  readonly fs?: DurableFs;
}

function emptySettings(): SettingsData {
  return { version: SETTINGS_FILE_VERSION, identity: {}, overrides: {}, inventory: {} };
}

function parseSettings(file: string) {
  return (text: string): SettingsData => {
    const raw = parseJsonText(text, file);
    const r = SettingsFileSchema.safeParse(raw);
    if (!r.success) throw new KioskError('KIOSK_E_SETTINGS_CORRUPT', `${file}: not a kioskd settings file`, { details: { file } });
    return r.data;
  };
}

async function firstFreeAside(path: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = `${path}.corrupt-${n}`;
    try {
      await stat(candidate);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return candidate;
      throw e;
    }
  }
}

/**
 * Small, rarely written runtime settings in lowdb: terminal identity, config overrides, device
 * inventory. Every change is validated before it is written, and written durably (DurableJsonFile).
 */
export class SettingsStore {
  private lock: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly db: Low<SettingsData>,
    readonly recovered: SettingsRecovery | undefined,
  ) {}

  /**
   * Opens (without creating) the settings file. A corrupt or foreign file is moved aside to
   * `<path>.corrupt-<n>` and the store starts empty; `recovered` says so. Never throws for a bad file:
   * a kiosk must still boot.
   */
  static async open(path: string, opts: SettingsStoreOptions = {}): Promise<SettingsStore> {
    const adapter = new DurableJsonFile<SettingsData>(path, { parse: parseSettings(path), ...(opts.fs ? { fs: opts.fs } : {}) });
    const db = new Low<SettingsData>(adapter, emptySettings());
    try {
      await db.read();
      return new SettingsStore(path, db, undefined);
    } catch (e) {
      db.data = emptySettings();
      const reason = e instanceof Error ? e.message : String(e);
      let movedTo: string | null = null;
      const ioError = !(e instanceof KioskError);
      if (!ioError) {
        try {
          const aside = await firstFreeAside(path);
          await rename(path, aside);
          movedTo = aside;
        } catch {
          movedTo = null;
        }
      }
      const message = movedTo === null ? `${reason}; left in place, running with empty settings` : `${reason}; moved to ${movedTo}, running with empty settings`;
      return new SettingsStore(path, db, { code: 'KIOSK_E_SETTINGS_CORRUPT', message, movedTo });
    }
  }

  /** A copy of the current settings. */
  get(): SettingsData {
    return structuredClone(this.db.data);
  }

  /** Config overrides with the identity laid over `terminal`: what loadConfig merges onto the base. */
  effectiveOverrides(): JsonObject {
    return SettingsStore.effective(this.db.data);
  }

  /**
   * Deep-merges `patch` into the stored overrides (`null` withdraws a key). If `validate` throws for
   * the merged result, nothing changes and KIOSK_E_OVERRIDE_REFUSED lists the issues.
   * Resolves to the new effective overrides.
   */
  setOverrides(patch: JsonObject, validate: OverrideValidator): Promise<JsonObject> {
    return this.change(validate, (d) => {
      if (!isPlainObject(patch)) throw refused([{ path: '(root)', message: 'override patch must be an object' }]);
      return { ...d, overrides: deepMerge(d.overrides, patch) };
    });
  }

  /** Sets (or with `null` fields, clears) the terminal identity override; validated like overrides. */
  setIdentity(identity: { id?: string | null; fleet?: string | null }, validate: OverrideValidator): Promise<JsonObject> {
    return this.change(validate, (d) => ({ ...d, identity: deepMerge(d.identity, identity) as TerminalIdentity }));
  }

  /** Records (or with `null` forgets) what is attached in a device role. Not part of the config. */
  async setInventory(role: string, entry: DeviceInventoryEntry | null): Promise<void> {
    await this.change(undefined, (d) => {
      const inventory = { ...d.inventory };
      if (entry === null) delete inventory[role];
      else {
        const r = InventoryEntrySchema.safeParse(entry);
        if (!r.success) throw refused(issuesFromZod(r.error, ['inventory', role]));
        inventory[role] = r.data;
      }
      return { ...d, inventory };
    });
  }

  private static effective(d: SettingsData): JsonObject {
    const identity: JsonObject = {};
    if (d.identity.id !== undefined) identity['id'] = d.identity.id;
    if (d.identity.fleet !== undefined) identity['fleet'] = d.identity.fleet;
    return Object.keys(identity).length === 0 ? structuredClone(d.overrides) : deepMerge(d.overrides, { terminal: identity });
  }

  private change(validate: OverrideValidator | undefined, next: (d: SettingsData) => SettingsData): Promise<JsonObject> {
    const run = this.lock.then(async () => {
      const before = this.db.data;
      const after = next(structuredClone(before));
      const effective = SettingsStore.effective(after);
      if (validate !== undefined) {
        try {
          validate(effective);
        } catch (e) {
          const issues = issuesOf(e) ?? [{ path: '(root)', message: e instanceof Error ? e.message : String(e) }];
          throw refused(issues, e);
        }
      }
      this.db.data = after;
      try {
        await this.db.write();
      } catch (e) {
        this.db.data = before;
        throw new KioskError('KIOSK_E_OVERRIDE_REFUSED', `cannot write ${this.path}: ${e instanceof Error ? e.message : String(e)}`, {
          retryable: true,
          details: { reason: 'write-failed', issues: [] },
          cause: e,
        });
      }
      return effective;
    });
    this.lock = run.then(() => undefined, () => undefined);
    return run;
  }
}

function refused(issues: readonly ConfigIssue[], cause?: unknown): KioskError {
  return issuesError('KIOSK_E_OVERRIDE_REFUSED', issues, 'override refused', cause);
}
