import { Observable, type Subscriber } from 'rxjs';

/**
 * Keyed fan-out: one hot, shared observable per key, and a push to one key touches only that
 * key's subscribers. Channels are created on first subscription and dropped with the last one, so
 * subscribe/unsubscribe churn leaves nothing behind.
 */
export class KeyedFanout<T> {
  private readonly channels = new Map<string, Channel<T>>();

  /**
   * @param current the value a new subscriber receives synchronously, or `undefined` to make it wait
   *   for the next push (before the first load).
   */
  constructor(private readonly current: (key: string) => T | undefined) {}

  /** The shared observable of `key`. */
  observe(key: string): Observable<T> {
    return this.channel(key).observable;
  }

  /** Pushes a new value of `key` to its subscribers (if any). */
  push(key: string, value: T): void {
    const channel = this.channels.get(key);
    if (!channel) return;
    for (const subscriber of channel.subscribers) subscriber.next(value);
  }

  /** Pushes the current value of every observed key (e.g. once the first load lands). */
  pushAll(): void {
    for (const key of this.channels.keys()) {
      const value = this.current(key);
      if (value !== undefined) this.push(key, value);
    }
  }

  /** Completes every subscriber. */
  complete(): void {
    for (const channel of this.channels.values()) {
      for (const subscriber of [...channel.subscribers]) subscriber.complete();
    }
    this.channels.clear();
  }

  /** Number of keys with at least one subscriber. */
  get observedKeys(): number {
    return this.channels.size;
  }

  private channel(key: string): Channel<T> {
    let channel = this.channels.get(key);
    if (channel) return channel;
    const created: Channel<T> = {
      subscribers: new Set<Subscriber<T>>(),
      observable: new Observable<T>((subscriber) => {
        // Re-register if the channel was dropped while a caller still held this observable.
        const live = this.channels.get(key) ?? (this.channels.set(key, created), created);
        live.subscribers.add(subscriber);
        const value = this.current(key);
        if (value !== undefined) subscriber.next(value);
        return () => {
          live.subscribers.delete(subscriber);
          if (live.subscribers.size === 0 && this.channels.get(key) === live) this.channels.delete(key);
        };
      }),
    };
    channel = created;
    this.channels.set(key, channel);
    return channel;
  }
}

interface Channel<T> {
  observable: Observable<T>;
  subscribers: Set<Subscriber<T>>;
}
