import type { EvalResult, JsonValue } from '../../types.js';

/**
 * Immutable JSON values and own-property lookups. Whatever enters a snapshot (results, values,
 * details, defaults) is copied once and frozen here, so no reader can change what another reader
 * sees, and no key can reach `Object.prototype`.
 */

const hasOwn = Object.prototype.hasOwnProperty;
/** Top-level JSON values this module produced: sealing them again is free. */
const sealed = new WeakSet<object>();
/** The one frozen empty object and array every empty value shares (no copy per flag of `{}` details). */
const EMPTY_OBJECT = Object.freeze({}) as JsonValue & object;
const EMPTY_ARRAY = Object.freeze([]) as unknown as JsonValue & object;
sealed.add(EMPTY_OBJECT).add(EMPTY_ARRAY);
/** The (never written) ancestors of a scalar. */
const NO_ANCESTORS: object[] = [];

/** `record[key]` when `key` is the record's own property, else `undefined` (`constructor`, `__proto__` … included). */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return hasOwn.call(record, key) ? record[key] : undefined;
}

/**
 * A frozen deep copy of a JSON value, or `undefined` when `value` is not JSON: `undefined`,
 * functions, symbols, bigints, non-finite numbers, class instances (Date, Map…), cycles. A value
 * this function returned before is returned as is.
 */
export function frozenJson(value: unknown): JsonValue | undefined {
  if (typeof value !== 'object' || value === null) return copyJson(value, NO_ANCESTORS);
  if (sealed.has(value)) return value as JsonValue;
  if (isEmpty(value)) return Array.isArray(value) ? EMPTY_ARRAY : isPlainObject(value) ? EMPTY_OBJECT : undefined;
  const copy = copyJson(value, []);
  if (typeof copy === 'object' && copy !== null) sealed.add(copy);
  return copy;
}

/**
 * A frozen copy of `record` with a null prototype, keeping only own keys whose values are JSON
 * (frozen copies); lookups on it never reach `Object.prototype`.
 */
export function ownRecord(record: Readonly<Record<string, unknown>> | undefined): Readonly<Record<string, JsonValue>> {
  const out: Record<string, JsonValue> = Object.create(null);
  if (record) {
    for (const key of Object.keys(record)) {
      const value = frozenJson(record[key]);
      if (value !== undefined) out[key] = value;
    }
  }
  return Object.freeze(out);
}

/**
 * The frozen form of a result, as snapshots hold it: a copy with a frozen value and details (a value
 * that is not JSON becomes "no value"; details that are not a JSON object, or are empty, are dropped). A frozen
 * result whose value and details are already sealed (one this function returned) is returned as is:
 * no registry entry per result, which would cost more memory than the result itself.
 */
export function sealResult(result: EvalResult): EvalResult {
  if (Object.isFrozen(result) && frozenJson(result.value) === result.value && (result.details === undefined || sealed.has(result.details))) return result;
  const { key, enabled, variant, reason, evaluatedAt, source } = result;
  const value = frozenJson(result.value);
  const details = sharedDetails(result.details);
  // Literals of fixed shape (not a spread of the input), with or without details: each allocates
  // exactly its fields, and results share two hidden classes.
  const copy: EvalResult = details ? { key, enabled, variant, value, reason, evaluatedAt, source, details } : { key, enabled, variant, value, reason, evaluatedAt, source };
  if (result.errorCode !== undefined) copy.errorCode = result.errorCode;
  return Object.freeze(copy);
}

/** Frozen small details by their JSON text, shared by every result that has the same ones. */
const detailsByText = new Map<string, Record<string, JsonValue>>();
/** Details longer than this (JSON text) are not shared; at most this many are kept. */
const SHARED_DETAILS_TEXT = 128;
const SHARED_DETAILS_COUNT = 512;

/**
 * Frozen details, or `undefined` when they are not a JSON object or are empty (they say nothing).
 * Small ones are shared: Cuttlegate's `{ type: 'bool' }` is one object, not one per flag.
 */
function sharedDetails(input: unknown): Record<string, JsonValue> | undefined {
  const details = frozenJson(input);
  if (!isJsonObject(details) || details === EMPTY_OBJECT) return undefined;
  const text = JSON.stringify(details);
  if (text.length > SHARED_DETAILS_TEXT) return details;
  if (!detailsByText.has(text) && detailsByText.size < SHARED_DETAILS_COUNT) detailsByText.set(text, details);
  return detailsByText.get(text) ?? details;
}

/** Structural equality of JSON values; bails at the first difference. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const array = Array.isArray(a);
  if (array !== Array.isArray(b)) return false;
  if (array) {
    const left = a as unknown[];
    const right = b as unknown[];
    if (left.length !== right.length) return false;
    for (let i = 0; i < left.length; i += 1) if (!sameJson(left[i], right[i])) return false;
    return true;
  }
  // for…in rather than Object.keys: no key arrays are allocated on this hot path of every load.
  let count = 0;
  for (const key in a) {
    if (!hasOwn.call(a, key)) continue;
    if (!hasOwn.call(b, key)) return false;
    if (!sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
    count += 1;
  }
  for (const key in b) if (hasOwn.call(b, key)) count -= 1;
  return count === 0;
}

/** Whether `value` is a (non-array) JSON object. */
export function isJsonObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A frozen copy of `value`, or `undefined` if it is not JSON; `ancestors` catches cycles. */
function copyJson(value: unknown, ancestors: object[]): JsonValue | undefined {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
    return typeof value === 'boolean' || typeof value === 'string' || value === null ? value : undefined;
  }
  if (ancestors.includes(value)) return undefined;
  const array = Array.isArray(value);
  if (!array && !isPlainObject(value)) return undefined;
  ancestors.push(value);
  const copy: Record<string, JsonValue> = array ? ([] as unknown as Record<string, JsonValue>) : {};
  for (const key of Object.keys(value)) {
    const item = copyJson((value as Record<string, unknown>)[key], ancestors);
    if (item === undefined) return undefined;
    // An own "__proto__" key (as JSON.parse makes) stays data, never a prototype switch.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  ancestors.pop();
  return Object.freeze(copy) as JsonValue;
}

/** Whether an object or array has no own enumerable keys (without allocating a key list). */
function isEmpty(value: object): boolean {
  for (const key in value) if (hasOwn.call(value, key)) return false;
  return true;
}

/** A plain object: its prototype is a realm's `Object.prototype`, or none. */
function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}
