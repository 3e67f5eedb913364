import { BehaviorSubject, Observable, type ObservableInput, Subject, type Subscription, defer, filter, firstValueFrom, throwIfEmpty } from 'rxjs';
import { ClosedError, InvalidResponseError, isTerminal } from '../errors.js';
import type { InvalidFlag, LoadResult, TransportSession } from '../transports/transport.js';
import type { ClientEvent, ClientStatus, EvalContext, EvalResult, FlagChange, JsonValue, ReadyResult, TrackEvent, ValueSource } from '../types.js';
import { gateSession } from '../transports/gate.js';
import type { FleetClient, FleetHandle } from './features/fleet-contract.js';
import { KeyedFanout } from './state/fanout.js';
import type { FlagClient } from './flag-client.js';
import type { UntypedFlags } from './flag-keys.js';
import { loadEngine, type ContextSwitch, type LoadEngine } from './engine/load-engine.js';
import { loadWaiters } from './engine/load-waiters.js';
import { resolveOptions, type FlagClientOptions, type ResolvedOptions } from './options.js';
import { ownContext } from './own-context.js';
import { storeAccess, type WithStore } from './features/store-access.js';
import { readyLatch, type ReadyLatch } from './engine/ready-latch.js';
import { clientRequestGate, type ClientRequestGate } from './engine/request-gate.js';
import { loadedResults, missingResult, valueResults } from './state/results.js';
import type { SnapshotCache } from './engine/snapshot-cache.js';
import { FlagSnapshot } from './state/snapshot.js';
import { sameJson } from './state/json-values.js';
import { ClientReporter } from './engine/reporter.js';
import { serveOwn } from './engine/serve-own.js';
import { untracked, type Tracking } from './features/tracking-sink.js';
import { FlagViews } from './state/typed-values.js';
import { chunk } from '../net/chunk.js';

export type { FlagClient } from './flag-client.js';

/**
 * Creates a flag client. Validates options synchronously (`ConfigError`); sends nothing until used.
 * `F`, a flags interface, types the keys and values of every keyed method (see {@link FlagClient}).
 */
export function createFlagClient<F extends object = UntypedFlags>(options: FlagClientOptions): FlagClient<F> {
  // F is a compile-time view of the same client: nothing at run time depends on it.
  return new ReactiveFlagClient(resolveOptions(options)) as unknown as FlagClient<F>;
}

/**
 * The client: one immutable snapshot, read synchronously and observed per key. The
 * {@link LoadEngine} keeps it current; every request passes the {@link ClientRequestGate};
 * `refresh()`/`identify()` promises live in {@link LoadWaiters}; this class applies results,
 * reports status and events, and answers the public API. The members a fleet uses ({@link FleetClient})
 * are public for the fleet feature only: `createFlagClient` returns the {@link FlagClient} view.
 */
class ReactiveFlagClient extends FlagViews implements FlagClient, FleetClient {
  private liveSnapshot: FlagSnapshot = FlagSnapshot.empty;
  loaded = false;
  /** The context whose network load the snapshot holds (not a bootstrap, a store record or another context's). */
  networkContext: EvalContext | undefined;
  /** The context whose values the snapshot holds, from any source (the first context's before anything is applied). */
  heldFor: EvalContext | undefined;
  private readonly snapshots = new BehaviorSubject<FlagSnapshot>(FlagSnapshot.empty);
  private readonly changeSubject = new Subject<FlagChange>();
  readonly report: ClientReporter;
  private readonly fanout = new KeyedFanout<EvalResult>((key) => (this.loaded ? this.evaluate(key) : undefined));
  private readonly session: TransportSession;
  readonly gate: ClientRequestGate;
  readonly waiters = loadWaiters();
  private readonly engine: LoadEngine;
  readonly contexts: BehaviorSubject<ContextSwitch>;
  /** `snapshotFor` results: the cache is loaded with the first call. */
  oneOffs: SnapshotCache | undefined;
  private readonly tracking: Tracking;
  private readonly withStore: WithStore;
  private readonly fleet: FleetHandle | undefined;
  private readonly readiness: ReadyLatch;
  activeContext: EvalContext;
  /** The engine's run, while it runs (a fleet follower's is stopped: it neither loads nor streams). */
  running: Subscription | undefined;
  /** The context whose store record the client last looked for (once per context switch). */
  private storeTriedFor: EvalContext | undefined;
  /** The first load failed and neither the store nor a bootstrap had anything to serve. */
  private nothingToServe = false;
  closed = false;

