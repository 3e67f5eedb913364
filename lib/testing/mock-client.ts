import { BehaviorSubject, EMPTY, Observable, Subject, asyncScheduler, defer, type SchedulerLike } from 'rxjs';
import type { FlagClient } from '../client/client.js';
import type { AnyFlagKey, FlagValueOf, IsUntyped, UntypedFlags } from '../client/flag-keys.js';
import { KeyedFanout } from '../client/state/fanout.js';
import { ownContext } from '../client/own-context.js';
import { ownValue } from '../client/state/json-values.js';
import { missingResult } from '../client/state/results.js';
import { FlagSnapshot } from '../client/state/snapshot.js';
import { StatusTracker } from '../client/engine/status.js';
import { trackedEvent } from '../client/features/tracked-event.js';
import { FlagViews } from '../client/state/typed-values.js';
import { ClosedError, FlagNotFoundError } from '../errors.js';
import type {
  ClientEvent,
  ClientStatus,
  EvalContext,
  EvalResult,
  FlagChange,
  JsonValue,
  ReadyResult,
  TrackEvent,
  TrackedEvent,
} from '../types.js';
import { EvaluationLog } from './evaluation-log.js';
import { toResult, type FlagInput } from './inputs.js';

/**
 * What a test gives the mock for flag `K`: with a flags interface, a value of the declared type or a
 * full result; without one, any {@link FlagInput}.
 */
export type MockFlagInput<F, K> = IsUntyped<F> extends true ? FlagInput : FlagValueOf<F, K, JsonValue> | EvalResult<FlagValueOf<F, K, JsonValue>>;

/** Flags given to the mock at once: any keys, or with a flags interface some of its keys. */
export type MockFlags<F> = IsUntyped<F> extends true ? Record<string, FlagInput> : { [K in AnyFlagKey<F>]?: MockFlagInput<F, K> };

/** Options of {@link createMockClient}. */
export interface MockClientOptions<F extends object = UntypedFlags> {
  /** Initial flags: plain values (`{ 'dark-mode': true }`, reason `mock`) or full `EvalResult`s. */
  flags?: MockFlags<F>;
  /** Typed fallbacks, as on the real client; a missing key with one reads it with reason `mock_default`. */
  defaults?: Record<string, JsonValue>;
  /** The initial context (what `context` returns until `identify`). */
  context?: EvalContext;
  /** Clock for `evaluatedAt` and `status.since` (inject a `TestScheduler` for virtual time). */
  scheduler?: SchedulerLike;
}

/**
 * An in-memory {@link FlagClient} for unit tests: no network, always ready, every change applied
 * synchronously. Reads through getters, `evaluate`, `evaluateFor` and each `flag$` subscription
 * (so also the typed `$` observables and `values()`) are counted per key; reads of a snapshot
 * obtained from `all()`/`snapshot` are not.
 */
export interface MockFlagClient<F extends object = UntypedFlags> extends FlagClient<F> {
  /** Sets one flag; subscribers see it as a real change (only when the result differs). */
  set<K extends AnyFlagKey<F>>(key: K, value: MockFlagInput<F, K>): void;
  /** Sets many flags at once: one snapshot, one `flags$` emission. */
  set(flags: MockFlags<F>): void;
  /** Removes a flag; its subscribers receive the missing-key result. */
  remove(key: AnyFlagKey<F>): void;
  /** Changes the reported status (e.g. `{ state: 'stale', circuit: 'open' }`) to test status-driven UI. */
  setStatus(patch: Partial<Omit<ClientStatus, 'since'>>): void;
  /** The context of the last `identify` (or the initial one). */
  readonly context: EvalContext;
  /** Throws unless `key` was evaluated (exactly `times` times, when given); the message lists what was. */
  assertEvaluated(key: AnyFlagKey<F>, times?: number): void;
  /** Throws if `key` was evaluated; the message lists what was. */
  assertNotEvaluated(key: AnyFlagKey<F>): void;
  /** `{ key: count }` of every evaluated key, in first-evaluation order. */
  evaluations(): Record<string, number>;
  /** Events passed to `track()`, validated and completed as the real client would send them. */
  tracked(): TrackedEvent[];
  /** Forgets the recorded evaluations and tracked events (flags and status stay as they are). */
  reset(): void;
}

/**
 * Creates an in-memory flag client with assertion helpers; see {@link MockFlagClient}. `F`, a flags
 * interface, types its keys and values as on `createFlagClient<F>`.
 */
