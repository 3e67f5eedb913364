import type { Observable } from 'rxjs';
import type { EvaluationCount, TelemetryReport, TrackedEvent } from '../../types.js';
import { PeriodicSender, type SenderRuntime } from './periodic-sender.js';
import { ConfigError, messageOf } from '../../errors.js';
import { numberGroup } from '../number-options.js';

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

/** The tracking options used where the client options leave them out. */
export const defaultTracking: TrackingOptions = {
  batchSize: 100,
  flushIntervalMs: 30_000,
  maxQueue: 10_000,
  telemetryIntervalMs: 60_000,
  closeTimeoutMs: 2_000,
};

/**
 * The client's `tracking` option, checked and completed with {@link defaultTracking}. Checked here,
 * with the tracking it configures, so a transport without sinks carries none of it.
 */
export function resolveTracking(option: Partial<TrackingOptions> | undefined): TrackingOptions {
  const resolved = numberGroup('tracking', option, defaultTracking, 1, ['telemetryIntervalMs']);
  for (const field of ['batchSize', 'maxQueue'] as const) {
    if (!Number.isInteger(resolved[field])) throw new ConfigError(`tracking.${field}`, `must be an integer, got ${resolved[field]}`);
  }
  return resolved;
}

/**
 * Buffers tracked events and posts them in batches: when a batch is full, `flushIntervalMs` after
 * the first buffered event, and on `flush()`. A failed post puts its events back at the front; the
 * buffer keeps at most `maxQueue` events, dropping the oldest (logged, and reported through `onDropped`).
 * `flush()` sends everything buffered, batch by batch, and rejects with the first failure.
 */
export class EventQueue extends PeriodicSender<TrackedEvent[]> {
  #queue: TrackedEvent[] = [];
  readonly #options: TrackingOptions;
  readonly #onDropped: (count: number) => void;

  constructor(
    sink: (events: TrackedEvent[]) => Observable<void>,
    options: TrackingOptions,
    runtime: SenderRuntime,
    onDropped: (count: number) => void,
  ) {
    super(sink, runtime, options.flushIntervalMs);
    this.#options = options;
    this.#onDropped = onDropped;
  }

  /** Events waiting to be sent. */
  get size(): number {
    return this.#queue.length;
  }

  /** Buffers one event; sends at once when the batch is full, else makes sure the timer is armed. */
  add(event: TrackedEvent): void {
    this.#queue.push(event);
    this.#trim();
    if (this.#queue.length >= this.#options.batchSize) this.flushInBackground();
    else this.arm();
  }

  protected override async sendBuffered(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#options.batchSize);
        try {
          await this.send(batch);
        } catch (error) {
          this.#queue = batch.concat(this.#queue);
          this.#trim();
          throw error;
        }
      }
    } finally {
      if (this.#queue.length > 0) this.arm();
    }
  }

  protected override failureMessage(error: unknown): string {
    return `tracked events not sent, ${this.#queue.length} kept for the next try: ${messageOf(error)}`;
  }

  #trim(): void {
    const excess = this.#queue.length - this.#options.maxQueue;
    if (excess <= 0) return;
    this.#queue.splice(0, excess);
    this.runtime.logger.warn(`tracked-event buffer full: dropped the ${excess} oldest event(s)`);
    this.#onDropped(excess);
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
 * next report's `periodMs` covers both periods. `flush()` sends nothing when there are no counts.
 */
export class EvaluationCounter extends PeriodicSender<TelemetryReport> {
  #counts = new Map<string, Tally>();
  #periodStart: number;

  constructor(sink: (report: TelemetryReport) => Observable<void>, options: TrackingOptions, runtime: SenderRuntime) {
    super(sink, runtime, options.telemetryIntervalMs);
    this.#periodStart = runtime.scheduler.now();
  }

  /** Counts one boolean evaluation of `key`. */
  record(key: string, value: boolean): void {
    let tally = this.#counts.get(key);
    if (tally === undefined) {
      tally = new Tally();
      this.#counts.set(key, tally);
      this.arm();
    }
    if (value) tally.yes += 1;
    else tally.no += 1;
  }

  protected override async sendBuffered(): Promise<void> {
    if (this.#counts.size === 0) return;
    const counts = this.#counts;
    const now = this.runtime.scheduler.now();
    this.#counts = new Map();
    const evaluations = Object.create(null) as Record<string, EvaluationCount>;
    for (const [key, tally] of counts) evaluations[key] = { total: tally.yes + tally.no, true: tally.yes, false: tally.no };
    try {
      await this.send({ evaluations, periodMs: Math.round(now - this.#periodStart) });
      this.#periodStart = now;
    } catch (error) {
      for (const [key, tally] of counts) {
        const current = this.#counts.get(key);
        if (current) {
          current.yes += tally.yes;
          current.no += tally.no;
        } else {
          this.#counts.set(key, tally);
        }
      }
      this.arm();
      throw error;
    }
  }

  protected override failureMessage(error: unknown): string {
    return `evaluation telemetry not sent, kept for the next try: ${messageOf(error)}`;
  }
}
