import { Subject } from 'rxjs';
import { CircuitOpenError, ClosedError, RateLimitError, TimeoutError } from '../../errors.js';
import type { InvalidFlag } from '../../transports/transport.js';
import type { CircuitState, ClientEvent, ClientStatus, ReadyResult } from '../../types.js';
import type { MirroredHealth } from '../features/fleet-contract.js';
import { StatusTracker } from './status.js';

/** An event as the client reports it: `at` is the scheduler's time unless given. */
export type EventFields = ClientEvent extends infer E ? (E extends ClientEvent ? Omit<E, 'at'> & { at?: string } : never) : never;

/**
 * What the client says about itself: its status (`status$`) and `events$`. It keeps the last load
 * failure and the last stream failure apart, so `status.error` shows what still applies: a failed
 * load first, else a stream that is down, else a flag the last payload rejected.
 */
export class ClientReporter extends StatusTracker {
  readonly #events = new Subject<ClientEvent>();
  #loadError: Error | undefined;
  #streamError: Error | undefined;
  /** The health of the leader a fleet follower follows (set by the fleet): its readiness is the leader's. */
  leader: MirroredHealth | undefined;
  readonly events$ = this.#events.asObservable();

  /** Emits an event (nothing once closed). */
  emit(event: EventFields): void {
    this.#events.next({ at: this.now(), ...event } as ClientEvent);
  }

  /** A load landed: ready from the network; a rejected flag is what the status error shows. */
  loaded(invalid: readonly InvalidFlag[]): void {
    this.#loadError = invalid[0]?.error;
    this.update({ ...this.readiness(), source: 'network' });
  }

  /** The state and error of a process with values: its leader's when it follows one. */
  readiness(): Pick<ClientStatus, 'state' | 'error'> {
    const { leader } = this;
    return leader ? { state: leader.state, error: leader.error } : { state: 'ready', error: this.#loadError ?? this.#streamError };
  }

  /** The events of a landed load: one `error` per rejected flag, then `refreshed`. */
  refreshed(invalid: readonly InvalidFlag[], changed: number): void {
    for (const { error } of invalid) this.emit({ type: 'error', error });
    this.emit({ type: 'refreshed', changed });
  }

  /**
   * A load attempt failed. A refusal the gate repeats (open circuit, a `Retry-After` still running)
   * is not another `error` event. The state turns `stale` (values served) or `error`, unless the
   * client already stopped for good.
   */
  loadFailed(error: Error, loaded: boolean, stopped: boolean): void {
    if (!(error instanceof CircuitOpenError || (error instanceof RateLimitError && this.#loadError instanceof RateLimitError))) this.emit({ type: 'error', error });
    if (stopped) return;
    this.#loadError = error;
    this.update({ state: this.#failing(loaded), error });
  }

  /** The state of a client whose loads fail: `stale` while it serves values (loaded, from a source), else `error`. */
  #failing(loaded: boolean): 'stale' | 'error' {
    return loaded && this.value.source !== 'none' ? 'stale' : 'error';
  }

  streamConnected(): void {
    this.#streamError = undefined;
    if (this.value.streaming) return;
    this.update({ streaming: true, error: this.#loadError });
    this.emit({ type: 'stream-connected' });
  }

  streamFailed(error: Error): void {
    this.#streamError = error;
    this.streamDown(error, this.#loadError ?? error);
    this.emit({ type: 'error', error });
  }

  /**
   * The stream is no longer connected (a failure, a context switch, a hidden page, a fleet
   * follower); `statusError` is what `status.error` shows from now on.
   */
  streamDown(error?: Error, statusError?: Error): void {
    const wasStreaming = this.value.streaming;
    this.update(statusError ? { streaming: false, error: statusError } : { streaming: false });
    if (wasStreaming) this.emit(error ? { type: 'stream-disconnected', error } : { type: 'stream-disconnected' });
  }

  /** A breaker transition: the status (an open circuit makes the values `stale`) and its event. */
  circuit(circuit: CircuitState, loaded: boolean): void {
    this.update(circuit === 'open' ? { circuit, state: this.#failing(loaded) } : { circuit });
    this.emit({ type: `circuit-${circuit}` });
  }

  /** What reads serve now, for log lines: the last values and where they came from, or the defaults. */
  serving(): string {
    const { source } = this.value;
    return source === 'none' ? 'serving defaults (nothing was loaded)' : `serving the last known values (from ${source})`;
  }

  /** What an unsettled `ready()` resolves to when its time runs out, or the client has closed. */
  unsettledReady(timeoutMs: number): ReadyResult {
    const { source, state } = this.value;
    if (state === 'closed') return { ok: false, source, error: new ClosedError() };
    return { ok: source !== 'none', source, error: this.#loadError ?? new TimeoutError(timeoutMs, 'ready()') };
  }

  /** The client closed: a last `closed` status, then both streams end. */
  close(): void {
    this.update({ state: 'closed', streaming: false });
    this.complete();
    this.#events.complete();
  }
}
