import { BehaviorSubject, Observable, defer, distinctUntilChanged, filter, switchMap, take, type SchedulerLike, type Subscription } from 'rxjs';
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
 * A circuit breaker over requests to one server, shared by every transport through the client.
 *
 * What counts: every request, not every load. The client retries a failing load indefinitely (with
 * full-jitter backoff), so "a failed load" would never be reached; each failed attempt of a load is
 * therefore one failure, and `failureThreshold` failures within `windowMs` open the circuit. While
 * open, {@link guard} fails fast with `CircuitOpenError` and sends nothing. After `openMs` (a timer
 * on the injected scheduler) the circuit is `half-open`: requests pass as probes, any failure opens
 * it again for another `openMs`, and `halfOpenSuccesses` successes in a row close it. A success in
 * `closed` forgets earlier failures. {@link reset} forces it closed.
 */
export class CircuitBreaker {
  readonly #subject = new BehaviorSubject<CircuitState>('closed');
  /** Failure times (scheduler clock) within the window, oldest first. */
  #failures: number[] = [];
  #probes = 0;
  #openedAt = 0;
  #halfOpenTimer: Subscription | undefined;
  /** The current state first, then every transition. */
  readonly state$: Observable<CircuitState> = this.#subject.pipe(distinctUntilChanged());
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
    if (this.state === 'closed') {
      this.#failures = [];
    } else if (this.state === 'half-open') {
      this.#probes += 1;
      if (this.#probes >= this.#options.halfOpenSuccesses) this.#transition('closed');
    }
  }

  /** A request failed in a way that suggests the server is down. */
  recordFailure(): void {
    const now = this.#scheduler.now();
    if (this.state === 'half-open') {
      this.#open(now);
      return;
    }
    if (this.state === 'open') return;
    this.#failures.push(now);
    while (this.#failures.length > 0 && now - this.#failures[0]! >= this.#options.windowMs) this.#failures.shift();
    if (this.#failures.length >= this.#options.failureThreshold) this.#open(now);
  }

  /** Forces the circuit closed and forgets past failures. */
  reset(): void {
    this.#transition('closed');
  }

  /**
   * Runs `source` through the breaker: fails fast with `CircuitOpenError` (carrying the time left)
   * while open, else subscribes and records its first value as a success and its error per
   * {@link isBreakerFailure}.
   */
  guard<T>(source: Observable<T>): Observable<T> {
    return defer(() => {
      if (this.state === 'open') throw new CircuitOpenError(this.remainingMs);
      let answered = false;
      return new Observable<T>((subscriber) =>
        source.subscribe({
          next: (value) => {
            if (!answered) {
              answered = true;
              this.recordSuccess();
            }
            subscriber.next(value);
          },
          error: (error: unknown) => {
            if (isBreakerFailure(error)) this.recordFailure();
            subscriber.error(error);
          },
          complete: () => subscriber.complete(),
        }),
      );
    });
  }

  /** Subscribes to `source` once the circuit is not open (at once if it is not); sends nothing before. */
  whenAllowed<T>(source: Observable<T>): Observable<T> {
    return this.state$.pipe(
      filter((state) => state !== 'open'),
      take(1),
      switchMap(() => source),
    );
  }

  /** Cancels the half-open timer and ends `state$`. */
  dispose(): void {
    this.#halfOpenTimer?.unsubscribe();
    this.#subject.complete();
  }

  #open(now: number): void {
    this.#openedAt = now;
    this.#transition('open');
    this.#halfOpenTimer = this.#scheduler.schedule(() => this.#transition('half-open'), this.#options.openMs);
  }

  #transition(next: CircuitState): void {
    this.#halfOpenTimer?.unsubscribe();
    this.#halfOpenTimer = undefined;
    this.#failures = [];
    this.#probes = 0;
    if (this.#subject.closed) return;
    this.#subject.next(next);
  }
}
