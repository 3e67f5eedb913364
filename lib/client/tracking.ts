import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { ConfigError } from '../errors.js';
import type { EvaluationCount, JsonValue, Logger, TelemetryReport, TrackEvent, TrackedEvent } from '../types.js';

/** How tracked events and evaluation telemetry are batched and sent. */
export interface TrackingOptions {
  /** Events per request; a full batch is sent at once (default 100). */
  batchSize: number;
  /** Buffered events are sent at most this long after the first of them, ms (default 30 000). */
  flushIntervalMs: number;
  /** Most events kept while they cannot be sent; the oldest are dropped first (default 10 000). */
  maxQueue: number;
  /** Boolean evaluations are counted and sent every N ms; 0 turns counting off (default 60 000). */
  telemetryIntervalMs: number;
  /** Longest time `close()` spends on its final flush before aborting it, ms (default 2 000). */
  closeTimeoutMs: number;
}

export const defaultTracking: TrackingOptions = {
  batchSize: 100,
  flushIntervalMs: 30_000,
  maxQueue: 10_000,
  telemetryIntervalMs: 60_000,
  closeTimeoutMs: 2_000,
};

/** What the senders need from the client. */
export interface SenderRuntime {
  scheduler: SchedulerLike;
  logger: Logger;
  /** An error when nothing may be sent now (the circuit is open), else `undefined`. */
  blocked(): Error | undefined;
}

/** Sends one payload through a transport sink; remembers the request so `abort()` can cancel it. */
class Sender<T> {
  private readonly inflight = new Set<Subscription>();

  constructor(
    private readonly sink: (payload: T) => Observable<void>,
    private readonly runtime: SenderRuntime,
  ) {}

  send(payload: T): Promise<void> {
    const blocked = this.runtime.blocked();
    if (blocked) return Promise.reject(blocked);
    return new Promise<void>((resolve, reject) => {
      let done = false;
      let subscription: Subscription | undefined;
      const finish = (error?: unknown): void => {
        if (done) return;
        done = true;
        if (subscription) this.inflight.delete(subscription);
        if (error === undefined) resolve();
        else reject(error);
      };
      subscription = this.sink(payload).subscribe({ next: () => finish(), complete: () => finish(), error: finish });
      if (!done) this.inflight.add(subscription);
    });
  }

  /** Cancels every request in flight (their payloads are lost: used only at the close bound). */
  abort(): void {
    for (const subscription of this.inflight) subscription.unsubscribe();
    this.inflight.clear();
  }
}

/**
 * Buffers tracked events and posts them in batches: when a batch is full, `flushIntervalMs` after
 * the first buffered event, and on `flush()`. A failed post puts its events back at the front; the
 * buffer keeps at most `maxQueue` events, dropping the oldest (reported through `onDropped`).
 */
export class EventQueue {
  private queue: TrackedEvent[] = [];
  private chain: Promise<void> = Promise.resolve();
  private timer: Subscription | undefined;
  private stopped = false;
  private readonly sender: Sender<TrackedEvent[]>;

  constructor(
    sink: (events: TrackedEvent[]) => Observable<void>,
    private readonly options: TrackingOptions,
    private readonly runtime: SenderRuntime,
    private readonly onDropped: (count: number) => void,
  ) {
    this.sender = new Sender(sink, runtime);
  }

  /** Events waiting to be sent. */
  get size(): number {
    return this.queue.length;
  }

  add(event: TrackedEvent): void {
    this.queue.push(event);
    this.trim();
    if (this.queue.length >= this.options.batchSize) this.background();
    else this.arm();
  }

  /** Sends everything buffered now, batch by batch; rejects with the first failure (events kept). */
  flush(): Promise<void> {
    const run = this.chain.catch(() => undefined).then(() => this.drain());
    this.chain = run;
    return run;
  }

  /** Stops the timer for good and cancels posts in flight. */
  abort(): void {
    this.stopped = true;
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.sender.abort();
  }

  private async drain(): Promise<void> {
    this.timer?.unsubscribe();
    this.timer = undefined;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.batchSize);
        try {
          await this.sender.send(batch);
        } catch (error) {
          this.queue = batch.concat(this.queue);
          this.trim();
          throw error;
        }
      }
    } finally {
      if (this.queue.length > 0) this.arm();
    }
  }

  private background(): void {
    this.flush().catch((error: unknown) =>
      this.runtime.logger.warn(`tracked events not sent, ${this.queue.length} kept for the next try: ${messageOf(error)}`),
    );
  }

  private arm(): void {
    if (this.timer || this.stopped) return;
    this.timer = this.runtime.scheduler.schedule(() => {
      this.timer = undefined;
      this.background();
    }, this.options.flushIntervalMs);
  }

  private trim(): void {
    const excess = this.queue.length - this.options.maxQueue;
    if (excess <= 0) return;
    this.queue.splice(0, excess);
    this.onDropped(excess);
  }
}

