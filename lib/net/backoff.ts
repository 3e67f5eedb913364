import { Observable, type MonoTypeOperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { CircuitOpenError, RateLimitError, isRetryable, isTerminal } from '../errors.js';

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

/**
 * The wait before the next attempt: the server's `Retry-After` when it gave one (or the gate's wait
 * left of it), the time until an open circuit lets probes through, else the backoff.
 */
export function retryDelay(error: unknown, attempt: number, policy: BackoffPolicy): number {
  if ((error instanceof RateLimitError || error instanceof CircuitOpenError) && error.retryAfterMs !== undefined) {
    return error.retryAfterMs;
  }
  return backoffDelay(attempt, policy);
}

export interface RetryHooks {
  /** Called before each wait, with the error and the delay chosen. */
  onRetry?(error: unknown, delayMs: number, attempt: number): void;
  /** An emission during a wait ends the wait and retries at once (e.g. the circuit was reset). */
  retryNow?: Observable<unknown>;
  /** Which errors are retried (default: retryable and not terminal, per the error classes). */
  retryable?(error: unknown): boolean;
  /** Adjusts the chosen delay (e.g. a stream that fell back to polling retries rarely). */
  delayFor?(error: unknown, delayMs: number): number;
}

/**
 * Resubscribes to the source after retryable errors, waiting per {@link retryDelay} on `scheduler`.
 * Terminal and non-retryable errors pass through. The attempt count resets once the source has run
 * `healthyMs` without failing, so a stream that dropped after an hour reconnects quickly.
 */
export function retryWithBackoff<T>(
  policy: BackoffPolicy,
  scheduler: SchedulerLike,
  hooks: RetryHooks = {},
): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let attempt = 0;
      let startedAt = scheduler.now();
      let inner: Subscription | undefined;
      let wait: Subscription | undefined;
      let closed = false;
      const cutWait = hooks.retryNow?.subscribe(() => {
        if (!wait || closed) return;
        wait.unsubscribe();
        wait = undefined;
        start();
      });

      const start = (): void => {
        startedAt = scheduler.now();
        inner = source.subscribe({
          next: (value) => subscriber.next(value),
          complete: () => subscriber.complete(),
          error: (error: unknown) => {
            const retry = hooks.retryable ? hooks.retryable(error) : !isTerminal(error) && isRetryable(error);
            if (!retry) {
              subscriber.error(error);
              return;
            }
            if (scheduler.now() - startedAt >= policy.healthyMs) attempt = 0;
            const chosen = retryDelay(error, attempt, policy);
            const delay = hooks.delayFor ? hooks.delayFor(error, chosen) : chosen;
            hooks.onRetry?.(error, delay, attempt);
            attempt += 1;
            wait = scheduler.schedule(() => {
              wait = undefined;
              if (!closed) start();
            }, delay);
          },
        });
      };
      start();
      return () => {
        closed = true;
        inner?.unsubscribe();
        wait?.unsubscribe();
        cutWait?.unsubscribe();
      };
    });
}
