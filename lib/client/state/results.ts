import type { InvalidFlag } from '../../transports/transport.js';
import type { EvalResult, JsonValue, ValueSource } from '../../types.js';
import { frozenJson, isJsonObject, ownValue } from './json-values.js';
import type { SnapshotJSON } from './snapshot.js';

/** The result for a key the snapshot does not have: the configured default, else no value (frozen). */
export function missingResult(key: string, fallback: JsonValue | undefined, evaluatedAt: string): EvalResult {
  return Object.freeze({
    key,
    enabled: false,
    variant: fallback === undefined ? '' : variantOf(fallback),
    value: fallback,
    reason: fallback === undefined ? 'not_found' : 'default_fallback',
    evaluatedAt,
    source: 'default',
    errorCode: 'FLAG_NOT_FOUND',
  });
}

/**
 * Whether `result` stands for a missing key (none, or `errorCode: 'FLAG_NOT_FOUND'`): every reader
 * (getters, typed observables, the Angular directive, the OpenFeature providers) then gives the
 * caller's default. The one rule for it.
 */
export function isFlagNotFound(result: EvalResult | undefined): result is undefined | (EvalResult & { errorCode: 'FLAG_NOT_FOUND' }) {
  return result?.errorCode === 'FLAG_NOT_FOUND' || !result;
}

/**
 * What a landed load gives the snapshot: its results, and for each entry it rejected as malformed
 * (`invalid`) not in `keep` (held at its last good result), an error result: no value, `ERROR` with
 * `PARSE_ERROR`. The server sent the flag, so it reads as unreadable, not as missing
 * (`FLAG_NOT_FOUND`), through every path: the client's reads, `snapshotFor`, both providers.
 */
export function loadedResults(results: EvalResult[], invalid: readonly InvalidFlag[] = [], evaluatedAt: string, keep?: ReadonlySet<string>): EvalResult[] {
  return results.concat(invalid.flatMap(({ key }): EvalResult[] => (keep?.has(key) ? [] : [{ key, enabled: false, variant: '', value: undefined, reason: 'ERROR', evaluatedAt, source: 'network', errorCode: 'PARSE_ERROR' }])));
}

/**
 * Results for initial values (`bootstrap`): a plain `{ key: value }` map (reason = `source`), or a
 * snapshot's {@link SnapshotJSON} (values, variants, reasons and times kept). Untrusted input: own
 * keys only, entries that are not JSON or not well-formed are skipped, values are copied and frozen.
 */
export function valueResults(values: Readonly<Record<string, unknown>> | SnapshotJSON, source: ValueSource, evaluatedAt: string): EvalResult[] {
  if (isSnapshotJSON(values)) return snapshotResults(values.flags, source, evaluatedAt);
  const results: EvalResult[] = [];
  for (const key of Object.keys(values)) {
    const value = frozenJson((values as Record<string, unknown>)[key]);
    if (value !== undefined) results.push(valueResult(key, value, source, evaluatedAt));
  }
  return results;
}

/** The result of one plain value: enabled, variant from the value, reason = `source`. */
export function valueResult(key: string, value: JsonValue, source: ValueSource, evaluatedAt: string): EvalResult {
  return { key, enabled: true, variant: variantOf(value), value, reason: source, evaluatedAt, source };
}

/** Whether `input` has the {@link SnapshotJSON} shape (marker and a `flags` object). */
export function isSnapshotJSON(input: unknown): input is SnapshotJSON {
  return isJsonObject(input) && ownValue(input, '$flagstream') === 1 && isJsonObject(ownValue(input, 'flags'));
}

/** The variant text of a value: the string itself, else its JSON text (`"true"`, `"25"`, `{"a":1}`). */
export function variantOf(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function snapshotResults(flags: Record<string, unknown>, source: ValueSource, evaluatedAt: string): EvalResult[] {
  const results: EvalResult[] = [];
  for (const key of Object.keys(flags)) {
    const entry = flags[key];
    if (!isJsonObject(entry)) continue;
    // Own fields only: read from a copy without a prototype.
    const { enabled, variant, value: raw, reason, evaluatedAt: at, errorCode, details } = Object.assign(Object.create(null), entry) as Record<string, unknown>;
    const value = frozenJson(raw);
    if (typeof enabled !== 'boolean' || typeof variant !== 'string' || typeof reason !== 'string' || (raw !== undefined && value === undefined)) continue;
    const result: EvalResult = { key, enabled, variant, value, reason, evaluatedAt: typeof at === 'string' ? at : evaluatedAt, source };
    if (typeof errorCode === 'string') result.errorCode = errorCode;
    const held = frozenJson(details);
    if (isJsonObject(held)) result.details = held;
    results.push(result);
  }
  return results;
}
