import { EMPTY, Observable, distinctUntilChanged, map, takeUntil } from 'rxjs';
import { latestValueFrom } from 'rxjs-for-await';
import type { EvalResult, JsonValue } from '../types.js';

/**
 * The typed views every flag client derives from its `flag$`: `bool$`, `string$`, `number$`,
 * `json$` and `values()`. The client and the mock client both extend it, so they narrow, fall back
 * and drop repeats the same way.
 */
export abstract class FlagViews {
  /** @param defaults the configured typed fallbacks (`defaults` option). */
  constructor(protected readonly defaults: Record<string, JsonValue>) {}

  /** The full result of `key`, per change. */
  abstract flag$(key: string): Observable<EvalResult>;

  bool$(key: string, def?: boolean): Observable<boolean> {
    return boolValue$(this.flag$(key), def ?? this.boolDefault(key));
  }

  string$(key: string, def: string): Observable<string> {
    return typed$(this.flag$(key), (value) => (typeof value === 'string' ? value : def));
  }

  number$(key: string, def: number): Observable<number> {
    return typed$(this.flag$(key), (value) => (typeof value === 'number' ? value : def));
  }

  json$<T = JsonValue>(key: string, def: T): Observable<T> {
    return typed$(this.flag$(key), (value) => (value === undefined ? def : (value as T)), true);
  }

  /**
   * The latest value of the view that matches `def`'s type (boolean, string, number, else JSON),
   * skipping values a slow consumer missed, until `close()` or the signal aborts.
   */
  values<T extends JsonValue>(key: string, def: T, options: { signal?: AbortSignal } = {}): AsyncIterable<T> {
    const source = this.valueOf$(key, def).pipe(takeUntil(aborted(options.signal)));
    return { [Symbol.asyncIterator]: () => latestValueFrom(source) };
  }

  /** The configured boolean default of `key`, else `false`. */
  protected boolDefault(key: string): boolean {
    const value = this.defaults[key];
    return typeof value === 'boolean' ? value : false;
  }

  private valueOf$<T extends JsonValue>(key: string, def: T): Observable<T> {
    switch (typeof def) {
      case 'boolean':
        return this.bool$(key, def) as Observable<T>;
      case 'string':
        return this.string$(key, def) as Observable<T>;
      case 'number':
        return this.number$(key, def) as Observable<T>;
      default:
        return this.json$(key, def);
    }
  }
}

function typed$<T>(flag$: Observable<EvalResult>, pick: (value: JsonValue | undefined) => T, deep = false): Observable<T> {
  const picked = flag$.pipe(map((result) => pick(result.value)));
  return deep ? picked.pipe(distinctUntilChanged((a, b) => JSON.stringify(a) === JSON.stringify(b))) : picked.pipe(distinctUntilChanged());
}

/** The flag's value while it is a boolean, else `fallback`; repeats dropped. */
function boolValue$(flag$: Observable<EvalResult>, fallback: boolean): Observable<boolean> {
  return typed$(flag$, (value) => (typeof value === 'boolean' ? value : fallback));
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