  readonly flags$: Observable<FlagSnapshot>;
  readonly changes$: Observable<FlagChange>;
  readonly status$: Observable<ClientStatus>;
  readonly events$: Observable<ClientEvent>;

  constructor(readonly options: ResolvedOptions) {
    super(options.defaults);
    const { scheduler, logger, transport } = options;
    this.gate = clientRequestGate(
      options.circuitBreaker,
      scheduler,
      // A terminal error (401/403, a wrong project): every request stops; the last values stay.
      (error) => {
        this.fleet?.stopped(error); // another process leads
        this.report.update({ state: 'error', streaming: false, error });
        this.settleReady(error, false);
        // Values kept are the context's own: an identify() this ends gets its store record, else the bootstrap, else nothing.
        this.fallBack(error, true);
        logger.error(`stopped: ${error.message}; ${this.report.serving()}`);
        this.running?.unsubscribe();
        this.tracking.abort();
        this.waiters.rejectAll(error);
      },
      // A breaker transition: reported; a half-open circuit gets a probe load at once.
      (circuit) => {
        if (this.closed) return;
        this.report.circuit(circuit);
        if (circuit === 'open') {
          logger.warn(`circuit breaker open: no requests for ${this.gate.openForMs} ms; ${this.report.serving()}`);
          this.giveUpEarly();
        } else {
          this.readiness.retryNow();
          // (A request while the engine does not run, a fleet follower's, goes nowhere.)
          if (circuit === 'half-open') this.engine.request({ trigger: 'refresh' });
        }
      },
    );
    // Every request of every path goes through the gate: loads, identify, one-offs, the stream, tracking.
    // The options are the transport's runtime: its fetch, timeout, logger, scheduler and response cap.
    this.session = gateSession(transport.connect(options), this.gate);
    this.engine = loadEngine(this.session, options, this.gate, this.waiters, {
      loaded: (context, result) => this.onLoaded(context, result),
      loadFailed: (error, final, retryInMs) => {
        if (this.closed) return;
        this.readiness.failed(error, retryInMs);
        this.report.loadFailed(error, this.gate.terminalError);
        if (this.gate.terminalError) return;
        this.fallBack(error, final);
        this.giveUpEarly();
      },
      connected: () => this.report.streamConnected(),
      failed: (error) => void (this.closed || this.gate.terminalError || this.report.streamDown(error)),
      streamPaused: () => this.report.streamDown(),
      pushed: (context, flags, invalid) => this.apply(flags, 'network', context, invalid),
      changed: () => {
        this.oneOffs?.clear();
        this.fleet?.changed();
      },
      current: (key) => this.liveSnapshot.get(key),
    });
    this.activeContext = options.context; // the client's own copy (resolveOptions)
    this.contexts = new BehaviorSubject<ContextSwitch>({ context: this.activeContext, first: true });
    this.report = new ClientReporter(scheduler);
    this.readiness = readyLatch(scheduler, this.report);
    this.status$ = this.report.status$;
    this.events$ = this.report.events$;
    this.flags$ = this.started(() => this.snapshots.pipe(filter(() => this.loaded)));
    this.changes$ = this.started(() => this.changeSubject);
    this.withStore = storeAccess(options.store, transport.identity ?? transport.kind, scheduler, logger, (error) =>
      this.report.emit({ type: 'store-error', operation: error.operation, error }),
    );
    // A tracking with a telemetry sink swaps in a bool() that counts its reads.
    this.tracking = transport.tracking?.(this.session, options, (dropped) => this.report.emit({ type: 'events-dropped', dropped }), this) ?? untracked(options);
    // The fleet (its link and glue come with the option) decides whether this process runs the engine.
    this.fleet = options.fleet?.attach(this);
    if (options.bootstrap) {
      this.apply(valueResults(options.bootstrap, 'bootstrap', this.report.now()), 'bootstrap');
      this.report.update({ source: 'bootstrap' });
      // A server render's snapshot of this page: ready now, without waiting for the stream's first load.
      if (options.freshBootstrap) this.settleReady();
    }
  }

  get snapshot(): FlagSnapshot {
    return this.liveSnapshot;
  }

  get status(): ClientStatus {
    return this.report.value;
  }

  get context(): EvalContext {
    return ownContext(this.activeContext);
  }

  all(): FlagSnapshot {
    return this.liveSnapshot;
  }

  bool(key: string, def?: boolean): boolean {
    const value = this.liveSnapshot.get(key)?.value;
    return typeof value === 'boolean' ? value : (def ?? this.defaultFor('boolean', key));
  }

