import type { Subscriber, Unsubscribable } from 'rxjs';
import { Observable, defer, distinctUntilChanged, finalize, map, share } from './rx.js';
import type { EvalResult, JsonValue } from '../../types.js';
import { Channel } from './fanout.js';
import { ofType, ownRecord, ownValue, sameJson } from './json-values.js';
import { chunk } from '../../net/chunk.js';

/** The kinds of typed view: a `typeof` result, or any JSON value. */
type ViewKind = 'boolean' | 'string' | 'number' | 'json';

/**
 * The typed views every flag client derives from its `flag$`: `bool$`, `string$`, `number$`,
 * `json$` and `values()`, and the defaults of its synchronous getters. The client and the mock client
 * both extend it, so they narrow, fall back and drop repeats the same way.
 *
 * A read without a default uses the configured one (`defaults` option) when it has the read's type,
 * else `false`, `''`, `0` or `null` (the `…Default(key)` helpers). Typed observables are shared per
 * key and kind: one subscription to `flag$` narrows and de-duplicates for all subscribers, and each
 * subscriber's own default stands in for a value of another kind.
 */
export abstract class FlagViews {
  /** The configured typed fallbacks: a frozen null-prototype copy (own keys only). */
  protected readonly defaults: Readonly<Record<string, JsonValue>>;
  private readonly views = new Map<string, Observable<unknown>>();

  /** @param defaults the configured typed fallbacks (`defaults` option). */
  constructor(defaults: Readonly<Record<string, JsonValue>> | undefined) {
    this.defaults = ownRecord(defaults);
  }

  /** The full result of `key`, per change. */
  abstract flag$(key: string): Observable<EvalResult>;

  bool$(key: string, def?: boolean): Observable<boolean> {
    return this.view('boolean', key, def ?? this.boolDefault(key));
  }

  string$(key: string, def?: string): Observable<string> {
    return this.view('string', key, def ?? this.stringDefault(key));
  }

  number$(key: string, def?: number): Observable<number> {
    return this.view('number', key, def ?? this.numberDefault(key));
  }

  json$<T = JsonValue>(key: string, def?: T): Observable<T> {
    return this.view('json', key, def === undefined ? (this.jsonDefault(key) as T) : def);
  }

  /**
   * The latest value of the view that matches `def`'s type (boolean, string, number, else JSON),
   * skipping values a slow consumer missed but never the newest one (see `latestValues`), until
   * `close()` or the signal aborts. Without `def`, the configured default picks the view and is the
   * fallback (none: any JSON value, else `null`).
   */
  values<T extends JsonValue | object>(key: string, def?: T, options: { signal?: AbortSignal } = {}): AsyncIterable<T> {
    const fallback = (def === undefined ? this.jsonDefault(key) : def) as T;
    const source = this.value$(key, fallback);
    // The iteration is a chunk of its own, loaded on first use: most apps never call values().
    return { [Symbol.asyncIterator]: () => deferred(chunk(import('./values-iterator.js'), 'values()').then(({ valuesIterator }) => valuesIterator(source, options.signal, sameJson))) };
  }

  /** The configured boolean default of `key`, else `false`. */
  protected boolDefault(key: string): boolean {
    return ofType(ownValue(this.defaults, key), 'boolean', false);
  }

  /** The configured string default of `key`, else `''`. */
  protected stringDefault(key: string): string {
    return ofType(ownValue(this.defaults, key), 'string', '');
  }

  /** The configured number default of `key`, else `0`. */
  protected numberDefault(key: string): number {
    return ofType(ownValue(this.defaults, key), 'number', 0);
  }

  /** The configured default of `key` (any JSON value), else `null`. */
  protected jsonDefault(key: string): JsonValue {
    return ownValue(this.defaults, key) ?? null;
  }

  /** The results the shared typed views follow (one subscription per view); `flag$` by default. */
  protected viewSource$(key: string): Observable<EvalResult> {
    return this.flag$(key);
  }

  /** Called once per typed-view subscription (the mock client counts it as a read). */
  protected viewed(key: string): void {
    void key;
  }

  /** The typed view that matches `def`'s type: `bool$`, `string$`, `number$`, else `json$`. */
  value$<T extends JsonValue | object>(key: string, def: T): Observable<T> {
    const type = typeof def;
    return this.view(type === 'boolean' || type === 'string' || type === 'number' ? type : 'json', key, def);
  }

  /**
   * The view of `key` of one kind: one `flag$` subscription, registered by its first subscriber and
   * dropped with its last, narrows the results for every subscriber of the kind, whatever its default
   * (a value of another kind, or none, is {@link NONE}: each subscriber's default stands in).
   */
  private view<T>(kind: ViewKind, key: string, def: T): Observable<T> {
    const id = `${kind}:${key}`;
    const same = kind === 'json' ? sameJson : Object.is;
    const shared: Observable<unknown> =
      this.views.get(id) ??
      this.viewSource$(key).pipe(
        map(({ value }) => (value === undefined || (kind !== 'json' && typeof value !== kind) ? NONE : value)),
        distinctUntilChanged(same),
        finalize(() => this.views.get(id) === shared && this.views.delete(id)),
        share({ connector: () => new Replay() }),
      );
    return defer(() => {
      this.viewed(key);
      let live = this.views.get(id);
      if (!live) this.views.set(id, (live = shared));
      return live;
    }).pipe(
      map((value): T => (value === NONE ? def : (value as T))),
      distinctUntilChanged<T>(same),
    );
  }
}

/** A typed view's value for a result without a value of the view's kind. */
const NONE = Symbol('none');

/**
 * The subject a view's subscribers share: a {@link Channel} (each push reaches each subscriber once,
 * a newer push from inside a callback ends the older one) that gives a new subscriber the last value.
 */
class Replay<T> extends Channel<T> {
  #last: { value: T } | undefined;

  override next(value: T): void {
    this.#last = { value };
    super.next(value);
  }

  error(error: unknown): void {
    this.end((subscriber) => subscriber.error(error));
  }

  complete(): void {
    this.end((subscriber) => subscriber.complete());
  }

  /** Joins `subscriber` until it ends (as a `Subject` does, its teardown is the subscriber's). */
  subscribe(subscriber: Subscriber<T>): Unsubscribable {
    this.add(subscriber);
    subscriber.add(() => this.delete(subscriber));
    if (this.#last) subscriber.next(this.#last.value);
    return subscriber;
  }
}

/**
 * An iterator over the one `loading` resolves to. Calls made before it arrived wait for it, in call
 * order (a failed load rejects them: every call settles); later calls go straight through, so a
 * `return()` takes effect at once, as on the iterator itself. (The waiting calls all run as soon as
 * `loading` settles, before any later call can.)
 */
function deferred<T>(loading: Promise<AsyncIterator<T>>): AsyncIterableIterator<T> {
  let loaded: AsyncIterator<T> | undefined;
  const call = (use: (target: AsyncIterator<T>) => Promise<IteratorResult<T>>): Promise<IteratorResult<T>> =>
    loaded ? use(loaded) : loading.then((target) => use((loaded = target)));
  const iterator: AsyncIterableIterator<T> = {
    next: () => call((target) => target.next()),
    return: () => call((target) => target.return!()),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
