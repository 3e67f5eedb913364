import { isRecord } from '../../transports/values.js';
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

/** `record[key]` when `key` is the record's own property, else `undefined` (`constructor`, `__proto__` … included). */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return hasOwn.call(record, key) ? record[key] : undefined;
}

/**
 * A frozen deep copy of a JSON value, or `undefined` when `value` is not JSON: `undefined`,
 * functions, symbols, bigints, non-finite numbers, class instances (Date, Map…), cycles (an array's
 * holes become `null`, as `JSON.stringify` writes them). A value this function returned before is
 * returned as is.
 */
export function frozenJson(value: unknown): JsonValue | undefined {
  if (typeof value !== 'object' || value === null) return isJsonScalar(value) ? (value as JsonValue) : undefined;
  if (sealed.has(value)) return value as JsonValue;
  if (isEmpty(value)) return Array.isArray(value) ? EMPTY_ARRAY : isPlainObject(value) ? EMPTY_OBJECT : undefined;
  let copy: JsonValue;
  try {
    // Copied through its JSON text: the parser sizes every object and array to its members, where a
    // copy grown key by key keeps spare slots (a fifth more memory per value). `stringify` throws on
    // a cycle or a bigint, so the walk below never loops.
    copy = JSON.parse(JSON.stringify(value)) as JsonValue;
  } catch {
    return undefined;
  }
  if (!sealTree(value, copy)) return undefined;
  sealed.add(copy as object);
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

/** Returns one shared copy of equal strings (see {@link interner}). */
export type Intern = (text: string) => string;

/**
 * An intern table for one build: equal strings (reasons, variants, times, string values) decoded
 * separately come back as one string, so a snapshot holds each text once, not once per flag.
 */
export function interner(): Intern {
  const table = new Map<string, string>();
  return (text) => {
    const known = table.get(text);
    if (known !== undefined) return known;
    table.set(text, text);
    return text;
  };
}

const keepText: Intern = (text) => text;

/**
 * The frozen form of a result, as snapshots hold it: a copy with a frozen value and details (a value
 * that is not JSON becomes "no value"; details that are not a JSON object, or are empty, are
 * dropped). Its texts go through `intern`; a value or details equal to `previous`'s (the key's entry
 * so far) are taken from it, neither copied nor frozen again. A frozen result whose value and details
 * are already sealed (one this function returned) is returned as is: no registry entry per result,
 * which would cost more memory than the result itself.
 */
export function sealResult(result: EvalResult, intern: Intern = keepText, previous?: EvalResult): EvalResult {
  const value = previous !== undefined && sameJson(previous.value, result.value) ? previous.value : frozenJson(result.value);
  if (Object.isFrozen(result) && value === result.value && (result.details === undefined || sealed.has(result.details))) return result;
  const details = previous !== undefined && sameJson(previous.details, result.details) ? previous.details : sharedDetails(result.details);
  const { key, enabled, source } = result;
  const variant = intern(result.variant);
  const reason = intern(result.reason);
  const evaluatedAt = intern(result.evaluatedAt);
  const held = typeof value === 'string' ? intern(value) : value;
  // Literals of fixed shape (not a spread of the input), with or without details: each allocates
  // exactly its fields, and results share two hidden classes.
  const copy: EvalResult = details
    ? { key, enabled, variant, value: held, reason, evaluatedAt, source, details }
    : { key, enabled, variant, value: held, reason, evaluatedAt, source };
  if (result.errorCode !== undefined) copy.errorCode = intern(result.errorCode);
  return Object.freeze(copy);
}

/** Frozen small details by their JSON text, shared by every result that has the same ones. */
const detailsByText = new Map<string, Record<string, JsonValue>>();
/** Details longer than this (JSON text) are not shared; at most this many are kept. */
const SHARED_DETAILS_TEXT = 128;
const SHARED_DETAILS_COUNT = 512;

/**
 * Frozen details, or `undefined` when they are not a JSON object or are empty (they say nothing).
 * Sealed ones (a transport's shared details per flag type) are kept as they are; small others are
 * shared by their text, so equal details are one object, not one per flag.
 */
function sharedDetails(input: unknown): Record<string, JsonValue> | undefined {
  const details = frozenJson(input);
  if (!isJsonObject(details) || details === EMPTY_OBJECT) return undefined;
  if (details === input) return details;
  const text = JSON.stringify(details);
  if (text.length > SHARED_DETAILS_TEXT) return details;
  if (!detailsByText.has(text) && detailsByText.size < SHARED_DETAILS_COUNT) detailsByText.set(text, details);
  return detailsByText.get(text) ?? details;
}

/**
 * Structural equality of JSON values; bails at the first difference. Members that are the same
 * reference (shared scalars, reused frozen parts) are not descended into. Dates (as a client's copy
 * of a context holds them) are equal when their times are.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && sameTree(a, b));
}

/** {@link sameJson} of two non-null objects: members are compared by reference first, descended into only when they differ. */
function sameTree(a: object, b: object): boolean {
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return false;
    const length = a.length;
    if (length !== b.length) return false;
    for (let i = 0; i < length; i += 1) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  // for…in (no key arrays allocated on this path of every load), over `b` first: a fresh value is read
  // through its own key cache, the frozen `a` by key.
  let count = 0;
  for (const key in b) {
    if (!hasOwn.call(b, key)) continue;
    const x = (a as Record<string, unknown>)[key];
    if (!sameJson(x, (b as Record<string, unknown>)[key]) || (x === undefined && !hasOwn.call(a, key))) return false;
    count += 1;
  }
  // `b` has no keys: a date (no own keys to compare) is equal to a date of the same time only.
  if (count === 0 && (a instanceof Date || b instanceof Date)) return +a === +b;
  for (const key in a) if (hasOwn.call(a, key)) count -= 1;
  return count === 0;
}

/**
 * Details as a snapshot holds them, for comparing: a non-empty object, else `undefined` (empty or
 * non-object details say nothing and are dropped when a result is sealed).
 */
export function heldDetails(details: unknown): unknown {
  return isJsonObject(details) && !isEmpty(details) ? details : undefined;
}

/** `value` when it is of `type` (`typeof`), else `def`: the one typed read of values and defaults. */
export function ofType<T>(value: unknown, type: 'boolean' | 'string' | 'number', def: T): T {
  return typeof value === type ? (value as T) : def;
}

/** Whether `value` is a (non-array) JSON object: the transports' `isRecord`, typed for JSON values. */
export const isJsonObject = isRecord as (value: unknown) => value is Record<string, JsonValue>;

/** A JSON scalar: a boolean, a string, a finite number or `null`. */
function isJsonScalar(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  return typeof value === 'boolean' || typeof value === 'string' || value === null;
}

/**
 * Whether `value` is JSON throughout (plain objects and arrays of JSON; `value` has no cycles), in
 * one walk that freezes its parsed `copy` along the way (the same tree when it is JSON).
 */
function sealTree(value: unknown, copy: JsonValue): boolean {
  if (typeof value !== 'object' || value === null) return isJsonScalar(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) if (hasOwn.call(value, i) && !sealTree(value[i], (copy as JsonValue[])[i]!)) return false;
  } else {
    if (!isPlainObject(value)) return false;
    for (const key of Object.keys(value)) if (!sealTree((value as Record<string, unknown>)[key], (copy as Record<string, JsonValue>)[key]!)) return false;
  }
  Object.freeze(copy);
  return true;
}

/** Whether an object or array has no own enumerable keys (without allocating a key list). */
function isEmpty(value: object): boolean {
  for (const key in value) if (hasOwn.call(value, key)) return false;
  return true;
}

/** A plain object: its prototype is a realm's `Object.prototype`, or none. */
export function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}
