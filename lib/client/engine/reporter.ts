import { Subject, type Observable, type SchedulerLike } from 'rxjs';
import { CircuitOpenError, ClosedError, RateLimitError, TimeoutError } from '../../errors.js';
import type { InvalidFlag } from '../../transports/transport.js';
import type { CircuitState, ClientEvent, ClientStatus, ReadyResult } from '../../types.js';
import type { MirroredHealth } from '../features/fleet-contract.js';
import { StatusTracker } from './status.js';

/**
 * What the client says about itself: `status$` and `events$`. It keeps the last load failure and
 * the last stream failure apart, so `status.error` shows what still applies: a failed load first,
 * else a stream that is down, else a flag the last payload rejected.
 */
export class ClientReporter {
  readonly #tracker: StatusTracker;
  readonly #events = new Subject<ClientEvent>();
  #loadError: Error | undefined;
  #streamError: Error | undefined;
  /** A fleet follower's readiness is its leader's. */
  #leader: MirroredHealth | undefined;
  #closed = false;
  readonly status$: Observable<ClientStatus>;
  readonly events$: Observable<ClientEvent> = this.#events.asObservable();

  readonly #scheduler: SchedulerLike;

  constructor(scheduler: SchedulerLike) {
    this.#scheduler = scheduler;
    this.#tracker = new StatusTracker(scheduler);
    this.status$ = this.#tracker.status$;
  }

  get status(): ClientStatus {
    return this.#tracker.value;
  }

  /** Merges `patch` into the status (see `StatusTracker.update`). */
  update(patch: Partial<Omit<ClientStatus, 'since'>>): void {
    this.#tracker.update(patch);
  }

  emit(event: ClientEvent): void {
    if (!this.#closed) this.#events.next(event);
  }

  /** The scheduler's time as ISO text. */
  now(): string {
    return new Date(this.#scheduler.now()).toISOString();
  }

  /** A load landed: ready from the network; a rejected flag is what the status error shows. */
  loaded(invalid: readonly InvalidFlag[]): void {
    this.#loadError = invalid[0]?.error;
    this.#tracker.update({ ...this.#readiness(), source: 'network' });
  }

  /**
   * A fleet follower's status follows its leader's health (`undefined`: its own again). Nothing
   * applied yet: a leader in trouble makes it `error`, else it stays `initializing`.
   */
  follow(leader: MirroredHealth | undefined, loaded: boolean): void {
    if (!leader && !this.#leader) return;
    this.#leader = leader;
    if (loaded) this.#tracker.update(this.#readiness());
    else this.#tracker.update(leader && leader.state !== 'ready' ? { state: 'error', error: leader.error } : { state: 'initializing', error: undefined });
  }

  /** The state and error of a process with values: its leader's when it follows one. */
  #readiness(): Pick<ClientStatus, 'state' | 'error'> {
    return this.#leader ? { state: this.#leader.state, error: this.#leader.error } : { state: 'ready', error: this.#loadError ?? this.#streamError };
  }

  /** The events of a landed load: one `error` per rejected flag, then `refreshed`. */
  refreshed(invalid: readonly InvalidFlag[], changed: number): void {
    for (const { error } of invalid) this.emit({ type: 'error', at: this.now(), error });
    this.emit({ type: 'refreshed', at: this.now(), changed });
  }

  /**
   * A load attempt failed. A refusal the gate repeats (open circuit, a `Retry-After` still running)
   * is not another `error` event. The state turns `stale` (values loaded) or `error`, unless the
   * client already stopped for good.
   */
  loadFailed(error: Error, loaded: boolean, stopped: boolean): void {
    const refusal = error instanceof CircuitOpenError || (error instanceof RateLimitError && this.#loadError instanceof RateLimitError);
    if (!refusal) this.emit({ type: 'error', at: this.now(), error });
    if (stopped) return;
    this.#loadError = error;
    this.#tracker.update({ state: loaded ? 'stale' : 'error', error });
  }

  streamConnected(): void {
    this.#streamError = undefined;
    if (this.#tracker.value.streaming) return;
    this.#tracker.update({ streaming: true, error: this.#loadError });
    this.emit({ type: 'stream-connected', at: this.now() });
  }

  streamFailed(error: Error): void {
    this.#streamError = error;
    this.streamDown(error, this.#loadError ?? error);
    this.emit({ type: 'error', at: this.now(), error });
  }

  /**
   * The stream is no longer connected (a failure, a context switch, a hidden page, a fleet
   * follower); `statusError` is what `status.error` shows from now on.
   */
  streamDown(error?: Error, statusError?: Error): void {
    const wasStreaming = this.#tracker.value.streaming;
    this.#tracker.update(statusError ? { streaming: false, error: statusError } : { streaming: false });
    if (!wasStreaming) return;
    this.emit(error ? { type: 'stream-disconnected', at: this.now(), error } : { type: 'stream-disconnected', at: this.now() });
  }

  /** A breaker transition: the status (an open circuit makes the values `stale`) and its event. */
  circuit(circuit: CircuitState, loaded: boolean): void {
    this.#tracker.update(circuit === 'open' ? { circuit, state: loaded ? 'stale' : 'error' } : { circuit });
    const type = circuit === 'open' ? 'circuit-open' : circuit === 'closed' ? 'circuit-closed' : 'circuit-half-open';
    this.emit({ type, at: this.now() });
  }

  /** What reads serve now, for log lines: the last values and where they came from, or the defaults. */
  serving(): string {
    const { source } = this.#tracker.value;
    return source === 'none' ? 'serving defaults (nothing was loaded)' : `serving the last known values (from ${source})`;
  }

  /** What an unsettled `ready()` resolves to when its time runs out, or the client has closed. */
  unsettledReady(timeoutMs: number): ReadyResult {
    const source = this.#tracker.value.source;
    if (this.#closed) return { ok: false, source, error: new ClosedError() };
    return { ok: source !== 'none', source, error: this.#loadError ?? new TimeoutError(timeoutMs, 'ready()') };
  }

  /** The client closed: a last `closed` status, then both streams end. */
  close(): void {
    this.#closed = true;
    this.#tracker.update({ state: 'closed', streaming: false });
    this.#tracker.complete();
    this.#events.complete();
  }
}
