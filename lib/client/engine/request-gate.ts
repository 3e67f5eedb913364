import type { SchedulerLike, Subscription } from 'rxjs';
import { CircuitOpenError, ClosedError, RateLimitError, isTerminal } from '../../errors.js';
import { defaultCircuitBreaker, isBreakerFailure, type CircuitBreakerOptions } from '../../net/circuit.js';
import type { RequestGate } from '../../transports/gate.js';
import type { CircuitState } from '../../types.js';

/**
 * The client's {@link RequestGate}: the rules every request obeys, in one object (see
 * {@link clientRequestGate}).
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
export interface ClientRequestGate extends RequestGate {
  /** The circuit's state now (`closed` forever without a breaker). */
  readonly circuit: CircuitState;
  /** The last request failure that counted against the breaker (what opened it, when it is open). */
  readonly lastFailure: Error | undefined;
  /** Milliseconds until an open circuit lets a probe through; 0 when it is not open. */
  readonly openForMs: number;
  /** The error that stopped the client for good, if any. */
  readonly terminalError: Error | undefined;
  /**
   * Stops every request for good. Called for terminal HTTP answers (through `record`) and for
   * terminal outcomes a transport decides on after the answer (a wrong project).
   */
  terminate(error: Error): void;
  /** Forces the circuit closed and forgets past failures. */
  resetCircuit(): void;
  /**
   * Cancels every request in flight (they fail with `ClosedError`). Requests sent after this still
   * pass: the client's final flush on `close()` uses that window; `dispose` ends it.
   */
  cancelInFlight(): void;
  /** Cancels what is in flight, refuses everything from now on, and stops the breaker's timer. */
  dispose(): void;
}

/**
 * The client's {@link ClientRequestGate}. `breaker: false`: a circuit that never opens (no count
 * reaches its threshold). `onTerminal` is called once, with the first terminal error; `onCircuit`
 * with each transition of the circuit (none without a breaker).
 */
export function clientRequestGate(
  breaker: CircuitBreakerOptions | false,
  scheduler: SchedulerLike,
  onTerminal: (error: Error) => void,
  onCircuit: (circuit: CircuitState) => void,
): ClientRequestGate {
  const { failureThreshold, windowMs, openMs, halfOpenSuccesses } = breaker || { ...defaultCircuitBreaker, failureThreshold: Infinity };
  let controller = new AbortController();
  let notBefore = 0;
  let terminal: Error | undefined;
  let failure: Error | undefined;
  let closed = false;
  let circuit: CircuitState = 'closed';
  /** Breaker failure times (scheduler clock) within the window. */
  let failures: number[] = [];
  let probes = 0;
  let openedAt = 0;
  let halfOpenTimer: Subscription | undefined;

  /** Moves the circuit to `next` (reported unless it is there), with a fresh count. */
  const move = (next: CircuitState): void => {
    halfOpenTimer?.unsubscribe();
    failures = [];
    probes = 0;
    if (next !== circuit) onCircuit((circuit = next));
  };

  const gate: ClientRequestGate = {
    get signal() {
      return controller.signal;
    },
    get circuit() {
      return circuit;
    },
    get lastFailure() {
      return failure;
    },
    get openForMs() {
      return circuit === 'open' ? Math.max(0, openedAt + openMs - scheduler.now()) : 0;
    },
    get terminalError() {
      return terminal;
    },
    admit() {
      if (closed) return new ClosedError();
      if (terminal) return terminal;
      if (circuit === 'open') return new CircuitOpenError(gate.openForMs, { cause: failure });
      const wait = notBefore - scheduler.now();
      return wait > 0 ? new RateLimitError(wait) : undefined;
    },
    record(outcome) {
      const now = scheduler.now();
      if (!outcome) {
        failures = [];
        if (circuit === 'half-open' && ++probes >= halfOpenSuccesses) move('closed');
        return;
      }
      if (outcome instanceof RateLimitError && outcome.retryAfterMs !== undefined) notBefore = Math.max(notBefore, now + outcome.retryAfterMs);
      if (isTerminal(outcome)) return gate.terminate(outcome);
      if (!isBreakerFailure(outcome)) return;
      failure = outcome;
      if (circuit === 'open') return;
      failures = [...failures.filter((at) => now - at < windowMs), now];
      if (circuit === 'half-open' || failures.length >= failureThreshold) {
        openedAt = now;
        move('open');
        halfOpenTimer = scheduler.schedule(() => move('half-open'), openMs);
      }
    },
    terminate(error) {
      if (terminal || closed) return;
      terminal = error;
      onTerminal(error);
    },
    resetCircuit: () => move('closed'),
    cancelInFlight() {
      controller.abort();
      controller = new AbortController();
    },
    dispose() {
      if (closed) return;
      closed = true;
      controller.abort();
      halfOpenTimer?.unsubscribe();
    },
  };
  return gate;
}
