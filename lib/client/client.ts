import {
  BehaviorSubject,
  EMPTY,
  Observable,
  Subject,
  type Subscription,
  catchError,
  concat,
  defer,
  filter,
  finalize,
  firstValueFrom,
  ignoreElements,
  interval,
  map,
  merge,
  mergeMap,
  of,
  skip,
  switchMap,
  takeUntil,
  tap,
  throwError,
  timer,
} from 'rxjs';
import { CircuitOpenError, ClosedError, RateLimitError, TimeoutError, isTerminal } from '../errors.js';
import { retryWithBackoff } from '../net/backoff.js';
import { CircuitBreaker } from '../net/circuit.js';
import type { LoadOptions, LoadResult, StreamMessage, TransportSession } from '../transports/transport.js';
import type {
  CircuitState,
  ClientEvent,
  ClientStatus,
  EvalContext,
  EvalResult,
  FlagChange,
  JsonValue,
  ReadyResult,
  TrackEvent,
  ValueSource,
} from '../types.js';
import { coalesce } from './coalesce.js';
import { KeyedFanout } from './fanout.js';
import { checkContext, resolveOptions, type FlagClientOptions, type ResolvedOptions, type StoredFlags } from './options.js';
import type { SenderRuntime } from './periodic-sender.js';
import { missingResult, restoredResults, valueResults } from './results.js';
import { FlagSnapshot, diffSnapshots } from './snapshot.js';
import { StatusTracker } from './status.js';
import { EvaluationCounter, EventQueue, trackedEvent } from './tracking.js';
import { FlagViews } from './typed-values.js';

/** The flag client: synchronous reads, per-key observables and async iterables over one snapshot. */
export interface FlagClient {
  /** Resolves after the first load (network, store or bootstrap) or the timeout. Never rejects. */
  ready(options?: { timeoutMs?: number }): Promise<ReadyResult>;
  /** Boolean value; the default when missing, of another type, or not loaded. Never throws. */
  bool(key: string, def?: boolean): boolean;
  string(key: string, def: string): string;
  number(key: string, def: number): number;
  json<T = JsonValue>(key: string, def: T): T;
  /** The full result; a missing key gives `reason: 'not_found'`, `errorCode: 'FLAG_NOT_FOUND'`. */
  evaluate(key: string): EvalResult;
  /** The current immutable snapshot. */
  all(): FlagSnapshot;
  readonly snapshot: FlagSnapshot;
  /** Hot, shared per key; first value synchronous once loaded; emits only on real change. */
  flag$(key: string): Observable<EvalResult>;
  bool$(key: string, def?: boolean): Observable<boolean>;
  string$(key: string, def: string): Observable<string>;
  number$(key: string, def: number): Observable<number>;
  json$<T = JsonValue>(key: string, def: T): Observable<T>;
  /** The whole state, once loaded, on every change. */
  readonly flags$: Observable<FlagSnapshot>;
  /** One emission per changed key. */
  readonly changes$: Observable<FlagChange>;
  readonly status$: Observable<ClientStatus>;
  readonly status: ClientStatus;
  readonly events$: Observable<ClientEvent>;
  /**
   * Latest-value iteration (slow consumers skip to the newest); ends on `close()` or `signal`. The
   * default's type picks the getter: boolean, string, number, else any JSON value.
   */
  values(key: string, def: boolean, options?: { signal?: AbortSignal }): AsyncIterable<boolean>;
  values(key: string, def: string, options?: { signal?: AbortSignal }): AsyncIterable<string>;
  values(key: string, def: number, options?: { signal?: AbortSignal }): AsyncIterable<number>;
  values<T extends JsonValue>(key: string, def: T, options?: { signal?: AbortSignal }): AsyncIterable<T>;
  /** Switches context; resolves once the new context's values are in the snapshot. */
  identify(context: EvalContext): Promise<void>;
  /** Loads now; resolves when the snapshot is up to date, rejects with the typed error. */
  refresh(): Promise<void>;
  /** One remote evaluation for another context. */
  evaluateFor(key: string, context: EvalContext): Promise<EvalResult>;
  /** All flags for another context in one round trip, cached per context until the flags change. */
  snapshotFor(context: EvalContext): Promise<FlagSnapshot>;
  /** Forces the circuit breaker closed; a load the open circuit held back runs at once. */
  resetCircuit(): void;
  /**
   * Buffers a conversion event for the transport's events endpoint (Rollgate), sent in batches.
   * `userId` defaults to the context's. Throws `ConfigError` for a bad event; a transport without
   * an events endpoint drops it (logged once).
   */
  track(event: TrackEvent): void;
  /** Sends buffered events and evaluation counts now; rejects with the typed error (nothing is lost). */
  flush(): Promise<void>;
  /**
   * Idempotent; ends every stream, timer, socket and iterable. Buffered events and counts get one
   * final best-effort flush, aborted after `tracking.closeTimeoutMs`; `await flush()` first to know
   * they were sent.
   */
  close(): void;
}

