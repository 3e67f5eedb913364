import type { Observable, SchedulerLike } from 'rxjs';
import { CircuitOpenError, ClosedError, RateLimitError, isTerminal } from '../../errors.js';
import { CircuitBreaker, isBreakerFailure, type CircuitBreakerOptions } from '../../net/circuit.js';
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
 */
export class ClientRequestGate implements RequestGate {
  #controller = new AbortController();
  #notBefore = 0;
  #terminal: Error | undefined;
  #failure: Error | undefined;
  #closed = false;
  readonly #breaker: CircuitBreaker;
  readonly #scheduler: SchedulerLike;
  /** Called once, with the first terminal error. */
  readonly #onTerminal: (error: Error) => void;

  /** `breaker: false`: a breaker that never opens. */
  constructor(breaker: CircuitBreakerOptions | false, scheduler: SchedulerLike, onTerminal: (error: Error) => void) {
    this.#scheduler = scheduler;
    this.#onTerminal = onTerminal;
    this.#breaker = new CircuitBreaker(breaker || { failureThreshold: Infinity, windowMs: 0, openMs: 0, halfOpenSuccesses: 1 }, scheduler);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The circuit's state now (`closed` forever without a breaker). */
  get circuit(): CircuitState {
    return this.#breaker.state;
  }

  /** The circuit's state, then every transition (none without a breaker). */
  circuit$(): Observable<CircuitState> {
    return this.#breaker.state$;
  }

  /** The last request failure that counted against the breaker (what opened it, when it is open). */
  get lastFailure(): Error | undefined {
    return this.#failure;
  }

  /** Milliseconds until an open circuit lets a probe through; 0 when it is not open. */
  get openForMs(): number {
    return this.#breaker.remainingMs;
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
    if (!outcome) return this.#breaker.recordSuccess();
    if (outcome instanceof RateLimitError && outcome.retryAfterMs !== undefined) {
      this.#notBefore = Math.max(this.#notBefore, this.#scheduler.now() + outcome.retryAfterMs);
    }
    if (isTerminal(outcome)) this.terminate(outcome);
    else if (isBreakerFailure(outcome)) {
      this.#failure = outcome;
      this.#breaker.recordFailure();
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

  /** Forces the circuit closed. */
  resetCircuit(): void {
    this.#breaker.reset();
  }

  /**
   * Cancels every request in flight (they fail with `ClosedError`). Requests sent after this still
   * pass: the client's final flush on `close()` uses that window; {@link dispose} ends it.
   */
  cancelInFlight(): void {
    this.#controller.abort();
    this.#controller = new AbortController();
  }

  /** Cancels what is in flight and refuses everything from now on. */
  dispose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#controller.abort();
    this.#breaker.dispose();
  }
}
