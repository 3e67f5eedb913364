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
    let running = false;
    let pending: T[] = [];
    let current: Subscription | undefined;

    const start = (batch: T[]): void => {
      running = true;
      const holder = new Subscription();
      current = holder;
      holder.add(
        work(batch, () => pending.splice(0)).subscribe({
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            running = false;
            if (current === holder) current = undefined;
            if (pending.length > 0) {
              const next = pending;
              pending = [];
              start(next);
            }
          },
        }),
      );
    };

    const input = requests.subscribe({
      next: (request) => {
        if (running) pending.push(request);
        else start([request]);
      },
      error: (error: unknown) => subscriber.error(error),
    });
    return () => {
      input.unsubscribe();
      current?.unsubscribe();
    };
  });
}
