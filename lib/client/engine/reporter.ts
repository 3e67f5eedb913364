import { Subject } from 'rxjs';
import { CircuitOpenError, ClosedError, RateLimitError, TimeoutError } from '../../errors.js';
import type { InvalidFlag } from '../../transports/transport.js';
import type { CircuitState, ClientEvent, ClientStatus, ReadyResult } from '../../types.js';
import type { MirroredHealth } from '../features/fleet-contract.js';
import { StatusTracker } from './status.js';

/** What can make the values less trustworthy: a failed load, a flag a landed load rejected, a stream that is down. */
type Fault = 'load' | 'flag' | 'stream';

/** An event as the client reports it: `at` is the scheduler's time unless given. */
export type EventFields = ClientEvent extends infer E ? (E extends ClientEvent ? Omit<E, 'at'> & { at?: string } : never) : never;

/**
 * What the client says about itself: its status (`status$`) and `events$`. It keeps a failed load, a
 * flag a landed load rejected (kept at its last good value) and a stream that is down apart, so
 * `status.error` is the one that began last of those that still apply; each is repaired on its own (a
 * load that lands, one that takes the flag, a stream that connects).
 */
export class ClientReporter extends StatusTracker {
  readonly #events = new Subject<ClientEvent>();
  /** The faults that still apply, by kind, in the order they began (a `Map` keeps it). */
  readonly #faults = new Map<Fault, Error>();
  /** The health of the leader a fleet follower follows (set by the fleet): its readiness is the leader's. */
  leader: MirroredHealth | undefined;
  readonly events$ = this.#events.asObservable();

  /** Emits an event (nothing once closed). */
  emit(event: EventFields): void {
    this.#events.next({ at: this.now(), ...event } as ClientEvent);
  }

  /**
   * A load landed (`changed` entries changed): ready from the network; it repairs a failed load, and
   * its first rejected flag (if any) is the flag fault. An unchanged payload (no `invalid`: a 304)
   * leaves the flag fault as it is. Then its events: one `error` per rejected flag, then `refreshed`.
   */
  loaded(invalid: readonly InvalidFlag[] | undefined, changed: number): void {
    this.#fault('load');
    if (invalid) this.#fault('flag', invalid[0]?.error);
    this.update({ ...this.readiness(), source: 'network' });
    for (const { error } of invalid ?? []) this.emit({ type: 'error', error });
    this.emit({ type: 'refreshed', changed });
  }

  /** The state and error of a process with values: its leader's when it follows one. */
  readiness(circuit = this.value.circuit): Pick<ClientStatus, 'state' | 'error'> {
    const { leader } = this;
    // A load that landed while the circuit is open (it was sent before) is not followed by any other until it closes.
    return leader ? { state: leader.state, error: leader.error } : { state: circuit === 'open' ? 'stale' : 'ready', error: this.#latest() };
  }

  /**
   * A load attempt failed. A refusal the gate repeats (open circuit, a `Retry-After` still running)
   * is not another `error` event. The state turns `stale` (values served) or `error`, unless the
   * client already stopped for good (`stopped`: the terminal error that stopped it).
   */
  loadFailed(error: Error, stopped: Error | undefined): void {
    if (!(error instanceof CircuitOpenError || (error instanceof RateLimitError && this.#faults.get('load') instanceof RateLimitError))) this.emit({ type: 'error', error });
    if (stopped) return;
    this.update({ state: this.#failing(), error: this.#fault('load', error) });
  }

  /**
   * Records (or, with none, repairs) the fault of a `kind`; returns the most recent fault that still applies.
   * A fault found again before it was repaired (a reconnect refused again) keeps its place: it is not news.
   */
  #fault(kind: Fault, error?: Error): Error | undefined {
    if (error) this.#faults.set(kind, error);
    else this.#faults.delete(kind);
    return this.#latest();
  }

  /** The fault that began last of those that still apply: what `status.error` shows. */
  #latest(): Error | undefined {
    return [...this.#faults.values()].pop();
  }

  /** The state of a client whose loads fail: `stale` while it serves values from a source, else `error`. */
  #failing(): 'stale' | 'error' {
    return this.value.source !== 'none' ? 'stale' : 'error';
  }

  streamConnected(): void {
    const error = this.#fault('stream');
    if (this.value.streaming) return;
    this.update({ streaming: true, error });
    this.emit({ type: 'stream-connected' });
  }

  /**
   * The stream is no longer connected (a context switch, a hidden page, a fleet follower), or it
   * failed with `error`: then that is the stream fault, and an `error` event follows the disconnect.
   */
  streamDown(error?: Error): void {
    const wasStreaming = this.value.streaming;
    this.update(error ? { streaming: false, error: this.#fault('stream', error) } : { streaming: false });
    if (wasStreaming) this.emit(error ? { type: 'stream-disconnected', error } : { type: 'stream-disconnected' });
    if (error) this.emit({ type: 'error', error });
  }

  /**
   * A breaker transition: the status and its event. An open circuit makes the values `stale`; closing
   * it ends a `stale` that only it caused (the network's values, no failed load since): the state is
   * the readiness again, as if the load had landed now.
   */
  circuit(circuit: CircuitState): void {
    const { state, source } = this.value;
    const ownStale = circuit === 'closed' && state === 'stale' && source === 'network' && !this.#faults.has('load');
    this.update({ circuit, ...(circuit === 'open' ? { state: this.#failing() } : ownStale && this.readiness(circuit)) });
    this.emit({ type: `circuit-${circuit}` });
  }

  /** What reads serve now, for log lines: the last values and where they came from, or the defaults. */
  serving(): string {
    const { source } = this.value;
    return source === 'none' ? 'serving defaults (nothing was loaded)' : `serving the last known values (from ${source})`;
  }

  /** What `ready()` resolves to now: where the values come from, `ok` (by default) while that is a source. */
  ready(error?: Error, ok = this.value.source !== 'none'): ReadyResult {
    return { ok, source: this.value.source, error };
  }

  /** What an unsettled `ready()` resolves to when its time runs out, or the client has closed. */
  unsettledReady(timeoutMs: number): ReadyResult {
    return this.value.state === 'closed' ? this.ready(new ClosedError(), false) : this.ready(this.#faults.get('load') ?? new TimeoutError(timeoutMs, 'ready()'));
  }

  /** The client closed: a last `closed` status, then both streams end. */
  close(): void {
    this.update({ state: 'closed', streaming: false });
    this.complete();
    this.#events.complete();
  }
}
