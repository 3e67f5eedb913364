import { Observable, Subscription } from 'rxjs';
import type { EvalResult, JsonValue } from '../../types.js';
import { Channel } from './fanout.js';
import { isFlagNotFound } from './results.js';
import { ofType, ownRecord, ownValue, sameJson } from './json-values.js';
import { chunk } from '../../net/chunk.js';

/** The kinds of typed view: a `typeof` result, or any JSON value. */
type ViewKind = 'boolean' | 'string' | 'number' | 'json';

/** What a typed read of each kind but JSON gives with no default at all. */
const ZERO = { boolean: false, string: '', number: 0 } as const;

/**
 * The typed views every flag client derives from its `flag$`: `bool$`, `string$`, `number$`,
 * `json$` and `values()`, and the defaults of its synchronous getters. The client and the mock client
 * both extend it, so they narrow, fall back and drop repeats the same way.
 *
 * A read without a default uses the configured one (`defaults` option) when it has the read's type,
 * else `false`, `''`, `0` or `null` (`defaultFor(kind, key)`). Typed observables are shared per
 * key, kind and default: one subscription to `flag$` narrows and de-duplicates for all subscribers.
 */
export abstract class FlagViews {
  /** The configured typed fallbacks: a frozen null-prototype copy (own keys only). */
  protected readonly defaults: Readonly<Record<string, JsonValue>>;
  private readonly views = new Map<string, Map<unknown, ViewChannel<unknown>>>();

  /** @param defaults the configured typed fallbacks (`defaults` option). */
  constructor(defaults: Readonly<Record<string, JsonValue>> | undefined) {
    this.defaults = ownRecord(defaults);
  }

  /** The full result of `key`, per change. */
  abstract flag$(key: string): Observable<EvalResult>;

  bool$(key: string, def?: boolean): Observable<boolean> {
    return this.view('boolean', key, def ?? this.defaultFor('boolean', key));
  }

  string$(key: string, def?: string): Observable<string> {
    return this.view('string', key, def ?? this.defaultFor('string', key));
  }

  number$(key: string, def?: number): Observable<number> {
    return this.view('number', key, def ?? this.defaultFor('number', key));
  }

  json$<T = JsonValue>(key: string, def?: T): Observable<T> {
    return this.view('json', key, def === undefined ? this.defaultFor<T>('json', key) : def);
  }

  /**
   * The latest value of the view that matches `def`'s type (boolean, string, number, else JSON),
   * skipping values a slow consumer missed but never the newest one (see `latestValues`), until
   * `close()` or the signal aborts. Without `def`, the configured default picks the view and is the
   * fallback (none: any JSON value, else `null`).
   */
  values<T extends JsonValue | object>(key: string, def?: T, options: { signal?: AbortSignal } = {}): AsyncIterable<T> {
    const fallback = def === undefined ? this.defaultFor<T>('json', key) : def;
    const source = this.value$(key, fallback);
    // The iteration is a chunk of its own, loaded on first use: most apps never call values().
    return { [Symbol.asyncIterator]: () => deferred(chunk(import('./values-iterator.js'), 'values()').then(({ valuesIterator }) => valuesIterator(source, options.signal, sameJson))) };
  }

  /**
   * The default of a read of `kind` that names none: the configured one of `key` when it has that
   * type (any JSON value for `json`), else `false`, `''`, `0` or `null`.
   */
  protected defaultFor<T>(kind: ViewKind, key: string): T {
    const value = ownValue(this.defaults, key);
    return (kind === 'json' ? (value ?? null) : ofType(value, kind, ZERO[kind])) as T;
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
    return this.view(type in ZERO ? (type as keyof typeof ZERO) : 'json', key, def); // (no typeof answer is an Object.prototype key)
  }

  /** The shared view of `key` of one kind with one default; it registers on its first subscription. */
  private view<T>(kind: ViewKind, key: string, def: T): Observable<T> {
    const id = `${kind}:${key}`;
    const found = this.views.get(id)?.get(def);
    if (found) return found.shared$ as Observable<T>;
    const same = kind === 'json' ? sameJson : Object.is;
    const created = new ViewChannel<T>(def);
    created.shared$ = new Observable<T>((subscriber) => {
      this.viewed(key);
      let table = this.views.get(id);
      if (!table) this.views.set(id, (table = new Map()));
      let live = table.get(def) as ViewChannel<T> | undefined;
      if (!live) table.set(def, (live = created));
      const channel = live;
      channel.add(subscriber);
      if (channel.upstream === undefined) {
        // Set before subscribing: a source that completes at once (a closed client) drops it again.
        const upstream = (channel.upstream = new Subscription());
        upstream.add(this.viewSource$(key).subscribe({
          next: (result) => {
            // A missing key reads the caller's default, as the getters do.
            const raw = isFlagNotFound(result) ? undefined : result.value;
            const value = kind === 'json' ? (raw === undefined ? def : (raw as T)) : ofType(raw, kind, def);
            if (channel.has && same(channel.last, value)) return;
            channel.has = true;
            channel.last = value;
            channel.next(value);
          },
          error: (error: unknown) => this.drop(id, def, channel) && channel.end((subscriber) => subscriber.error(error)),
          complete: () => this.drop(id, def, channel) && channel.end((subscriber) => subscriber.complete()),
        }));
      } else if (channel.has) {
        subscriber.next(channel.last);
      }
      return () => {
        channel.delete(subscriber);
        if (channel.size === 0) this.drop(id, def, channel);
      };
    });
    return created.shared$;
  }

  /** Unregisters a view channel and ends its upstream subscription; `true` (for chaining). */
  private drop(id: string, def: unknown, channel: ViewChannel<unknown>): true {
    const table = this.views.get(id);
    if (table?.get(def) === channel) {
      table.delete(def);
      if (table.size === 0) this.views.delete(id);
    }
    const upstream = channel.upstream;
    channel.upstream = undefined;
    channel.has = false;
    upstream?.unsubscribe();
    return true;
  }
}

/** One shared typed view: its subscribers, its `flag$` subscription and the last value it sent. */
class ViewChannel<T> extends Channel<T> {
  upstream: Subscription | undefined;
  has = false;

  constructor(public last: T) {
    super();
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
