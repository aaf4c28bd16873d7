/** A JSON object (not an array, not null). */
export type JsonObject = Record<string, unknown>;

export function isPlainObject(v: unknown): v is JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Layers `patch` over `base` without mutating either.
 * - objects merge key by key; arrays and scalars in `patch` replace;
 * - `null` in `patch` deletes the key (so an override can be withdrawn);
 * - an object whose `driver` differs from the base's replaces it whole, because the options of one
 *   driver are unknown keys to another.
 */
export function deepMerge(base: JsonObject, patch: JsonObject): JsonObject {
  const driver = patch['driver'];
  if (typeof driver === 'string' && typeof base['driver'] === 'string' && driver !== base['driver']) return withoutNulls(patch);
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    if (value === null) {
      delete out[key];
    } else if (isPlainObject(value)) {
      const prev = out[key];
      out[key] = isPlainObject(prev) ? deepMerge(prev, value) : withoutNulls(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

function withoutNulls(o: JsonObject): JsonObject {
  return deepMerge({}, o);
}