/** Creates a flag client. Validates options synchronously (`ConfigError`); sends nothing until used. */
export function createFlagClient(options: FlagClientOptions): FlagClient {
  return new ReactiveFlagClient(resolveOptions(options));
}

/** A request for one load; `settle` is called once, with the error if it failed. */
interface LoadRequest {
  options: LoadOptions;
  settle?: (error?: unknown) => void;
}

interface ContextSwitch {
  context: EvalContext;
  first: boolean;
  settle?: (error?: unknown) => void;
}

/** Most contexts `snapshotFor` keeps. */
const SNAPSHOT_CACHE_LIMIT = 500;
/** Delay of the one re-check after a stream event whose state the refetch did not show yet. */
const RECHECK_DELAY_MS = 250;
/** What a load attempt yields instead of a request while the circuit is open. */
const CIRCUIT_OPEN: unique symbol = Symbol('circuit-open');

class ReactiveFlagClient extends FlagViews implements FlagClient {
  private current: FlagSnapshot = FlagSnapshot.empty;
  private loaded = false;
  private readonly snapshots = new BehaviorSubject<FlagSnapshot>(FlagSnapshot.empty);
  private readonly changeSubject = new Subject<FlagChange>();
  private readonly eventSubject = new Subject<ClientEvent>();
  private readonly tracker: StatusTracker;
  private readonly fanout = new KeyedFanout<EvalResult>((key) => (this.loaded ? this.evaluate(key) : undefined));
  private readonly session: TransportSession;
  private readonly contexts: BehaviorSubject<ContextSwitch>;
  private readonly loadRequests = new Subject<LoadRequest>();
  private readonly terminated = new Subject<void>();
  private readonly snapshotCache = new Map<string, Promise<FlagSnapshot>>();
  private readonly waiters = new Set<(error?: unknown) => void>();
  private readonly readyWaiters = new Set<() => void>();
  /** Requests of a load cancelled by a context switch; the next context's first load settles them. */
  private orphans: Array<(error?: unknown) => void> = [];
  private readonly timers = new Set<Subscription>();
  private context: EvalContext;
  private engine: Subscription | undefined;
  private terminalError: Error | undefined;
  private lastError: Error | undefined;
  private readyResult: ReadyResult | undefined;
  private storeTried = false;
  private notBefore = 0;
  private closed = false;
  private readonly breaker: CircuitBreaker | undefined;
  /** A load the open circuit held back; requested again when it half-opens or is reset. */
  private heldBack: LoadOptions | undefined;
  /** Emits on `resetCircuit()`: loads and the stream waiting out a backoff retry at once. */
  private readonly circuitReset = new Subject<void>();
  private readonly eventQueue: EventQueue | undefined;
  private readonly counter: EvaluationCounter | undefined;
  private warnedNoEventSink = false;

  readonly flags$: Observable<FlagSnapshot>;
  readonly changes$: Observable<FlagChange>;
  readonly status$: Observable<ClientStatus>;
  readonly events$: Observable<ClientEvent>;

