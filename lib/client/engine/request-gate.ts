import { BehaviorSubject, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { CircuitOpenError, ClosedError, RateLimitError, isTerminal } from '../../errors.js';
import { defaultCircuitBreaker, isBreakerFailure, type CircuitBreakerOptions } from '../../net/circuit.js';
import type { RequestGate } from '../../transports/gate.js';
import type { CircuitState } from '../../types.js';

/**
 * The client's {@link RequestGate}: the rules every request obeys, in one object.
 *
 * - Closed: nothing is sent, and what is in flight is cancelled (`ClosedError`).
 * - Terminal (401/403, a wrong project): nothing is sent ever again; every refusal is that error.
 * - Circuit open: refused with `CircuitOpenError` carrying the time until the probes start, and
 *   the failure that opened it as its `cause`.
 * - `Retry-After`: after a 429 that named a wait, every request is refused with a
 *   `RateLimitError` carrying the wait left, whatever path it comes from.
 *
 * Retry loops read the wait from the refusal (`retryAfterMs`), so a refused load, stream or send
 * comes back exactly when the gate opens.
 *
 * The circuit breaker counts requests, not loads: the client retries a failing load indefinitely,
 * so each failed attempt (a breaker failure, see `isBreakerFailure`) is one failure, and
 * `failureThreshold` failures within `windowMs` open the circuit. After `openMs` (a timer on the
 * scheduler) it is `half-open`: requests pass as probes, any failure opens it again for another
 * `openMs`, and `halfOpenSuccesses` successes in a row close it. A success in `closed` forgets
 * earlier failures.
 */
export class ClientRequestGate implements RequestGate {
  #controller = new AbortController();
  #notBefore = 0;
  #terminal: Error | undefined;
  #failure: Error | undefined;
  #closed = false;
  readonly #circuit = new BehaviorSubject<CircuitState>('closed');
  /** Breaker failure times (scheduler clock) within the window. */
  #failures: number[] = [];
  #probes = 0;
  #openedAt = 0;
  #halfOpenTimer: Subscription | undefined;
  readonly #breaker: CircuitBreakerOptions;
  readonly #scheduler: SchedulerLike;
  /** Called once, with the first terminal error. */
  readonly #onTerminal: (error: Error) => void;

  /** `breaker: false`: a circuit that never opens (no count reaches its threshold). */
  constructor(breaker: CircuitBreakerOptions | false, scheduler: SchedulerLike, onTerminal: (error: Error) => void) {
    this.#breaker = breaker || { ...defaultCircuitBreaker, failureThreshold: Infinity };
    this.#scheduler = scheduler;
    this.#onTerminal = onTerminal;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The circuit's state now (`closed` forever without a breaker). */
  get circuit(): CircuitState {
    return this.#circuit.value;
  }

  /** The circuit's state now, then every transition (none without a breaker). */
  circuit$(): Observable<CircuitState> {
    return this.#circuit.asObservable();
  }

  /** The last request failure that counted against the breaker (what opened it, when it is open). */
  get lastFailure(): Error | undefined {
    return this.#failure;
  }

  /** Milliseconds until an open circuit lets a probe through; 0 when it is not open. */
  get openForMs(): number {
    return this.circuit === 'open' ? Math.max(0, this.#openedAt + this.#breaker.openMs - this.#scheduler.now()) : 0;
  }

  /** The error that stopped the client for good, if any. */
  get terminalError(): Error | undefined {
    return this.#terminal;
  }

  admit(): Error | undefined {
    if (this.#closed) return new ClosedError();
    if (this.#terminal) return this.#terminal;
    if (this.circuit === 'open') return new CircuitOpenError(this.openForMs, { cause: this.#failure });
    const wait = this.#notBefore - this.#scheduler.now();
    if (wait > 0) return new RateLimitError(wait);
    return undefined;
  }

  record(outcome?: Error): void {
    const now = this.#scheduler.now();
    const { failureThreshold, windowMs, openMs, halfOpenSuccesses } = this.#breaker;
    const state = this.circuit;
    if (!outcome) {
      this.#failures = [];
      if (state === 'half-open' && ++this.#probes >= halfOpenSuccesses) this.#move('closed');
      return;
    }
    if (outcome instanceof RateLimitError && outcome.retryAfterMs !== undefined) {
      this.#notBefore = Math.max(this.#notBefore, now + outcome.retryAfterMs);
    }
    if (isTerminal(outcome)) return this.terminate(outcome);
    if (!isBreakerFailure(outcome)) return;
    this.#failure = outcome;
    if (state === 'open') return;
    this.#failures = [...this.#failures.filter((at) => now - at < windowMs), now];
    if (state === 'half-open' || this.#failures.length >= failureThreshold) {
      this.#openedAt = now;
      this.#move('open');
      this.#halfOpenTimer = this.#scheduler.schedule(() => this.#move('half-open'), openMs);
    }
  }

  /**
   * Stops every request for good. Called for terminal HTTP answers (through `record`) and for
   * terminal outcomes a transport decides on after the answer (a wrong project).
   */
  terminate(error: Error): void {
    if (this.#terminal || this.#closed) return;
    this.#terminal = error;
    this.#onTerminal(error);
  }

  /** Forces the circuit closed and forgets past failures. */
  resetCircuit(): void {
    this.#move('closed');
  }

  /**
   * Cancels every request in flight (they fail with `ClosedError`). Requests sent after this still
   * pass: the client's final flush on `close()` uses that window; {@link dispose} ends it.
   */
  cancelInFlight(): void {
    this.#controller.abort();
    this.#controller = new AbortController();
  }

  /** Cancels what is in flight, refuses everything from now on, and ends `circuit$`. */
  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#controller.abort();
    this.#halfOpenTimer?.unsubscribe();
    this.#circuit.complete();
  }

  /** Moves the circuit to `next` (a no-op if it is there, or disposed), with a fresh count. */
  #move(next: CircuitState): void {
    this.#halfOpenTimer?.unsubscribe();
    this.#failures = [];
    this.#probes = 0;
    if (next !== this.circuit) this.#circuit.next(next);
  }
}
