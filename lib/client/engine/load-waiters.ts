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
export class LoadWaiters {
  #started = 0;
  readonly #waiting = new Set<Waiter>();

  /** A promise settled by the next attempt to start, or a later one. */
  wait(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting.add({ after: this.#started, resolve, reject });
    });
  }

  /** An attempt starts now; returns its number, for {@link succeeded} / {@link failed}. */
  start(): number {
    this.#started += 1;
    return this.#started;
  }

  /** Attempt `attempt` (of the current context) succeeded. */
  succeeded(attempt: number): void {
    this.#settle(attempt, (waiter) => waiter.resolve());
  }

  /** Attempt `attempt` (of the current context) failed with `error`. */
  failed(attempt: number, error: Error): void {
    this.#settle(attempt, (waiter) => waiter.reject(error));
  }

  /** Rejects every waiter with `error`. */
  rejectAll(error: Error): void {
    const all = [...this.#waiting];
    this.#waiting.clear();
    for (const waiter of all) waiter.reject(error);
  }

  #settle(attempt: number, how: (waiter: Waiter) => void): void {
    for (const waiter of [...this.#waiting]) {
      if (waiter.after < attempt) {
        this.#waiting.delete(waiter);
        how(waiter);
      }
    }
  }
}

interface Waiter {
  /** Attempts started when the caller asked. */
  after: number;
  resolve(): void;
  reject(error: Error): void;
}
