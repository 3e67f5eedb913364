/**
 * The promises of `refresh()` and `identify()`, and how each one settles.
 *
 * A caller waits for the first load attempt that starts after its call. Loads are numbered as they
 * start; a waiter registered when `n` attempts had started is settled by the outcome of attempt
 * `n + 1` or any later one: resolved by a success, rejected by a failure (with its typed error).
 * The engine reports outcomes only for the current context, so a context switch needs no special
 * case: the waiters of the old context are settled by the new context's first load, which starts
 * after them. `rejectAll` settles everything at once (terminal error, `close()`).
 *
 * Nothing else holds a waiter, so no interleaving of switches, coalescing, retries or teardown can
 * drop one.
 */
export interface LoadWaiters {
  /** A promise settled by the next attempt to start, or a later one. */
  wait(): Promise<void>;
  /** An attempt starts now; returns its number, for `succeeded` / `failed`. */
  start(): number;
  /** Attempt `attempt` (of the current context) succeeded. */
  succeeded(attempt: number): void;
  /** Attempt `attempt` (of the current context) failed with `error`. */
  failed(attempt: number, error: Error): void;
  /** Rejects every waiter with `error`. */
  rejectAll(error: Error): void;
}

/** An empty {@link LoadWaiters}: no attempt started, nobody waiting. */
export function loadWaiters(): LoadWaiters {
  let started = 0;
  const waiting = new Set<Waiter>();
  /** Settles (and forgets) the waiters whose call came before attempt `attempt` started. */
  const settle = (attempt: number, how: (waiter: Waiter) => void): void => {
    for (const waiter of [...waiting]) {
      if (waiter.after < attempt) {
        waiting.delete(waiter);
        how(waiter);
      }
    }
  };
  return {
    wait: () => new Promise<void>((resolve, reject) => void waiting.add({ after: started, resolve, reject })),
    start: () => (started += 1),
    succeeded: (attempt) => settle(attempt, (waiter) => waiter.resolve()),
    failed: (attempt, error) => settle(attempt, (waiter) => waiter.reject(error)),
    rejectAll: (error) => settle(Infinity, (waiter) => waiter.reject(error)),
  };
}
interface Waiter {
  /** Attempts started when the caller asked. */
  after: number;
  resolve(): void;
  reject(error: Error): void;
}
