import type { JsonValue } from '../types.js';

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `raw` as a JSON value (dates as ISO strings), or `undefined` when it holds something JSON cannot
 * carry (functions, bigints, non-finite numbers, cycles past depth 32).
 */
export function toJson(raw: unknown, depth = 0): JsonValue | undefined {
  if (raw === null || typeof raw === 'string' || typeof raw === 'boolean') return raw;
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? undefined : raw.toISOString();
  if (depth > 32 || typeof raw !== 'object') return undefined;
  if (Array.isArray(raw)) {
    const items = raw.map((item) => toJson(item, depth + 1));
    return items.every((item) => item !== undefined) ? (items as JsonValue[]) : undefined;
  }
  const out = jsonObject();
  for (const [name, value] of Object.entries(raw)) {
    const json = toJson(value, depth + 1);
    if (json === undefined) return undefined;
    out[name] = json;
  }
  return out;
}

/** An object without a prototype, so keys such as `__proto__` stay plain keys. */
export function jsonObject(): Record<string, JsonValue> {
  return Object.create(null) as Record<string, JsonValue>;
}
