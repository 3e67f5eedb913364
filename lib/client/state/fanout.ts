import { Observable, type Subscriber } from 'rxjs';

/**
 * One channel (a key's, or a typed view's): its subscribers and the `observable` that joins them. A
 * push reaches each subscriber once: one that joins during a push (from inside a callback) already
 * got the current value when it subscribed and is skipped, and a push made from inside a callback
 * delivers the newer value to everyone and ends the older push.
 */
export class Channel<T> {
  shared$!: Observable<T>;
  /** Subscriber → the push round it joined in. */
  readonly #joined = new Map<Subscriber<T>, number>();
  #round = 0;

  get size(): number {
    return this.#joined.size;
  }

  add(subscriber: Subscriber<T>): void {
    this.#joined.set(subscriber, this.#round);
  }

  delete(subscriber: Subscriber<T>): void {
    this.#joined.delete(subscriber);
  }

  /** Sends `value` to every subscriber that joined before this push. */
  next(value: T): void {
    const round = (this.#round += 1);
    for (const [subscriber, joined] of this.#joined) {
      if (this.#round !== round) return;
      if (joined !== round) subscriber.next(value);
    }
  }

  /** Forgets every subscriber, then ends each with `end` (`complete()` or `error(…)`). */
  end(end: (subscriber: Subscriber<T>) => void): void {
    const subscribers = [...this.#joined.keys()];
    this.#joined.clear();
    subscribers.forEach(end);
  }
}

/**
 * Keyed fan-out: one hot, shared observable per key, and a push to one key touches only that
 * key's subscribers. A channel is registered by its first subscription and dropped with its last,
 * so subscribe/unsubscribe churn (or an observable that is never subscribed) leaves nothing behind.
 */
export class KeyedFanout<T> {
  readonly #channels = new Map<string, Channel<T>>();

  readonly #current: (key: string) => T | undefined;

  /**
   * @param current the value a new subscriber receives synchronously, or `undefined` to make it wait
   *   for the next push (before the first load).
   */
  constructor(current: (key: string) => T | undefined) {
    this.#current = current;
  }

  /** The shared observable of `key`. */
  channel$(key: string): Observable<T> {
    return (this.#channels.get(key) ?? this.#detached(key)).shared$;
  }

  /** Pushes a new value of `key` to its subscribers (if any). */
  push(key: string, value: T): void {
    this.#channels.get(key)?.next(value);
  }

  /** Pushes the current value of every observed key (e.g. once the first load lands). */
  pushAll(): void {
    for (const key of [...this.#channels.keys()]) {
      const value = this.#current(key);
      if (value !== undefined) this.push(key, value);
    }
  }

  /** Completes every subscriber. */
  complete(): void {
    const channels = [...this.#channels.values()];
    this.#channels.clear();
    for (const channel of channels) channel.end((subscriber) => subscriber.complete());
  }

  /** A channel for `key` that registers itself (or joins the registered one) on subscription. */
  #detached(key: string): Channel<T> {
    const created = new Channel<T>();
    created.shared$ = new Observable<T>((subscriber) => {
      let live = this.#channels.get(key);
      if (!live) this.#channels.set(key, (live = created));
      live.add(subscriber);
      const value = this.#current(key);
      if (value !== undefined) subscriber.next(value);
      const channel = live;
      return () => {
        channel.delete(subscriber);
        if (channel.size === 0 && this.#channels.get(key) === channel) this.#channels.delete(key);
      };
    });
    return created;
  }
}