  string(key: string, def?: string): string {
    return this.liveSnapshot.string(key, def ?? this.defaultFor('string', key));
  }

  number(key: string, def?: number): number {
    return this.liveSnapshot.number(key, def ?? this.defaultFor('number', key));
  }

  json<T = JsonValue>(key: string, def?: T): T {
    return this.liveSnapshot.json(key, def === undefined ? this.defaultFor<T>('json', key) : def);
  }

  evaluate(key: string): EvalResult {
    return this.liveSnapshot.get(key) ?? missingResult(key, this.defaults[key], this.report.now());
  }

  flag$(key: string): Observable<EvalResult> {
    return this.started(() => (this.closed ? [] : this.fanout.channel$(key)));
  }

  ready(options: { timeoutMs?: number } = {}): Promise<ReadyResult> {
    // A closed client is not ready, whatever it was before (the mock client agrees).
    if (this.closed) return Promise.resolve(this.report.unsettledReady(0));
    this.startEngine();
    return this.readiness.wait(options.timeoutMs ?? this.options.timeoutMs);
  }

  identify(context: EvalContext): Promise<void> {
    const next = ownContext(context);
    return this.runCommand(() => {
      this.activeContext = next;
      this.readiness.retryNow();
      // Settled by the new context's first load (or a later one), whatever happens in between.
      const settled = this.waiters.wait();
      this.report.streamDown();
      this.contexts.next({ context: next, first: false });
      this.startEngine();
      return settled;
    });
  }

  refresh(): Promise<void> {
    return this.runCommand(() => {
      const refused = this.running && this.gate.admit();
      if (refused) return Promise.reject(refused);
      const settled = this.waiters.wait();
      this.startEngine();
      this.engine.request({ trigger: 'refresh' });
      this.fleet?.refresh(); // a follower's refresh is its leader's snapshot
      return settled;
    });
  }

  evaluateFor(key: string, context: EvalContext): Promise<EvalResult> {
    const target = ownContext(context);
    // An evaluation that ends without a result (a custom transport's) rejects typed, not with rxjs's EmptyError.
    const empty = (): Error => new InvalidResponseError(`no result for ${key}`);
    return this.runCommand(() => firstValueFrom(this.session.evaluate(key, target).pipe(throwIfEmpty(empty))));
  }

  snapshotFor(context: EvalContext): Promise<FlagSnapshot> {
    const target = ownContext(context);
    // The cache is a chunk of its own, loaded on the first call: most apps never make one.
    return this.runCommand(() =>
      chunk(import('./engine/snapshot-cache.js'), 'snapshotFor').then(({ SnapshotCache }) =>
        this.runCommand(() => (this.oneOffs ??= new SnapshotCache(this.session, this.options, this.fleet, FlagSnapshot.from, loadedResults, this.report, isTerminal)).get(target)),
      ),
    );
  }

  resetCircuit(): void {
    this.gate.resetCircuit();
    this.readiness.retryNow();
    this.engine.retryNow();
  }

  track(event: TrackEvent): void {
    if (!this.closed) this.tracking.track(event, this.activeContext.userId, this.report.now());
  }

  flush(): Promise<void> {
    return this.runCommand(() => this.tracking.flush());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fleet?.close();
    this.running?.unsubscribe();
    // evaluateFor/snapshotFor in flight fail with ClosedError; the final flush may still send.
    this.gate.cancelInFlight();
    this.tracking.finalFlush(() => {
      this.gate.dispose();
      this.session.close?.();
    });
    this.waiters.rejectAll(new ClosedError());
    this.report.close();
    this.readiness.releaseAll();
    this.fanout.complete();
    this.snapshots.complete();
    this.changeSubject.complete();
    this.oneOffs?.clear();
    this.withStore((link) => void link?.close());
  }

  /** Applies a load's result for `context` (dropped once closed or when another context is active). */
  onLoaded(context: EvalContext, result: LoadResult): void {
    if (this.closed || context !== this.activeContext) return;
    // An unchanged payload (304) is the one the snapshot holds: what it rejected still applies.
    let invalid: InvalidFlag[] | undefined;
    let changed = 0;
    if (result.kind === 'flags') changed = this.apply(result.flags, 'network', context, (invalid = result.invalid ?? []));
    this.networkContext = context;
    this.report.loaded(invalid, changed);
    this.settleReady();
  }

  /** Starts the engine (once): the first subscription or `ready()`/`refresh()`/`identify()` does. */
  private startEngine(): void {
    if (this.running || this.closed || this.gate.terminalError) return;
    if (this.fleet) this.fleet.start();
    else this.runEngine();
  }

