import type { EvalResult, FlagChange, JsonValue } from '../types.js';
import { isJsonObject, sameJson, sealResult } from './json-values.js';

export { sameJson } from './json-values.js';

/**
 * What `JSON.stringify(snapshot)` writes: every flag with its value, variant, reason and time, so a
 * client given it as `bootstrap` (server-side rendering, preloading) reads exactly what this one did.
 */
export interface SnapshotJSON {
  /** Marks the shape and its version (tells it apart from a plain `{ key: value }` map). */
  $flagstream: 1;
  /** Flag key → result, without the key and the source. */
  flags: Record<string, SnapshotJSONFlag>;
}

/** One flag of a {@link SnapshotJSON}. */
export interface SnapshotJSONFlag {
  enabled: boolean;
  variant: string;
  /** Absent: no value (the caller's default applies). */
  value?: JsonValue;
  reason: string;
  evaluatedAt: string;
  errorCode?: string;
  details?: Record<string, JsonValue>;
}

/** A new snapshot and what changed to get there. */
export interface SnapshotUpdate {
  snapshot: FlagSnapshot;
  /** One entry per changed key: `next`'s order, then removals. */
  changes: FlagChange[];
}

/**
 * An immutable set of evaluated flags: results, their values and details are frozen (copied once
 * when they enter). Typed getters never throw: they return the default when the key is missing, has
 * no value, or holds a value of another type. Lookups are by own key only.
 */
export class FlagSnapshot {
  /** The empty snapshot. */
  static readonly empty = new FlagSnapshot(new Map());

  private constructor(private readonly results: ReadonlyMap<string, EvalResult>) {}

  /** Builds a snapshot from results (a later duplicate key wins; results are copied and frozen). */
  static from(results: Iterable<EvalResult>): FlagSnapshot {
    return FlagSnapshot.next(FlagSnapshot.empty, results).snapshot;
  }

  /**
   * The snapshot after `previous` when a load returned `results`, and its changes, in one pass: an
   * entry equal to the previous one (source included, evaluation time not) keeps the previous frozen
   * object, so only changed entries are copied and later comparisons are reference checks; `previous`
   * itself comes back when nothing differs. Keys in `keep` keep their previous entry whatever
   * `results` says (the payload's entry for them was invalid).
   */
  static next(previous: FlagSnapshot, results: Iterable<EvalResult>, keep?: ReadonlySet<string>): SnapshotUpdate {
    const before = previous.results;
    const map = new Map<string, EvalResult>();
    const changes: FlagChange[] = [];
    let added = 0;
    let reusedAll = true;
    let duplicate = false;
    for (const incoming of results) {
      const key = incoming.key;
      const old = before.get(key);
      let entry: EvalResult;
      if (old === undefined) {
        entry = sealResult(incoming);
        added += 1;
        changes.push({ key, previous: undefined, current: entry });
      } else if (old === incoming || (keep !== undefined && keep.has(key))) {
        entry = old;
      } else if (sameResult(old, incoming)) {
        entry = old.source === incoming.source ? old : sealResult(incoming);
      } else {
        entry = sealResult(incoming);
        changes.push({ key, previous: old, current: entry });
      }
      if (entry !== old) reusedAll = false;
      const size = map.size;
      map.set(key, entry);
      if (map.size === size) duplicate = true;
    }
    if (keep !== undefined) {
      for (const key of keep) {
        const old = before.get(key);
        if (old !== undefined && !map.has(key)) map.set(key, old);
      }
    }
    const next = new FlagSnapshot(map);
    if (duplicate) return { snapshot: next, changes: diffSnapshots(previous, next) };
    if (map.size !== before.size || added > 0) {
      for (const [key, old] of before) if (!map.has(key)) changes.push({ key, previous: old, current: undefined });
    } else if (reusedAll && sameOrder(before, map)) {
      return { snapshot: previous, changes };
    }
    return { snapshot: next, changes };
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

  /** `{ key: value }` for every flag that has a value. */
  toValues(): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = Object.create(null);
    for (const [key, result] of this.results) if (result.value !== undefined) out[key] = result.value;
    return out;
  }

  /** The {@link SnapshotJSON} form: what `JSON.stringify` writes and `bootstrap` accepts. */
  toJSON(): SnapshotJSON {
    const flags: Record<string, SnapshotJSONFlag> = Object.create(null);
    for (const [key, result] of this.results) {
      const flag: SnapshotJSONFlag = { enabled: result.enabled, variant: result.variant, reason: result.reason, evaluatedAt: result.evaluatedAt };
      if (result.value !== undefined) flag.value = result.value;
      if (result.errorCode !== undefined) flag.errorCode = result.errorCode;
      if (isJsonObject(result.details)) flag.details = result.details;
      flags[key] = flag;
    }
    return { $flagstream: 1, flags };
  }
}

/** {@link FlagSnapshot.next} as a function: the snapshot after `previous` given a load's `results`. */
export function nextSnapshot(previous: FlagSnapshot, results: Iterable<EvalResult>, keep?: ReadonlySet<string>): SnapshotUpdate {
  return FlagSnapshot.next(previous, results, keep);
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
  if (previous === next) return changes;
  for (const current of next.values()) {
    const before = previous.get(current.key);
    if (!sameResult(before, current)) changes.push({ key: current.key, previous: before, current });
  }
  for (const before of previous.values()) {
    if (!next.has(before.key)) changes.push({ key: before.key, previous: before, current: undefined });
  }
  return changes;
}

/** Whether two maps with the same keys list them in the same order. */
function sameOrder(a: ReadonlyMap<string, unknown>, b: ReadonlyMap<string, unknown>): boolean {
  const other = b.keys();
  for (const key of a.keys()) if (other.next().value !== key) return false;
  return true;
}