  constructor(private readonly options: ResolvedOptions) {
    super(options.defaults);
    const { scheduler, logger, fetch, timeoutMs } = options;
    this.session = options.transport.connect({ fetch, timeoutMs, logger, scheduler });
    this.context = options.context;
    this.contexts = new BehaviorSubject<ContextSwitch>({ context: this.context, first: true });
    this.tracker = new StatusTracker(scheduler);
    this.status$ = this.tracker.status$;
    this.events$ = this.eventSubject.asObservable();
    this.flags$ = defer(() => {
      this.start();
      return this.snapshots.pipe(filter(() => this.loaded));
    });
    this.changes$ = defer(() => {
      this.start();
      return this.changeSubject;
    });
    if (options.circuitBreaker) {
      this.breaker = new CircuitBreaker(options.circuitBreaker, scheduler);
      this.breaker.state$.pipe(skip(1)).subscribe((circuit) => this.circuitChanged(circuit));
    }
    const senders: SenderRuntime = {
      scheduler,
      logger,
      blocked: () => (this.breaker?.state === 'open' ? new CircuitOpenError(this.breaker.remainingMs) : undefined),
    };
    const session = this.session;
    if (session.track) {
      this.eventQueue = new EventQueue((events) => session.track!(events), options.tracking, senders, (count) => this.dropped(count));
    }
    if (session.telemetry && options.tracking.telemetryIntervalMs > 0) {
      // Counting costs a map lookup per bool(), and only for transports with a telemetry endpoint:
      // bool is swapped for a counting version here rather than tested on every call.
      const counter = new EvaluationCounter((report) => session.telemetry!(report), options.tracking, senders);
      const read = this.bool;
      this.counter = counter;
      this.bool = (key: string, def?: boolean): boolean => {
        const value = read.call(this, key, def);
        counter.record(key, value);
        return value;
      };
    }
    if (options.bootstrap) {
      this.apply(valueResults(options.bootstrap, 'bootstrap', this.now()), 'bootstrap');
      this.tracker.update({ source: 'bootstrap' });
    }
  }

  // ── reads ────────────────────────────────────────────────────────────────

  get snapshot(): FlagSnapshot {
    return this.current;
  }

  get status(): ClientStatus {
    return this.tracker.value;
  }

  all(): FlagSnapshot {
    return this.current;
  }

  bool(key: string, def?: boolean): boolean {
    const value = this.current.get(key)?.value;
    return typeof value === 'boolean' ? value : (def ?? this.boolDefault(key));
  }

  string(key: string, def: string): string {
    return this.current.string(key, def);
  }

  number(key: string, def: number): number {
    return this.current.number(key, def);
  }

  json<T = JsonValue>(key: string, def: T): T {
    return this.current.json(key, def);
  }

  evaluate(key: string): EvalResult {
    return this.current.get(key) ?? missingResult(key, this.defaults[key], this.now());
  }

  // ── observables ──────────────────────────────────────────────────────────

  flag$(key: string): Observable<EvalResult> {
    return defer(() => {
      if (this.closed) return EMPTY;
      this.start();
      return this.fanout.observe(key);
    });
  }

  // ── commands ─────────────────────────────────────────────────────────────

  ready(options: { timeoutMs?: number } = {}): Promise<ReadyResult> {
    if (this.readyResult) return Promise.resolve(this.readyResult);
    if (this.closed) return Promise.resolve(this.closedReadyResult());
    this.start();
    if (this.readyResult) return Promise.resolve(this.readyResult);
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    return new Promise<ReadyResult>((resolve) => {
      const done = (): void => {
        this.readyWaiters.delete(done);
        timeout.unsubscribe();
        this.timers.delete(timeout);
        resolve(this.readyResult ?? (this.closed ? this.closedReadyResult() : this.timedOutReadyResult(timeoutMs)));
      };
      const timeout = this.options.scheduler.schedule(done, timeoutMs);
      this.timers.add(timeout);
      this.readyWaiters.add(done);
    });
  }

  identify(context: EvalContext): Promise<void> {
    checkContext(context, 'context');
    const blocked = this.blockedError();
    if (blocked) return Promise.reject(blocked);
    this.context = { ...context };
    return this.waitFor((settle) => {
      this.contexts.next({ context: this.context, first: false, settle });
      this.start();
    });
  }

  refresh(): Promise<void> {
    const blocked = this.blockedError();
    if (blocked) return Promise.reject(blocked);
    return this.waitFor((settle) => {
      this.start();
      this.loadRequests.next({ options: { trigger: 'refresh' }, settle });
    });
  }

  evaluateFor(key: string, context: EvalContext): Promise<EvalResult> {
    checkContext(context, 'context');
    const blocked = this.blockedError();
    if (blocked) return Promise.reject(blocked);
    const target = { ...context };
    return firstValueFrom(this.guarded(concat(this.identify$(target), this.session.evaluate(key, target))));
  }

