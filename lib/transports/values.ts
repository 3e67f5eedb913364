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
