import { BehaviorSubject, distinctUntilChanged, type SchedulerLike, type Subscription } from 'rxjs';
import { CircuitOpenError, RateLimitError, isRetryable, isTerminal } from '../errors.js';
import type { CircuitState } from '../types.js';

/** Thresholds of the circuit breaker that wraps every network fetch. */
export interface CircuitBreakerOptions {
  /** Failed requests within `windowMs` that open the circuit (default 5). */
  failureThreshold: number;
  /** Sliding window the failures are counted in, ms (default 60 000). */
  windowMs: number;
  /** How long the circuit stays open before it lets probes through, ms (default 30 000). */
  openMs: number;
  /** Consecutive successful probes in `half-open` that close it again (default 3). */
  halfOpenSuccesses: number;
}

/** The defaults: 5 failures in 60 s open it for 30 s; 3 good probes close it. */
export const defaultCircuitBreaker: CircuitBreakerOptions = {
  failureThreshold: 5,
  windowMs: 60_000,
  openMs: 30_000,
  halfOpenSuccesses: 3,
};

/**
 * Whether an error counts against the breaker: the server is unreachable or unwell (5xx, network
 * errors, timeouts, malformed answers). Auth errors, rejected requests (4xx) and 429s are answers
 * from a working server and count neither way; a 429's `Retry-After` is honoured separately.
 */
export function isBreakerFailure(error: unknown): boolean {
  return !isTerminal(error) && isRetryable(error) && !(error instanceof RateLimitError) && !(error instanceof CircuitOpenError);
}

/**
 * A circuit breaker over requests to one server, shared by every transport through the client's
 * request gate (which refuses requests while it is open).
 *
 * What counts: every request, not every load. The client retries a failing load indefinitely (with
 * full-jitter backoff), so "a failed load" would never be reached; each failed attempt of a load is
 * therefore one failure, and `failureThreshold` failures within `windowMs` open the circuit. After
 * `openMs` (a timer on the injected scheduler) the circuit is `half-open`: requests pass as probes,
 * any failure opens it again for another `openMs`, and `halfOpenSuccesses` successes in a row close
 * it. A success in `closed` forgets earlier failures. {@link reset} forces it closed.
 */
export class CircuitBreaker {
  readonly #subject = new BehaviorSubject<CircuitState>('closed');
  /** Failure times (scheduler clock) within the window. */
  #failures: number[] = [];
  #probes = 0;
  #openedAt = 0;
  #timer: Subscription | undefined;
  /** The current state first, then every transition. */
  readonly state$ = this.#subject.pipe(distinctUntilChanged());
  readonly #options: CircuitBreakerOptions;
  readonly #scheduler: SchedulerLike;

  constructor(options: CircuitBreakerOptions, scheduler: SchedulerLike) {
    this.#options = options;
    this.#scheduler = scheduler;
  }

  get state(): CircuitState {
    return this.#subject.value;
  }

  /** Milliseconds until an open circuit turns half-open; 0 when requests may pass. */
  get remainingMs(): number {
    return this.state === 'open' ? Math.max(0, this.#openedAt + this.#options.openMs - this.#scheduler.now()) : 0;
  }

  /** A response arrived (any answer that is not a breaker failure, 304 included). */
  recordSuccess(): void {
    this.#failures = [];
    if (this.state === 'half-open' && ++this.#probes >= this.#options.halfOpenSuccesses) this.#move('closed');
  }

  /** A request failed in a way that suggests the server is down. */
  recordFailure(): void {
    const { windowMs, failureThreshold, openMs } = this.#options;
    const now = this.#scheduler.now();
    const state = this.state;
    if (state === 'open') return;
    this.#failures = [...this.#failures.filter((at) => now - at < windowMs), now];
    if (state === 'half-open' || this.#failures.length >= failureThreshold) {
      this.#openedAt = now;
      this.#move('open');
      this.#timer = this.#scheduler.schedule(() => this.#move('half-open'), openMs);
    }
  }

  /** Forces the circuit closed and forgets past failures. */
  reset(): void {
    this.#move('closed');
  }

  /** Cancels the half-open timer and ends `state$`. */
  dispose(): void {
    this.#timer?.unsubscribe();
    this.#subject.complete();
  }

  #move(next: CircuitState): void {
    this.#timer?.unsubscribe();
    this.#failures = [];
    this.#probes = 0;
    if (!this.#subject.closed) this.#subject.next(next);
  }
}
