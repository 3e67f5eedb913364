import type { EvalResult, FlagChange, JsonValue } from '../../types.js';
import { heldDetails, interner, isJsonObject, ofType, sameJson, sealResult, type Intern } from './json-values.js';

/**
 * What `JSON.stringify(snapshot)` writes: every flag with its value, variant, reason and time, so a
 * client given it as `bootstrap` (server-side rendering, preloading) reads exactly what this one did.
 */
export interface SnapshotJSON {
  /** Marks the shape and its version (tells it apart from a plain `{ key: value }` map). */
  $flagstream: 1;
  /** Flag key → result, without the key and the source. */
  flags: Record<string, SnapshotJSONFlag>;
  /**
   * A server render's snapshot (`renderedSnapshot`): a one-way fingerprint of the context the
   * flags were evaluated for, never the context itself. `withRenderedSnapshot` starts a client from
   * the snapshot only when its own context has the same one; a plain `bootstrap` does not check it.
   */
  contextFingerprint?: string;
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
 *
 * Storage: a key → position index, shared by every later snapshot with the same keys in the same
 * order, and an array of results per snapshot (the key order is the array's). A change of values is
 * then a copy of that array, not a rebuild of the index. Nothing else is kept per flag: equal texts
 * (reasons, variants, times) are stored once per load, results carry no wrappers or closures.
 */
export class FlagSnapshot {
  /** The empty snapshot. */
  static readonly empty = new FlagSnapshot(new Map(), []);

  private constructor(
    private readonly index: ReadonlyMap<string, number>,
    private readonly entries: readonly EvalResult[],
  ) {}

  /** Builds a snapshot from results (a later duplicate key wins; results are copied and frozen). */
  static from(results: Iterable<EvalResult>): FlagSnapshot {
    return FlagSnapshot.next(FlagSnapshot.empty, results).snapshot;
  }

  /**
   * The snapshot after `previous` when a load returned `results`, and its changes, in one pass: an
   * entry equal to the previous one (source included, evaluation time not) keeps the previous frozen
   * object, so only changed entries are copied and later comparisons are reference checks; `previous`
   * itself comes back when nothing differs. Keys in `keep` that `results` lacks keep their previous
   * entry (the payload's entry for them was invalid), marked held: reason `stale`, a change of its own
   * the first time only.
   */
  static next(previous: FlagSnapshot, results: Iterable<EvalResult>, keep?: ReadonlySet<string>): SnapshotUpdate {
    const list = Array.isArray(results) ? (results as readonly EvalResult[]) : [...results];
    return sameKeys(previous, list, keep) ?? rebuilt(previous, list, keep);
  }

  /** Number of flags. */
  get size(): number {
    return this.entries.length;
  }

  /** The result for `key`, or `undefined`. */
  get(key: string): EvalResult | undefined {
    const at = this.index.get(key);
    return at === undefined ? undefined : this.entries[at];
  }

  /** Whether the snapshot holds a result for `key`. */
  has(key: string): boolean {
    return this.index.has(key);
  }

  /** Flag keys, in server order. */
  keys(): string[] {
    return this.entries.map((result) => result.key);
  }

  /** All results, in server order. */
  values(): EvalResult[] {
    return this.entries.slice();
  }

  /** Boolean value of `key`, else `def`. */
  bool(key: string, def = false): boolean {
    return ofType(this.get(key)?.value, 'boolean', def);
  }

  /** String value of `key`, else `def`. */
  string(key: string, def: string): string {
    return ofType(this.get(key)?.value, 'string', def);
  }

  /** Number value of `key`, else `def`. */
  number(key: string, def: number): number {
    return ofType(this.get(key)?.value, 'number', def);
  }

  /** Any JSON value of `key` (objects, arrays, scalars), else `def`. */
  json<T = JsonValue>(key: string, def: T): T {
    const value = this.get(key)?.value;
    return value === undefined ? def : (value as T);
  }

  /** `{ key: value }` for every flag that has a value. */
  toValues(): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = Object.create(null);
    for (const result of this.entries) if (result.value !== undefined) out[result.key] = result.value;
    return out;
  }

  /** The {@link SnapshotJSON} form: what `JSON.stringify` writes and `bootstrap` accepts. */
  toJSON(): SnapshotJSON {
    const flags: Record<string, SnapshotJSONFlag> = Object.create(null);
    // Field by field: a result handed in frozen is held as it is, with whatever else it carries.
    for (const { key, enabled, variant, value, reason, evaluatedAt, errorCode, details } of this.entries) {
      const flag: SnapshotJSONFlag = { enabled, variant, reason, evaluatedAt };
      if (value !== undefined) flag.value = value;
      if (errorCode !== undefined) flag.errorCode = errorCode;
      if (isJsonObject(details)) flag.details = details;
      flags[key] = flag;
    }
    return { $flagstream: 1, flags };
  }
}

/** {@link FlagSnapshot.next} as a function: the snapshot after `previous` given a load's `results`. */
export function nextSnapshot(previous: FlagSnapshot, results: Iterable<EvalResult>, keep?: ReadonlySet<string>): SnapshotUpdate {
  return FlagSnapshot.next(previous, results, keep);
}

/** Whether two results say the same thing (the evaluation time and the source do not count; nor do empty details). */
export function sameResult(a: EvalResult | undefined, b: EvalResult | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return (
    a.enabled === b.enabled &&
    a.variant === b.variant &&
    a.reason === b.reason &&
    a.errorCode === b.errorCode &&
    sameJson(a.value, b.value) &&
    (a.details === b.details || sameJson(heldDetails(a.details), heldDetails(b.details)))
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

/**
 * The entry to hold for `incoming` given the previous entry of its key: that entry when nothing
 * differs, else a sealed copy that keeps the previous value and details where they are equal (a
 * change in `changes` unless only the source differs).
 */
function settle(old: EvalResult | undefined, incoming: EvalResult, intern: Intern, changes: FlagChange[]): EvalResult {
  if (old !== undefined && (old === incoming || (old.source === incoming.source && sameResult(old, incoming)))) return old;
  const entry = sealResult(incoming, intern, old);
  if (!sameResult(old, entry)) changes.push({ key: entry.key, previous: old, current: entry });
  return entry;
}

/**
 * What a key in `keep` holds in place of its rejected entry: its previous result, value and all,
 * with the reason `stale` (this load did not confirm it); that result itself once it says so.
 */
function held(old: EvalResult): EvalResult {
  return old.reason === 'stale' ? old : { ...old, reason: 'stale' };
}

/** A snapshot of `entries` keyed by `index` (the constructor is private to the class's users, not to this module). */
function build(index: ReadonlyMap<string, number>, entries: readonly EvalResult[]): FlagSnapshot {
  return new (FlagSnapshot as unknown as new (index: ReadonlyMap<string, number>, entries: readonly EvalResult[]) => FlagSnapshot)(index, entries);
}

/**
 * The fast path: `results` lists the previous keys in the same order (keys in `keep` may be left
 * out). Shares the index and order, copies the entry array once, and only if an entry differs.
 * `undefined` when the keys differ.
 */
function sameKeys(previous: FlagSnapshot, results: readonly EvalResult[], keep: ReadonlySet<string> | undefined): SnapshotUpdate | undefined {
  const before = previous['entries'];
  if (results.length > before.length || (keep === undefined && results.length !== before.length)) return undefined;
  let entries: EvalResult[] | undefined;
  let intern: Intern | undefined;
  const changes: FlagChange[] = [];
  let i = 0;
  for (let at = 0; at < before.length; at += 1) {
    const old = before[at]!;
    const key = old.key;
    let incoming = results[i];
    if (incoming?.key === key) i += 1;
    else if (keep?.has(key)) incoming = held(old);
    else return undefined;
    const entry = settle(old, incoming, (intern ??= interner()), changes);
    if (entry !== old) (entries ??= before.slice())[at] = entry;
  }
  if (i !== results.length) return undefined;
  return { snapshot: entries ? build(previous['index'], entries) : previous, changes };
}

/**
 * The general path: new keys, removals or another order. A later duplicate key replaces the
 * earlier one's entry in its place; kept keys (`keep`) missing from `results` come last.
 */
function rebuilt(previous: FlagSnapshot, results: readonly EvalResult[], keep: ReadonlySet<string> | undefined): SnapshotUpdate {
  const latest = new Map<string, EvalResult>();
  for (const incoming of results) latest.set(incoming.key, incoming);
  for (const key of keep ?? []) {
    const old = previous.get(key);
    if (old !== undefined && !latest.has(key)) latest.set(key, held(old));
  }
  const index = new Map<string, number>();
  const entries: EvalResult[] = [];
  const changes: FlagChange[] = [];
  const intern = interner();
  for (const [key, incoming] of latest) {
    index.set(key, entries.push(settle(previous.get(key), incoming, intern, changes)) - 1);
  }
  for (const old of previous['entries']) if (!index.has(old.key)) changes.push({ key: old.key, previous: old, current: undefined });
  return { snapshot: build(index, entries), changes };
}