  snapshotFor(context: EvalContext): Promise<FlagSnapshot> {
    checkContext(context, 'context');
    const blocked = this.blockedError();
    if (blocked) return Promise.reject(blocked);
    const cacheKey = stableKey(context);
    const cached = this.snapshotCache.get(cacheKey);
    if (cached) return cached;
    const target = { ...context };
    const pending = firstValueFrom(
      this.guarded(concat(this.identify$(target), this.session.load(target, { trigger: 'refresh', conditional: false }))),
    ).then((result) => FlagSnapshot.from(result.kind === 'flags' ? result.flags : []));
    if (this.snapshotCache.size >= SNAPSHOT_CACHE_LIMIT) {
      this.snapshotCache.delete(this.snapshotCache.keys().next().value as string);
    }
    this.snapshotCache.set(cacheKey, pending);
    pending.catch(() => {
      if (this.snapshotCache.get(cacheKey) === pending) this.snapshotCache.delete(cacheKey);
    });
    return pending;
  }

  resetCircuit(): void {
    this.breaker?.reset();
    this.circuitReset.next();
  }

  track(event: TrackEvent): void {
    const tracked = trackedEvent(event, this.context.userId, this.now());
    if (this.closed) return;
    if (!this.eventQueue) {
      if (!this.warnedNoEventSink) {
        this.warnedNoEventSink = true;
        this.options.logger.warn(`the ${this.options.transport.kind} transport has no events endpoint; track() events are dropped`);
      }
      return;
    }
    this.eventQueue.add(tracked);
  }

