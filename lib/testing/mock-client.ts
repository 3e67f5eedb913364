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
  // TypeScript-private, not #private (a mock behind a Proxy runs its methods with the proxy as `this`), under
  // names no other type declares, so the build shortens them.
  private heldFlags: FlagSnapshot;
  private heldContext: EvalContext;
  private isClosed = false;
  private readonly clock: SchedulerLike;
  private readonly reads = new EvaluationLog();
  private readonly trackedLog: TrackedEvent[] = [];
  private readonly tracker: StatusTracker;
  private readonly snapshots: BehaviorSubject<FlagSnapshot>;
  private readonly changeSubject = new Subject<FlagChange>();
  private readonly eventSubject = new Subject<ClientEvent>();
  private readonly fanout = new KeyedFanout<EvalResult>((key) => this.resultOf(key));

  readonly flags$: Observable<FlagSnapshot>;
  readonly changes$: Observable<FlagChange>;
  readonly status$: Observable<ClientStatus>;
  readonly events$: Observable<ClientEvent>;

  constructor(options: MockClientOptions) {
    super(options.defaults);
    this.heldContext = ownContext(options.context) ?? {};
    this.clock = options.scheduler ?? asyncScheduler;
    this.heldFlags = FlagSnapshot.from(this.toResults(options.flags ?? {}));
    this.snapshots = new BehaviorSubject(this.heldFlags);
    this.tracker = new StatusTracker(this.clock);
    this.tracker.update({ state: 'ready', source: 'bootstrap' });
    this.flags$ = this.snapshots.asObservable();
    this.changes$ = this.changeSubject.asObservable();
    this.status$ = this.tracker.status$;
    this.events$ = this.eventSubject.asObservable();
  }

  // ── test controls ────────────────────────────────────────────────────────

  set(keyOrFlags: string | Record<string, FlagInput>, value?: FlagInput): void {
    const updates: Record<string, FlagInput> = typeof keyOrFlags === 'string' ? { [keyOrFlags]: value! } : keyOrFlags;
    // A key set again keeps its place; new keys follow, in the order given.
    const results = new Map(this.heldFlags.values().map((result) => [result.key, result]));
    for (const result of this.toResults(updates)) results.set(result.key, result);
    this.swapIn([...results.values()]);
  }

  remove(key: string): void {
    this.swapIn(this.heldFlags.values().filter((result) => result.key !== key));
  }

  /**
   * A circuit change emits its `circuit-…` event, as the real client does; opening it also makes the
   * state `stale` unless the patch names a state.
   */
  setStatus(patch: Partial<Omit<ClientStatus, 'since'>>): void {
    const circuit = patch.circuit;
    const changed = circuit !== undefined && circuit !== this.tracker.value.circuit;
    this.tracker.update(changed && circuit === 'open' ? { state: 'stale', ...patch } : patch);
    if (changed) this.emitEvent({ type: `circuit-${circuit}`, at: this.nowIso() });
  }

  get context(): EvalContext {
    return ownContext(this.heldContext);
  }

  assertEvaluated(key: string, times?: number): void {
    this.reads.assertEvaluated(key, times);
  }

  assertNotEvaluated(key: string): void {
    this.reads.assertNotEvaluated(key);
  }

  evaluations(): Record<string, number> {
    return this.reads.entries();
  }

  tracked(): TrackedEvent[] {
    return [...this.trackedLog];
  }

  reset(): void {
    this.reads.clear();
    this.trackedLog.length = 0;
  }

  // ── reads ────────────────────────────────────────────────────────────────

  get snapshot(): FlagSnapshot {
    return this.heldFlags;
  }

  get status(): ClientStatus {
    return this.tracker.value;
  }

  all(): FlagSnapshot {
    return this.heldFlags;
  }

  bool(key: string, def?: boolean): boolean {
    this.reads.record(key);
    return this.heldFlags.bool(key, def ?? this.defaultFor('boolean', key));
  }

  string(key: string, def?: string): string {
    this.reads.record(key);
    return this.heldFlags.string(key, def ?? this.defaultFor('string', key));
  }

  number(key: string, def?: number): number {
    this.reads.record(key);
    return this.heldFlags.number(key, def ?? this.defaultFor('number', key));
  }

  json<T = JsonValue>(key: string, def?: T): T {
    this.reads.record(key);
    return this.heldFlags.json(key, def === undefined ? this.defaultFor<T>('json', key) : def);
  }

  evaluate(key: string): EvalResult {
    this.reads.record(key);
    return this.resultOf(key);
  }

  // ── observables ──────────────────────────────────────────────────────────

  flag$(key: string): Observable<EvalResult> {
    return defer(() => {
      this.reads.record(key);
      return this.results$(key);
    });
  }

  /** Typed views follow the results without counting; each of their subscriptions counts once ({@link viewed}). */
  protected override viewSource$(key: string): Observable<EvalResult> {
    return defer(() => this.results$(key));
  }

  protected override viewed(key: string): void {
    this.reads.record(key);
  }

  // ── commands ─────────────────────────────────────────────────────────────

  ready(): Promise<ReadyResult> {
    const source = this.tracker.value.source;
    return Promise.resolve(this.isClosed ? { ok: false, source, error: new ClosedError() } : { ok: true, source });
  }

  /** Then like a refresh: the context changes no flag of the mock. */
  identify(context: EvalContext): Promise<void> {
    const own = ownContext(context);
    if (!this.isClosed) this.heldContext = own;
    return this.refresh();
  }

  /** Like a load that found nothing new: a `refreshed` event with `changed: 0`. */
  refresh(): Promise<void> {
    return this.whileOpen(() => this.emitEvent({ type: 'refreshed', at: this.nowIso(), changed: 0 }));
  }

  evaluateFor(key: string, context: EvalContext): Promise<EvalResult> {
    ownContext(context);
    return this.whileOpen(() => {
      this.reads.record(key);
      const result = this.heldFlags.get(key);
      if (!result) throw new FlagNotFoundError(key);
      return result;
    });
  }

  snapshotFor(context: EvalContext): Promise<FlagSnapshot> {
    ownContext(context);
    return this.whileOpen(() => this.heldFlags);
  }

  resetCircuit(): void {
    this.setStatus({ circuit: 'closed' });
  }

  track(event: TrackEvent): void {
    const tracked = trackedEvent(event, this.heldContext.userId, this.nowIso());
    if (!this.isClosed) this.trackedLog.push(tracked);
  }

  flush(): Promise<void> {
    return this.whileOpen(() => undefined);
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.tracker.update({ state: 'closed', streaming: false });
    this.tracker.complete();
    this.fanout.complete();
    this.snapshots.complete();
    this.changeSubject.complete();
    this.eventSubject.complete();
  }

  // ── helpers ──────────────────────────────────────────────────────────────

  /** Runs `answer` now and settles with it (or what it throws), or rejects with a `ClosedError` once closed. */
  private whileOpen<T>(answer: () => T): Promise<T> {
    return new Promise((resolve) => {
      if (this.isClosed) throw new ClosedError();
      resolve(answer());
    });
  }

  /** Swaps in a new snapshot and pushes each changed key to its own subscribers. */
  private swapIn(results: EvalResult[]): void {
    if (this.isClosed) return;
    const { snapshot, changes } = FlagSnapshot.next(this.heldFlags, results);
    this.heldFlags = snapshot;
    if (changes.length > 0) {
      this.snapshots.next(snapshot);
      for (const change of changes) this.fanout.push(change.key, this.resultOf(change.key));
      for (const change of changes) this.changeSubject.next(change);
    }
    this.emitEvent({ type: 'refreshed', at: this.nowIso(), changed: changes.length });
  }

  private results$(key: string): Observable<EvalResult> {
    return this.isClosed ? EMPTY : this.fanout.channel$(key);
  }

  private emitEvent(event: ClientEvent): void {
    if (!this.isClosed) this.eventSubject.next(event);
  }

  /** The result of `key` without counting a read. */
  private resultOf(key: string): EvalResult {
    const found = this.heldFlags.get(key);
    if (found) return found;
    const missing = missingResult(key, ownValue(this.defaults, key), this.nowIso());
    return missing.value === undefined ? missing : Object.freeze({ ...missing, reason: MOCK_DEFAULT_REASON });
  }

  private toResults(flags: Record<string, FlagInput>): EvalResult[] {
    const at = this.nowIso();
    return Object.keys(flags).map((key) => toResult(key, flags[key]!, 'bootstrap', at));
  }

  private nowIso(): string {
    return new Date(this.clock.now()).toISOString();
  }
}