export function createMockClient<F extends object = UntypedFlags>(options: MockClientOptions<F> = {}): MockFlagClient<F> {
  // F is a compile-time view of the same mock: nothing at run time depends on it.
  return new MockClient(options as unknown as MockClientOptions) as unknown as MockFlagClient<F>;
}

/** Reason of a missing key read through a configured default. */
const MOCK_DEFAULT_REASON = 'mock_default';

class MockClient extends FlagViews implements MockFlagClient {
  #current: FlagSnapshot;
  #currentContext: EvalContext;
  #closed = false;
  readonly #scheduler: SchedulerLike;
  readonly #log = new EvaluationLog();
  readonly #trackedEvents: TrackedEvent[] = [];
  readonly #tracker: StatusTracker;
  readonly #snapshots: BehaviorSubject<FlagSnapshot>;
  readonly #changeSubject = new Subject<FlagChange>();
  readonly #eventSubject = new Subject<ClientEvent>();
  readonly #fanout = new KeyedFanout<EvalResult>((key) => this.#resultOf(key));

  readonly flags$: Observable<FlagSnapshot>;
  readonly changes$: Observable<FlagChange>;
  readonly status$: Observable<ClientStatus>;
  readonly events$: Observable<ClientEvent>;

  constructor(options: MockClientOptions) {
    super(options.defaults);
    this.#currentContext = ownContext(options.context) ?? {};
    this.#scheduler = options.scheduler ?? asyncScheduler;
    this.#current = FlagSnapshot.from(this.#toResults(options.flags ?? {}));
    this.#snapshots = new BehaviorSubject(this.#current);
    this.#tracker = new StatusTracker(this.#scheduler);
    this.#tracker.update({ state: 'ready', source: 'bootstrap' });
    this.flags$ = this.#snapshots.asObservable();
    this.changes$ = this.#changeSubject.asObservable();
    this.status$ = this.#tracker.status$;
    this.events$ = this.#eventSubject.asObservable();
  }

  // ── test controls ────────────────────────────────────────────────────────

