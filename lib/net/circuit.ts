import { CircuitOpenError, RateLimitError, isRetryable } from '../errors.js';

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
  // Terminal errors (auth, a wrong project) are not retryable.
  return isRetryable(error) && !(error instanceof RateLimitError) && !(error instanceof CircuitOpenError);
}
