import type { EvalResult, FlagChange, JsonValue } from '../types.js';

/**
 * An immutable set of evaluated flags. Typed getters never throw: they return the default when the
 * key is missing, has no value, or holds a value of another type.
 */
export class FlagSnapshot {
  /** The empty snapshot. */
  static readonly empty = new FlagSnapshot(new Map());

  private constructor(private readonly results: ReadonlyMap<string, EvalResult>) {}

  /** Builds a snapshot from results (a later duplicate key wins; results are frozen). */
  static from(results: Iterable<EvalResult>): FlagSnapshot {
    const map = new Map<string, EvalResult>();
    for (const result of results) map.set(result.key, Object.freeze(result));
    return new FlagSnapshot(map);
  }

  /** Number of flags. */
  get size(): number {
    return this.results.size;
  }

  /** The result for `key`, or `undefined`. */
  get(key: string): EvalResult | undefined {
    return this.results.get(key);
  }

  has(key: string): boolean {
    return this.results.has(key);
  }

  /** Flag keys, in server order. */
  keys(): string[] {
    return [...this.results.keys()];
  }

  /** All results, in server order. */
  values(): EvalResult[] {
    return [...this.results.values()];
  }

  /** Boolean value of `key`, else `def`. */
  bool(key: string, def = false): boolean {
    const value = this.results.get(key)?.value;
    return typeof value === 'boolean' ? value : def;
  }

  /** String value of `key`, else `def`. */
  string(key: string, def: string): string {
    const value = this.results.get(key)?.value;
    return typeof value === 'string' ? value : def;
  }

  /** Number value of `key`, else `def`. */
  number(key: string, def: number): number {
    const value = this.results.get(key)?.value;
    return typeof value === 'number' ? value : def;
  }

  /** Any JSON value of `key` (objects, arrays, scalars), else `def`. */
  json<T = JsonValue>(key: string, def: T): T {
    const value = this.results.get(key)?.value;
    return value === undefined ? def : (value as T);
  }

  /** `{ key: value }` for every flag that has a value; what `JSON.stringify` writes. */
  toJSON(): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = Object.create(null);
    for (const [key, result] of this.results) if (result.value !== undefined) out[key] = result.value;
    return out;
  }
}

/** Whether two results say the same thing (the evaluation time and the source do not count). */
export function sameResult(a: EvalResult | undefined, b: EvalResult | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return (
    a.enabled === b.enabled &&
    a.variant === b.variant &&
    a.reason === b.reason &&
    a.errorCode === b.errorCode &&
    sameJson(a.value, b.value) &&
    sameJson(a.details, b.details)
  );
}

/** Keys whose results differ between two snapshots, in the order of `next` then removals. */
export function diffSnapshots(previous: FlagSnapshot, next: FlagSnapshot): FlagChange[] {
  const changes: FlagChange[] = [];
  for (const current of next.values()) {
    const before = previous.get(current.key);
    if (!sameResult(before, current)) changes.push({ key: current.key, previous: before, current });
  }
  for (const before of previous.values()) {
    if (!next.has(before.key)) changes.push({ key: before.key, previous: before, current: undefined });
  }
  return changes;
}

/** Structural equality of JSON-like values. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  for (const key of aKeys) {
    if (!Object.prototype.hasOwnProperty.call(b, key)) return false;
    if (!sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}