  set(keyOrFlags: string | Record<string, FlagInput>, value?: FlagInput): void {
    const updates: Record<string, FlagInput> = typeof keyOrFlags === 'string' ? { [keyOrFlags]: value! } : keyOrFlags;
    // A key set again keeps its place; new keys follow, in the order given.
    const results = new Map(this.#current.values().map((result) => [result.key, result]));
    for (const result of this.#toResults(updates)) results.set(result.key, result);
    this.#replace([...results.values()]);
  }

  remove(key: string): void {
    this.#replace(this.#current.values().filter((result) => result.key !== key));
  }

  /**
   * A circuit change emits its `circuit-…` event, as the real client does; opening it also makes the
   * state `stale` unless the patch names a state.
   */
  setStatus(patch: Partial<Omit<ClientStatus, 'since'>>): void {
    const circuit = patch.circuit;
    const changed = circuit !== undefined && circuit !== this.#tracker.value.circuit;
    this.#tracker.update(changed && circuit === 'open' ? { state: 'stale', ...patch } : patch);
    if (changed) this.#emit({ type: `circuit-${circuit}`, at: this.#now() });
  }

  get context(): EvalContext {
    return this.#currentContext;
  }

  assertEvaluated(key: string, times?: number): void {
    this.#log.assertEvaluated(key, times);
  }

  assertNotEvaluated(key: string): void {
    this.#log.assertNotEvaluated(key);
  }

  evaluations(): Record<string, number> {
    return this.#log.entries();
  }

  tracked(): TrackedEvent[] {
    return [...this.#trackedEvents];
  }

  reset(): void {
    this.#log.clear();
    this.#trackedEvents.length = 0;
  }

  // ── reads ────────────────────────────────────────────────────────────────

  get snapshot(): FlagSnapshot {
    return this.#current;
  }

  get status(): ClientStatus {
    return this.#tracker.value;
  }

  all(): FlagSnapshot {
    return this.#current;
  }

  bool(key: string, def?: boolean): boolean {
    this.#log.record(key);
    return this.#current.bool(key, def ?? this.boolDefault(key));
  }

  string(key: string, def?: string): string {
    this.#log.record(key);
    return this.#current.string(key, def ?? this.stringDefault(key));
  }

  number(key: string, def?: number): number {
    this.#log.record(key);
    return this.#current.number(key, def ?? this.numberDefault(key));
  }

  json<T = JsonValue>(key: string, def?: T): T {
    this.#log.record(key);
    return this.#current.json(key, def === undefined ? (this.jsonDefault(key) as T) : def);
  }

  evaluate(key: string): EvalResult {
    this.#log.record(key);
    return this.#resultOf(key);
  }

  // ── observables ──────────────────────────────────────────────────────────

  flag$(key: string): Observable<EvalResult> {
    return defer(() => {
      this.#log.record(key);
      return this.#results$(key);
    });
  }

  /** Typed views follow the results without counting; each of their subscriptions counts once ({@link viewed}). */
  protected override viewSource$(key: string): Observable<EvalResult> {
    return defer(() => this.#results$(key));
  }

  protected override viewed(key: string): void {
    this.#log.record(key);
  }

  // ── commands ─────────────────────────────────────────────────────────────

  ready(): Promise<ReadyResult> {
    const source = this.#tracker.value.source;
    return Promise.resolve(this.#closed ? { ok: false, source, error: new ClosedError() } : { ok: true, source });
  }

  /** Then like a refresh: the context changes no flag of the mock. */
  identify(context: EvalContext): Promise<void> {
    const own = ownContext(context);
    if (!this.#closed) this.#currentContext = own;
    return this.refresh();
  }

  /** Like a load that found nothing new: a `refreshed` event with `changed: 0`. */
  refresh(): Promise<void> {
    return this.#whileOpen(() => this.#emit({ type: 'refreshed', at: this.#now(), changed: 0 }));
  }

  evaluateFor(key: string, context: EvalContext): Promise<EvalResult> {
    ownContext(context);
    return this.#whileOpen(() => {
      this.#log.record(key);
      const result = this.#current.get(key);
      if (!result) throw new FlagNotFoundError(key);
      return result;
    });
  }

  snapshotFor(context: EvalContext): Promise<FlagSnapshot> {
    ownContext(context);
    return this.#whileOpen(() => this.#current);
  }

  resetCircuit(): void {
    this.setStatus({ circuit: 'closed' });
  }

  track(event: TrackEvent): void {
    const tracked = trackedEvent(event, this.#currentContext.userId, this.#now());
    if (!this.#closed) this.#trackedEvents.push(tracked);
  }

  flush(): Promise<void> {
    return this.#whileOpen(() => undefined);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#tracker.update({ state: 'closed', streaming: false });
    this.#tracker.complete();
    this.#fanout.complete();
    this.#snapshots.complete();
    this.#changeSubject.complete();
    this.#eventSubject.complete();
  }

  // ── helpers ──────────────────────────────────────────────────────────────

  /** Runs `answer` now and settles with it (or what it throws), or rejects with a `ClosedError` once closed. */
  #whileOpen<T>(answer: () => T): Promise<T> {
    return new Promise((resolve) => {
      if (this.#closed) throw new ClosedError();
      resolve(answer());
    });
  }

  /** Swaps in a new snapshot and pushes each changed key to its own subscribers. */
  #replace(results: EvalResult[]): void {
    if (this.#closed) return;
    const { snapshot, changes } = FlagSnapshot.next(this.#current, results);
    this.#current = snapshot;
    if (changes.length > 0) {
      this.#snapshots.next(snapshot);
      for (const change of changes) this.#fanout.push(change.key, this.#resultOf(change.key));
      for (const change of changes) this.#changeSubject.next(change);
    }
    this.#emit({ type: 'refreshed', at: this.#now(), changed: changes.length });
  }

  #results$(key: string): Observable<EvalResult> {
    return this.#closed ? EMPTY : this.#fanout.observe(key);
  }

  #emit(event: ClientEvent): void {
    if (!this.#closed) this.#eventSubject.next(event);
  }

  /** The result of `key` without counting a read. */
  #resultOf(key: string): EvalResult {
    const found = this.#current.get(key);
    if (found) return found;
    const missing = missingResult(key, ownValue(this.defaults, key), this.#now());
    return missing.value === undefined ? missing : Object.freeze({ ...missing, reason: MOCK_DEFAULT_REASON });
  }

  #toResults(flags: Record<string, FlagInput>): EvalResult[] {
    const at = this.#now();
    return Object.keys(flags).map((key) => toResult(key, flags[key]!, 'bootstrap', at));
  }

  #now(): string {
    return new Date(this.#scheduler.now()).toISOString();
  }
}
