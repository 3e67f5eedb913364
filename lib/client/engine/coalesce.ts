import { Observable, Subscription } from 'rxjs';

/**
 * Runs `work` for requests one batch at a time: a request that arrives while a batch runs waits,
 * and all that waited run together as one trailing batch. A burst of N requests during a load
 * therefore costs one more load, not N. Work may also `takePending()` when it starts a new attempt
 * (after a backoff wait): requests that arrived before that attempt are served by it and need no
 * trailing batch. Work errors end the output.
 */
export function coalesce<T>(
  requests: Observable<T>,
  work: (batch: T[], takePending: () => T[]) => Observable<unknown>,
): Observable<never> {
  return new Observable<never>((subscriber) => {
    /** The requests waiting for the batch that runs; `undefined` while none runs. */
    let pending: T[] | undefined;
    const current = new Subscription();
    const start = (batch: T[]): void => {
      pending = [];
      current.add(
        work(batch, () => pending?.splice(0) ?? []).subscribe({
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            const next = pending!;
            pending = undefined;
            if (next.length > 0) start(next);
          },
        }),
      );
    };
    current.add(
      requests.subscribe({
        next: (request) => (pending ? pending.push(request) : start([request])),
        error: (error: unknown) => subscriber.error(error),
      }),
    );
    return current;
  });
}
