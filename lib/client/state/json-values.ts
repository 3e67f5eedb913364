import type { EvalResult, JsonValue } from '../../types.js';

/**
 * Immutable JSON values and own-property lookups. Whatever enters a snapshot (results, values,
 * details, defaults) is copied once and frozen here, so no reader can change what another reader
 * sees, and no key can reach `Object.prototype`.
 */

const hasOwn = Object.prototype.hasOwnProperty;
/** Top-level object values this module produced: freezing them again is free. */
const sealed = new WeakSet<object>();
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
 * that is not JSON becomes "no value"; details that are not a JSON object are dropped). Its texts go
 * through `intern`. Results are not marked: sealing a sealed result copies its shell (its value and
 * details, already frozen, are kept as they are).
 */
export function sealResult(result: EvalResult, intern: Intern = keepText): EvalResult {
  const value = frozenJson(result.value);
  // A literal of fixed shape (not a spread of the input): every sealed result shares one hidden class.
  const copy: EvalResult = {
    key: result.key,
    enabled: result.enabled,
    variant: intern(result.variant),
    value: typeof value === 'string' ? intern(value) : value,
    reason: intern(result.reason),
    evaluatedAt: intern(result.evaluatedAt),
    source: result.source,
  };
  if (result.errorCode !== undefined) copy.errorCode = intern(result.errorCode);
  const details = frozenJson(result.details);
  if (isJsonObject(details)) copy.details = details;
  return Object.freeze(copy);
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
  // An array of its final length: growing one from `[]` would keep spare capacity in every copy.
  const copy: Record<string, JsonValue> = array ? (new Array((value as unknown[]).length) as unknown as Record<string, JsonValue>) : {};
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

/** A plain object: its prototype is a realm's `Object.prototype`, or none. */
function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}