  /** `source()` on each subscription, starting the engine first. */
  private started<T>(source: () => ObservableInput<T>): Observable<T> {
    return defer(() => (this.startEngine(), source()));
  }

  /** Runs a command, or rejects it once the client is closed or stopped by a terminal error. */
  private runCommand<T>(run: () => Promise<T>): Promise<T> {
    const stopped = this.closed ? new ClosedError() : this.gate.terminalError;
    return stopped ? Promise.reject(stopped) : run();
  }

  /** Runs the engine, if it is not running. */
  runEngine(): void {
    this.running ??= this.engine.run(this.contexts).subscribe();
  }

  /**
   * A load failed, or a terminal error stopped the client. The context's first failure (none of its
   * loads landed): serve the store's record for this transport and context, else the bootstrap, else
   * nothing (never the last context's values); nothing is served once a load for it landed, the client
   * closed or the context changed meanwhile. A `final` failure (no retry follows) settles `ready()`
   * with what is served.
   */
  fallBack(error: Error, final: boolean): void {
    const context = this.activeContext;
    if (this.storeTriedFor === context || this.networkContext === context) {
      if (final) this.settleReady(error);
      return;
    }
    this.storeTriedFor = context;
    // Another context's values give way now, not once a store answers (its record then replaces them).
    serveOwn(this);
    const serve = (record?: EvalResult[]): void => {
      if (this.closed || this.networkContext === context || context !== this.activeContext) return;
      const values = serveOwn(this, record);
      this.nothingToServe ||= !values;
      if (values || final) this.settleReady(error);
      this.giveUpEarly();
    };
    this.withStore((link) => void (link ? link.restore(context).then(serve) : serve()));
  }

  /**
   * Replaces the snapshot, pushes changes to their keys only, saves network loads that changed
   * something. Entries listed in `invalid` keep their last good value if it is this context's (never
   * another context's), else read as an error (`loadedResults`). Returns the change count.
   */
  apply(results: EvalResult[], source: ValueSource, context = this.activeContext, invalid: InvalidFlag[] = []): number {
    if (this.closed || context !== this.activeContext) return 0;
    // A rejected entry keeps its last good result for this context (marked held), else reads as an error.
    const keep = new Set(invalid.flatMap(({ key }) => (this.heldFor === context && this.liveSnapshot.has(key) && !this.liveSnapshot.get(key)!.errorCode ? [key] : [])));
    this.heldFor = context;
    const { snapshot: next, changes } = FlagSnapshot.next(this.liveSnapshot, loadedResults(results, invalid, this.report.now(), keep), keep.size > 0 ? keep : undefined);
    const firstLoad = !this.loaded;
    this.liveSnapshot = next;
    this.loaded = true;
    if (changes.length > 0 || firstLoad) {
      this.oneOffs?.clear();
      this.snapshots.next(next);
      if (firstLoad) this.fanout.pushAll();
      else for (const change of changes) this.fanout.push(change.key, this.evaluate(change.key));
      for (const change of changes) this.changeSubject.next(change);
    }
    // A changed network snapshot goes to the store (debounced, off the read path) and the fleet, and so
    // does a new context's first, even when it equals the last context's: its scope's record and followers
    // need it (an identify() with an equal context is no new context: nothing to share again).
    if (source === 'network' && (changes.length > 0 || firstLoad || !sameJson(context, this.networkContext))) {
      this.withStore((link) => link?.save(context, next));
      this.fleet?.changed(next.values());
    }
    return changes.length;
  }

  /**
   * Settles `ready()` with where the values come from now (`ok` while that is a source, unless the
   * client stopped for good). Nothing applied yet: the reads are loaded from now on, with the defaults.
   */
  private settleReady(error?: Error, ok?: boolean): void {
    if (this.readiness.settle(error, ok) && !this.loaded) this.apply([], 'default');
  }

  /**
   * With nothing loaded and nothing to fall back on, `ready()`s that would time out before the next
   * load attempt resolve now (see `ReadyLatch.giveUpEarly`). A fleet follower (or a member not yet
   * placed) may still get values from its leader; solo and leader load themselves.
   */
  private giveUpEarly(): void {
    const { role, source } = this.report.value;
    if ((this.fleet && role !== 'solo' && role !== 'leader') || !this.nothingToServe || source !== 'none') return;
    this.readiness.giveUpEarly(this.gate.openForMs, this.gate.circuit === 'open' ? this.gate.lastFailure : undefined);
  }
}
