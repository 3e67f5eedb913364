import { EMPTY, Observable, takeUntil } from 'rxjs';
import { latestValues } from './latest-values.js';

/**
 * The iteration behind `values()`: the latest values of `source` not `same` as the last one handed
 * out (see `latestValues`) until it completes (the client's `close()`) or `signal` aborts. Loaded on
 * first use, as a chunk of its own (which imports nothing the core has: no shared chunk).
 */
export function valuesIterator<T>(source: Observable<T>, signal: AbortSignal | undefined, same: (a: T, b: T) => boolean): AsyncIterableIterator<T> {
  return latestValues(source.pipe(takeUntil(aborted(signal))), same);
}

/** Emits once `signal` aborts (at once if it already has); never without one. */
function aborted(signal: AbortSignal | undefined): Observable<void> {
  if (!signal) return EMPTY;
  return new Observable<void>((subscriber) => {
    const onAbort = (): void => subscriber.next();
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  });
}
