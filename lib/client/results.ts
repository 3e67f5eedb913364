import type { EvalResult, JsonValue, ValueSource } from '../types.js';
import type { StoredFlags } from './options.js';

/** The result for a key the snapshot does not have: the configured default, else no value. */
export function missingResult(key: string, fallback: JsonValue | undefined, evaluatedAt: string): EvalResult {
  return {
    key,
    enabled: false,
    variant: fallback === undefined ? '' : variantOf(fallback),
    value: fallback,
    reason: fallback === undefined ? 'not_found' : 'default_fallback',
    evaluatedAt,
    source: 'default',
    errorCode: 'FLAG_NOT_FOUND',
  };
}

/** Results for plain `{ key: value }` input (bootstrap values). */
export function valueResults(values: Record<string, JsonValue>, source: ValueSource, evaluatedAt: string): EvalResult[] {
  return Object.keys(values).map((key) => {
    const value = values[key]!;
    return { key, enabled: true, variant: variantOf(value), value, reason: source, evaluatedAt, source };
  });
}

/** Validates what a store returned; `undefined` when it is not a version-1 record. Reason becomes `cached`. */
export function restoredResults(data: StoredFlags | undefined): EvalResult[] | undefined {
  if (!data || typeof data !== 'object' || data.version !== 1 || !Array.isArray(data.flags)) return undefined;
  const results: EvalResult[] = [];
  for (const item of data.flags as unknown[]) {
    if (!isStoredResult(item)) continue;
    const result: EvalResult = {
      key: item.key,
      enabled: item.enabled,
      variant: item.variant,
      value: item.value,
      reason: 'cached',
      evaluatedAt: typeof item.evaluatedAt === 'string' ? item.evaluatedAt : data.savedAt,
      source: 'store',
    };
    if (typeof item.errorCode === 'string') result.errorCode = item.errorCode;
    results.push(result);
  }
  return results.length > 0 ? results : undefined;
}

/** The variant text of a value: `"true"`/`"false"`, the string, the number's text, or JSON. */
export function variantOf(value: JsonValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

function isStoredResult(item: unknown): item is EvalResult {
  if (typeof item !== 'object' || item === null) return false;
  const candidate = item as Partial<EvalResult>;
  return typeof candidate.key === 'string' && typeof candidate.enabled === 'boolean' && typeof candidate.variant === 'string';
}
