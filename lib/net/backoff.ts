import { NEVER, defer, race, retry, timer, type MonoTypeOperatorFunction, type Observable, type SchedulerLike } from 'rxjs';
import { CircuitOpenError, RateLimitError, isRetryable } from '../errors.js';

/** The retry policy every transport shares. */
export interface BackoffPolicy {
  /** First delay ceiling, ms (default 1 000). */
  baseMs: number;
  /** Largest delay ceiling, ms (default 30 000). */
  capMs: number;
  /** After this long without a failure the attempt count starts again from zero (default 60 000). */
  healthyMs: number;
  /** Random source in [0, 1), injectable for deterministic tests. */
  random: () => number;
}

export const defaultBackoff: BackoffPolicy = {
  baseMs: 1_000,
  capMs: 30_000,
  healthyMs: 60_000,
  random: Math.random,
};

/** Full-jitter exponential backoff: a uniform delay in [0, min(cap, base·2^attempt)). `attempt` starts at 0. */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(policy.random() * ceiling);
}

export interface RetryHooks {
  /** Called before each wait, with the error and the delay chosen. */
  onRetry?(error: unknown, delayMs: number, attempt: number): void;
  /** An emission during a wait ends the wait and retries at once (e.g. the circuit was reset). */
  retryNow?: Observable<unknown>;
  /** Which errors are retried (default: the retryable ones, per the error classes; terminal ones are not). */
  retryable?(error: unknown): boolean;
  /** Adjusts the chosen delay (e.g. a stream that fell back to polling retries rarely). */
  delayFor?(error: unknown, delayMs: number): number;
}

/**
 * Resubscribes to the source after retryable errors, waiting on `scheduler` for the server's
 * `Retry-After` when it gave one (or the gate's wait left of it), the time until an open circuit
 * lets probes through, else the full-jitter backoff. Terminal and non-retryable errors pass
 * through. The attempt count resets once the source has run `healthyMs` without failing, so a
 * stream that dropped after an hour reconnects quickly.
 */
export function retryWithBackoff<T>(
  policy: BackoffPolicy,
  scheduler: SchedulerLike,
  hooks: RetryHooks = {},
): MonoTypeOperatorFunction<T> {
  const { retryable = isRetryable, delayFor = (_error, ms) => ms, retryNow = NEVER } = hooks;
  return (source) =>
    defer(() => {
      let attempt = 0;
      let startedAt = 0;
      return defer(() => {
        startedAt = scheduler.now();
        return source;
      }).pipe(
        retry({
          delay: (error: unknown) => {
            if (!retryable(error)) throw error;
            if (scheduler.now() - startedAt >= policy.healthyMs) attempt = 0;
            const told = (error instanceof RateLimitError || error instanceof CircuitOpenError) && error.retryAfterMs;
            const delay = delayFor(error, typeof told === 'number' ? told : backoffDelay(attempt, policy));
            hooks.onRetry?.(error, delay, attempt);
            attempt += 1;
            return race(timer(delay, scheduler), retryNow);
          },
        }),
      );
    });
}
