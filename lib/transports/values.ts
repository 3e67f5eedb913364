import type { JsonValue } from '../types.js';

/** A typed value parsed from a variant key, or the reason it could not be. */
export interface TypedValue {
  value: JsonValue | undefined;
  errorCode?: 'PARSE_ERROR';
}

/**
 * Types a variant key by the flag's declared type (Cuttlegate's wire, the local server's model):
 * bool → `variant === "true"`, string → the variant, number → a finite number, json → parsed JSON.
 * A variant that does not parse gives no value and `PARSE_ERROR`, never an exception.
 */
export function typedValue(type: string, variant: string): TypedValue {
  switch (type) {
    case 'bool':
    case 'boolean':
      return { value: variant === 'true' };
    case 'number': {
      const parsed = variant.trim() === '' ? Number.NaN : Number(variant);
      return Number.isFinite(parsed) ? { value: parsed } : { value: undefined, errorCode: 'PARSE_ERROR' };
    }
    case 'json':
      try {
        return { value: JSON.parse(variant) as JsonValue };
      } catch {
        return { value: undefined, errorCode: 'PARSE_ERROR' };
      }
    default:
      return { value: variant };
  }
}

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