/** Counts of one key; a class so every instance has the same shape. */
class Tally {
  yes = 0;
  no = 0;
}

/**
 * Aggregates boolean evaluations per key and posts them every `telemetryIntervalMs`. `record` is on
 * the `bool()` hot path: one map lookup and one increment; the timer is armed only when a period's
 * first key appears, so an idle client holds no timer. A failed post merges its counts back, and the
 * next report's `periodMs` covers both periods.
 */
export class EvaluationCounter {
  private counts = new Map<string, Tally>();
  private periodStart: number;
  private timer: Subscription | undefined;
  private stopped = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly sender: Sender<TelemetryReport>;

  constructor(
    sink: (report: TelemetryReport) => Observable<void>,
    private readonly options: TrackingOptions,
    private readonly runtime: SenderRuntime,
  ) {
    this.sender = new Sender(sink, runtime);
    this.periodStart = runtime.scheduler.now();
  }

  record(key: string, value: boolean): void {
    let tally = this.counts.get(key);
    if (tally === undefined) {
      tally = new Tally();
      this.counts.set(key, tally);
      if (this.timer === undefined) this.arm();
    }
    if (value) tally.yes += 1;
    else tally.no += 1;
  }

  /** Sends the counts so far (nothing when there are none); rejects on failure (counts kept). */
  flush(): Promise<void> {
    const run = this.chain.catch(() => undefined).then(() => this.send());
    this.chain = run;
    return run;
  }

  /** Stops the timer for good (later records are never sent) and cancels a post in flight. */
  abort(): void {
    this.stopped = true;
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.sender.abort();
  }

  private async send(): Promise<void> {
    this.timer?.unsubscribe();
    this.timer = undefined;
    if (this.counts.size === 0) return;
    const counts = this.counts;
    const now = this.runtime.scheduler.now();
    this.counts = new Map();
    const evaluations = Object.create(null) as Record<string, EvaluationCount>;
    for (const [key, tally] of counts) evaluations[key] = { total: tally.yes + tally.no, true: tally.yes, false: tally.no };
    try {
      await this.sender.send({ evaluations, periodMs: Math.round(now - this.periodStart) });
      this.periodStart = now;
    } catch (error) {
      for (const [key, tally] of counts) {
        const current = this.counts.get(key);
        if (current) {
          current.yes += tally.yes;
          current.no += tally.no;
        } else {
          this.counts.set(key, tally);
        }
      }
      this.arm();
      throw error;
    }
  }

  private arm(): void {
    if (this.timer || this.stopped) return;
    this.timer = this.runtime.scheduler.schedule(() => {
      this.timer = undefined;
      this.flush().catch((error: unknown) => this.runtime.logger.warn(`evaluation telemetry not sent, kept for the next try: ${messageOf(error)}`));
    }, this.options.telemetryIntervalMs);
  }
}

/**
 * Validates a `track()` argument and copies it (metadata deep-copied, so later mutation changes
 * nothing queued). `userId` defaults to the context's. Throws `ConfigError` naming the bad field.
 */
export function trackedEvent(event: TrackEvent, contextUserId: string | undefined, timestamp: string): TrackedEvent {
  if (typeof event !== 'object' || event === null) throw new ConfigError('event', 'must be an object');
  const text = (value: unknown, field: string): string => {
    if (typeof value !== 'string' || value === '') throw new ConfigError(`event.${field}`, 'is required (a non-empty string)');
    return value;
  };
  const tracked: TrackedEvent = {
    flagKey: text(event.flagKey, 'flagKey'),
    eventName: text(event.eventName, 'eventName'),
    userId: text(event.userId ?? contextUserId, 'userId'),
    timestamp,
  };
  if (event.variationId !== undefined) tracked.variationId = text(event.variationId, 'variationId');
  if (event.value !== undefined) {
    if (typeof event.value !== 'number' || !Number.isFinite(event.value)) throw new ConfigError('event.value', 'must be a finite number');
    tracked.value = event.value;
  }
  if (event.metadata !== undefined) {
    const { metadata } = event;
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new ConfigError('event.metadata', 'must be an object');
    }
    try {
      tracked.metadata = JSON.parse(JSON.stringify(metadata)) as Record<string, JsonValue>;
    } catch {
      throw new ConfigError('event.metadata', 'must be JSON-serializable');
    }
  }
  return tracked;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
