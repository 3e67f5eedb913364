import { EMPTY, Observable, distinctUntilChanged, map, takeUntil } from 'rxjs';
import { latestValueFrom } from 'rxjs-for-await';
import type { EvalResult, JsonValue } from '../types.js';

/*
 * The typed views of one flag's `flag$` stream, shared by the client and the mock client so both
 * narrow, fall back and drop repeats the same way.
 */

function typed$<T>(flag$: Observable<EvalResult>, pick: (value: JsonValue | undefined) => T, deep = false): Observable<T> {
  const picked = flag$.pipe(map((result) => pick(result.value)));
  return deep ? picked.pipe(distinctUntilChanged((a, b) => JSON.stringify(a) === JSON.stringify(b))) : picked.pipe(distinctUntilChanged());
}

/** The flag's value while it is a boolean, else `fallback`; repeats dropped. */
export function boolValue$(flag$: Observable<EvalResult>, fallback: boolean): Observable<boolean> {
  return typed$(flag$, (value) => (typeof value === 'boolean' ? value : fallback));
}

/** The flag's value while it is a string, else `def`; repeats dropped. */
export function stringValue$(flag$: Observable<EvalResult>, def: string): Observable<string> {
  return typed$(flag$, (value) => (typeof value === 'string' ? value : def));
}

/** The flag's value while it is a number, else `def`; repeats dropped. */
export function numberValue$(flag$: Observable<EvalResult>, def: number): Observable<number> {
  return typed$(flag$, (value) => (typeof value === 'number' ? value : def));
}

/** The flag's value as `T` (`def` while it has none); deep-equal repeats dropped. */
export function jsonValue$<T>(flag$: Observable<EvalResult>, def: T): Observable<T> {
  return typed$(flag$, (value) => (value === undefined ? def : (value as T)), true);
}

/**
 * What `values()` iterates: the latest value of the view that matches `def`'s type (boolean, string,
 * number, else JSON), skipping values a slow consumer missed, until `signal` aborts.
 */
export function latestValues<T extends JsonValue>(flag$: Observable<EvalResult>, def: T, signal?: AbortSignal): AsyncIterable<T> {
  const source = valueOf$(flag$, def).pipe(takeUntil(aborted(signal)));
  return { [Symbol.asyncIterator]: () => latestValueFrom(source) };
}

function valueOf$<T extends JsonValue>(flag$: Observable<EvalResult>, def: T): Observable<T> {
  switch (typeof def) {
    case 'boolean':
      return boolValue$(flag$, def) as Observable<T>;
    case 'string':
      return stringValue$(flag$, def) as Observable<T>;
    case 'number':
      return numberValue$(flag$, def) as Observable<T>;
    default:
      return jsonValue$(flag$, def);
  }
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
