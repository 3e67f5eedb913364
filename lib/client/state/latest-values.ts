import type { Observable, Subscription } from 'rxjs';

/** The result that ends an iteration. */
const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/**
 * Latest-value async iteration of `source`, for `for await` worker loops: the first `next()`
 * subscribes; a value that arrives while a `next()` waits answers it; one that arrives while the
 * consumer is busy fills a pending slot that holds only the newest value, handed out by the next
 * `next()` (concurrent `next()` calls wait in turn) (so a busy loop skips what it missed but never the final state). A pending value `same` as
 * the last one handed out is dropped (only distinct values). Completion of `source` (the client's
 * `close()`, an aborted signal) ends the iteration at once, dropping a pending value; an error rejects
 * one `next()`, then the iteration is done. `return()` unsubscribes and settles a waiting `next()`
 * with `done` at once, even when no value ever comes again.
 */
export function latestValues<T>(source: Observable<T>, same: (a: T, b: T) => boolean = Object.is): AsyncIterableIterator<T> {
  let subscription: Subscription | undefined;
  let started = false;
  let finished = false;
  let failure: { error: unknown } | undefined;
  let pending: { value: T } | undefined;
  let last: { value: T } | undefined;
  // One fresh waiter per wait, removed when answered: a value never lands in a wait that is over.
  const waiters: Waiter<T>[] = [];

  const hand = (value: T): IteratorResult<T> => {
    last = { value };
    return { value, done: false };
  };
  const endWaits = (): void => {
    for (const waiter of waiters.splice(0)) waiter.resolve(DONE);
  };
  const finish = (): void => {
    finished = true;
    pending = undefined;
    const current = subscription;
    subscription = undefined;
    current?.unsubscribe();
  };

  const iterator: AsyncIterableIterator<T> = {
    next(): Promise<IteratorResult<T>> {
      if (!started) {
        started = true;
        const subscribed = source.subscribe({
          next: (value) => {
            if (finished) return;
            const waiter = waiters.shift();
            if (waiter) return waiter.resolve(hand(value));
            pending = last !== undefined && same(last.value, value) ? undefined : { value };
          },
          error: (error: unknown) => {
            if (finished) return;
            finish();
            const waiter = waiters.shift();
            if (waiter) waiter.reject(error);
            else failure = { error };
            endWaits();
          },
          complete: () => {
            finish();
            endWaits();
          },
        });
        // A source that ended while subscribing leaves nothing to keep.
        if (finished) subscribed.unsubscribe();
        else subscription = subscribed;
      }
      if (pending) {
        const { value } = pending;
        pending = undefined;
        return Promise.resolve(hand(value));
      }
      if (failure) {
        const { error } = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      if (finished) return Promise.resolve(DONE);
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    return(): Promise<IteratorResult<T>> {
      started = true;
      finish();
      endWaits();
      return Promise.resolve(DONE);
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/** One `next()` that waits for a value. */
interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(error: unknown): void;
}