  flush(): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError());
    return Promise.all([this.eventQueue?.flush(), this.counter?.flush()]).then(() => undefined);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.engine?.unsubscribe();
    this.finalFlush();
    this.breaker?.dispose();
    for (const pending of this.timers) pending.unsubscribe();
    this.timers.clear();
    this.tracker.update({ state: 'closed', streaming: false });
    this.tracker.complete();
    for (const settle of [...this.waiters]) settle(new ClosedError());
    for (const done of [...this.readyWaiters]) done();
    this.fanout.complete();
    this.snapshots.complete();
    this.changeSubject.complete();
    this.eventSubject.complete();
    this.terminated.complete();
    this.circuitReset.complete();
    this.snapshotCache.clear();
  }

  // ── engine ───────────────────────────────────────────────────────────────

  /** Starts loading (once): the first subscription or `ready()`/`refresh()`/`identify()` does. */
  private start(): void {
    if (this.engine || this.closed || this.terminalError) return;
    this.engine = this.contexts
      .pipe(
        switchMap((change) => this.runContext(change)),
        takeUntil(this.terminated),
      )
      .subscribe();
  }

  /** Everything that keeps one context's flags current: initial load, polling, stream. */
  private runContext(change: ContextSwitch): Observable<never> {
    const { context } = change;
    const { scheduler, pollIntervalMs } = this.options;
    const initial: LoadRequest = {
      options: { trigger: change.first ? 'initial' : 'identify' },
      settle: (error) => {
        change.settle?.(error);
        for (const orphan of this.orphans.splice(0)) orphan(error);
      },
    };
    const streamOn = this.options.streaming && this.session.stream !== undefined;
    let initialSent = false;
    const kick = new Subject<LoadRequest>();
    const sendInitial = (): Observable<LoadRequest> => {
      if (initialSent) return EMPTY;
      initialSent = true;
      return of(initial);
    };

    // With a stream, the first load waits (briefly) for the stream to open, so that one request
    // both readies the client and counts as "after the stream's 200".
    const initial$ = streamOn
      ? timer(Math.min(1_000, this.options.timeoutMs), scheduler).pipe(mergeMap(sendInitial))
      : sendInitial();
    const poll$ =
      pollIntervalMs > 0
        ? interval(pollIntervalMs, scheduler).pipe(map((): LoadRequest => ({ options: { trigger: 'poll' } })))
        : EMPTY;
    const firstOr = (other: LoadRequest): Observable<LoadRequest> => (initialSent ? of(other) : sendInitial());
    const stream$ = streamOn ? this.stream$(context, firstOr, () => sendInitial().subscribe((request) => kick.next(request))) : EMPTY;

    const requests = merge(initial$, kick, this.loadRequests, poll$, stream$);
    return coalesce(requests, (batch, takePending) => this.load(context, batch, takePending));
  }

  /** The change stream, reconnecting with backoff; every (re)connect and change asks for a load. */
  private stream$(
    context: EvalContext,
    firstOr: (other: LoadRequest) => Observable<LoadRequest>,
    onFailure: () => void,
  ): Observable<LoadRequest> {
    const { scheduler, backoff, logger } = this.options;
    const connect$ = this.session.stream!(context);
    // While the circuit is open the stream does not reconnect either; it waits for half-open.
    return (this.breaker ? this.breaker.whenAllowed(connect$) : connect$).pipe(
      tap({
        next: (message) => {
          if (message.type === 'connected' && !this.tracker.value.streaming) {
            this.tracker.update({ streaming: true });
            this.emit({ type: 'stream-connected', at: this.now() });
          }
        },
        error: (error: unknown) => {
          if (this.tracker.value.streaming) {
            this.tracker.update({ streaming: false });
            this.emit({ type: 'stream-disconnected', at: this.now(), error: asError(error) });
          }
          onFailure();
        },
      }),
      retryWithBackoff<StreamMessage>(backoff, scheduler, { retryNow: this.circuitReset }),
      catchError((error: unknown) => {
        if (isTerminal(error)) this.terminate(asError(error));
        else logger.warn(`streaming is off for this context: ${asError(error).message}; polling continues`);
        return EMPTY;
      }),
      mergeMap((message): Observable<LoadRequest> => {
        if (message.type === 'flags') {
          this.apply(message.flags, 'network', context);
          return EMPTY;
        }
        this.snapshotCache.clear();
        if (message.type === 'connected') {
          return firstOr({ options: { trigger: 'reconnect' } });
        }
        return of({ options: { trigger: 'stream', hint: message } });
      }),
    );
  }

  /** One load for a batch of requests: gated by Retry-After, retried with backoff, applied. */
  private load(context: EvalContext, batch: LoadRequest[], takePending: () => LoadRequest[]): Observable<never> {
    const { scheduler, backoff } = this.options;
    const options = (batch.find((request) => request.options.trigger === 'initial' || request.options.trigger === 'identify') ??
      batch[batch.length - 1]!).options;
    const settleAll = (error?: unknown): void => {
      for (const request of batch) {
        request.settle?.(error);
        request.settle = undefined;
      }
    };
    const identify$ = options.trigger === 'initial' || options.trigger === 'identify' ? this.identify$(context) : EMPTY;
    let first = true;
    const attempt$ = defer(() => {
      // A retry after a backoff wait also serves the requests that arrived during the wait.
      if (!first) batch.push(...takePending());
      first = false;
      const wait = this.notBefore - scheduler.now();
      // An open circuit ends the load (no request, no retry loop); it is held back until half-open.
      const request$ = this.guarded(concat(identify$, this.session.load(context, options))).pipe(
        catchError((error: unknown) => (error instanceof CircuitOpenError ? of(CIRCUIT_OPEN) : throwError(() => error))),
      );
      return wait > 0 ? timer(wait, scheduler).pipe(switchMap(() => request$)) : request$;
    });
    return attempt$.pipe(
      retryWithBackoff<LoadResult | typeof CIRCUIT_OPEN>(backoff, scheduler, {
        onRetry: (error) => {
          this.failed(asError(error));
          settleAll(error);
        },
        retryNow: this.circuitReset,
      }),
      tap((result) => {
        if (result === CIRCUIT_OPEN) {
          this.holdBack(options);
          settleAll(new CircuitOpenError(this.breaker?.remainingMs));
          return;
        }
        this.loadedFromNetwork(context, result, options);
        settleAll();
      }),
      catchError((error: unknown) => {
        this.failed(asError(error));
        settleAll(error);
        return EMPTY;
      }),
      ignoreElements(),
      finalize(() => {
        for (const request of batch) if (request.settle && !this.closed) this.orphans.push(request.settle);
      }),
    );
  }

  private loadedFromNetwork(context: EvalContext, result: LoadResult, options: LoadOptions): void {
    if (context !== this.context) return;
    this.lastError = undefined;
    const changed = result.kind === 'flags' ? this.apply(result.flags, 'network', context) : 0;
    this.tracker.update({ state: 'ready', source: 'network', error: undefined });
    this.settleReady({ ok: true, source: 'network' });
    this.emit({ type: 'refreshed', at: this.now(), changed });
    const hint = options.hint;
    if (hint?.type === 'changed' && hint.key !== undefined && typeof hint.enabled === 'boolean' && !options.recheck) {
      // The event may be published before the server commits: if the refetch still shows the old
      // state, look once more shortly after.
      const seen = this.current.get(hint.key);
      if (seen && seen.enabled !== hint.enabled) {
        const recheck = this.options.scheduler.schedule(() => {
          this.timers.delete(recheck);
          this.loadRequests.next({ options: { trigger: 'stream', hint, recheck: true } });
        }, RECHECK_DELAY_MS);
        this.timers.add(recheck);
      }
    }
  }

  /** Records a failed attempt: status, event, Retry-After gate, fallbacks, terminal stop. */
  private failed(error: Error): void {
    if (this.closed) return;
    this.lastError = error;
    this.emit({ type: 'error', at: this.now(), error });
    if (error instanceof RateLimitError && error.retryAfterMs !== undefined) {
      this.notBefore = Math.max(this.notBefore, this.options.scheduler.now() + error.retryAfterMs);
    }
    if (isTerminal(error)) {
      this.terminate(error);
      return;
    }
    this.tracker.update({ state: this.loaded ? 'stale' : 'error', error });
    if (!this.storeTried && this.tracker.value.source !== 'network') this.fallBack(error);
  }

  /** First load failed (not auth): serve the store's values, else the bootstrap. */
  private fallBack(error: Error): void {
    this.storeTried = true;
    const store = this.options.store;
    const useBootstrap = (): void => {
      if (this.options.bootstrap) this.settleReady({ ok: true, source: 'bootstrap', error });
    };
    if (!store) {
      useBootstrap();
      return;
    }
    store.load().then(
      (data) => {
        if (this.closed || this.tracker.value.source === 'network' || this.terminalError) return;
        const results = restoredResults(data);
        if (!results) {
          useBootstrap();
          return;
        }
        this.apply(results, 'store');
        this.tracker.update({ source: 'store' });
        this.settleReady({ ok: true, source: 'store', error });
      },
      (loadError: unknown) => {
        this.options.logger.warn(`flag store load failed: ${asError(loadError).message}`);
        useBootstrap();
      },
    );
  }

  private terminate(error: Error): void {
    if (this.terminalError) return;
    this.terminalError = error;
    this.tracker.update({ state: 'error', streaming: false, error });
    this.settleReady({ ok: false, source: this.tracker.value.source, error });
    this.options.logger.error(`stopped: ${error.message}; serving the last known values`);
    this.terminated.next();
    for (const orphan of this.orphans.splice(0)) orphan(error);
  }

  /** Replaces the snapshot, pushes changes to their keys only, saves network loads. Returns the change count. */
  private apply(results: EvalResult[], source: ValueSource, context?: EvalContext): number {
    if (this.closed || (context !== undefined && context !== this.context)) return 0;
    const next = FlagSnapshot.from(results);
    const changes = diffSnapshots(this.current, next);
    const firstLoad = !this.loaded;
    this.current = next;
    this.loaded = true;
    if (changes.length > 0 || firstLoad) {
      this.snapshotCache.clear();
      this.snapshots.next(next);
      if (firstLoad) this.fanout.pushAll();
      else for (const change of changes) this.fanout.push(change.key, this.evaluate(change.key));
      for (const change of changes) this.changeSubject.next(change);
    }
    if (source === 'network') this.save(next);
    return changes.length;
  }

  private save(snapshot: FlagSnapshot): void {
    const store = this.options.store;
    if (!store) return;
    const data: StoredFlags = { version: 1, savedAt: this.now(), flags: snapshot.values() };
    store.save(data).catch((error: unknown) => this.options.logger.warn(`flag store save failed: ${asError(error).message}`));
  }

  // ── helpers ──────────────────────────────────────────────────────────────

  private waitFor(send: (settle: (error?: unknown) => void) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: unknown): void => {
        this.waiters.delete(settle);
        if (error === undefined) resolve();
        else reject(error);
      };
      this.waiters.add(settle);
      send(settle);
    });
  }

  private settleReady(result: ReadyResult): void {
    if (this.readyResult) return;
    this.readyResult = result;
    if (!this.loaded) {
      this.loaded = true;
      this.fanout.pushAll();
      this.snapshots.next(this.current);
    }
    for (const done of [...this.readyWaiters]) done();
  }

  private timedOutReadyResult(timeoutMs: number): ReadyResult {
    const source = this.tracker.value.source;
    return {
      ok: source !== 'none',
      source,
      error: this.lastError ?? new TimeoutError(timeoutMs, 'ready()'),
    };
  }

  private closedReadyResult(): ReadyResult {
    return { ok: false, source: this.tracker.value.source, error: new ClosedError() };
  }

  private blockedError(): Error | undefined {
    if (this.closed) return new ClosedError();
    return this.terminalError;
  }

  /** `source` through the circuit breaker, when there is one. */
  private guarded<T>(source: Observable<T>): Observable<T> {
    return this.breaker ? this.breaker.guard(source) : source;
  }

  /** The transport's identify for `context`, emitting nothing; empty when it has none. */
  private identify$(context: EvalContext): Observable<never> {
    return this.session.identify ? this.session.identify(context).pipe(ignoreElements()) : EMPTY;
  }

  /** Keeps the load to run once the circuit lets requests through (a context load wins over others). */
  private holdBack(options: LoadOptions): void {
    const contextLoad = (held: LoadOptions): boolean => held.trigger === 'initial' || held.trigger === 'identify';
    if (!this.heldBack || !contextLoad(this.heldBack)) this.heldBack = { trigger: options.trigger };
  }

  /** Reports a breaker transition; once requests may pass, runs the load it held back. */
  private circuitChanged(circuit: CircuitState): void {
    if (this.closed) return;
    this.tracker.update(circuit === 'open' ? { circuit, state: this.loaded ? 'stale' : 'error' } : { circuit });
    const type = circuit === 'open' ? 'circuit-open' : circuit === 'closed' ? 'circuit-closed' : 'circuit-half-open';
    this.emit({ type, at: this.now() });
    if (circuit === 'open') {
      this.options.logger.warn(`circuit breaker open: no requests for ${this.breaker?.remainingMs ?? 0} ms; serving the last known values`);
      return;
    }
    const held = this.heldBack;
    this.heldBack = undefined;
    if (held && this.engine && !this.terminalError) this.loadRequests.next({ options: held });
  }

  /** The event buffer overflowed. */
  private dropped(count: number): void {
    this.options.logger.warn(`tracked-event buffer full: dropped the ${count} oldest event(s)`);
    this.emit({ type: 'events-dropped', at: this.now(), dropped: count });
  }

  /** One last bounded flush of events and counts, then the session is released. */
  private finalFlush(): void {
    const pending = [this.eventQueue?.flush(), this.counter?.flush()].filter((p): p is Promise<void> => p !== undefined);
    let done = false;
    let bound: Subscription | undefined;
    const finish = (): void => {
      if (done) return;
      done = true;
      bound?.unsubscribe();
      this.eventQueue?.abort();
      this.counter?.abort();
      this.session.close?.();
    };
    if (pending.length === 0) {
      finish();
      return;
    }
    bound = this.options.scheduler.schedule(finish, this.options.tracking.closeTimeoutMs);
    void Promise.allSettled(pending).then((outcomes) => {
      const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (failure && !done) this.options.logger.warn(`final flush on close failed: ${asError(failure.reason).message}`);
      finish();
    });
  }

  private emit(event: ClientEvent): void {
    if (!this.closed) this.eventSubject.next(event);
  }

  private now(): string {
    return new Date(this.options.scheduler.now()).toISOString();
  }
}

/** A cache key equal for equal contexts (attribute order does not matter). */
function stableKey(context: EvalContext): string {
  const attributes = context.attributes ?? {};
  const sorted = Object.keys(attributes)
    .sort()
    .map((name) => [name, attributes[name]]);
  return JSON.stringify([context.userId ?? '', context.email ?? '', sorted]);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

