import type { Subscription } from 'rxjs';
import { ClosedError, messageOf } from '../../errors.js';
import type { TransportSession } from '../../transports/transport.js';
import type { TrackEvent } from '../../types.js';
import type { ResolvedOptions } from '../options.js';
import { trackedEvent } from './tracked-event.js';
import type { BoolRead, CountedClient, Tracking, TrackingFactory } from './tracking-sink.js';
import { EvaluationCounter, EventQueue, resolveTracking, type TrackingOptions } from './tracking.js';

/**
 * The client's tracked events and evaluation telemetry, for transports that have sinks for them.
 * Every post goes through the transport, so through the client's request gate: while the circuit
 * is open, a `Retry-After` runs or after a terminal error, nothing is sent and nothing is lost.
 */
export class ClientTracking implements Tracking {
  readonly #queue: EventQueue | undefined;
  /** Counts `bool()` evaluations; `undefined` when the transport has no telemetry sink. */
  readonly #counter: EvaluationCounter | undefined;
  #warnedNoSink = false;
  readonly #settings: TrackingOptions;
  readonly #options: ResolvedOptions;

  constructor(session: TransportSession, options: ResolvedOptions, onDropped: (count: number) => void, client: CountedClient) {
    this.#options = options;
    const runtime = { scheduler: options.scheduler, logger: options.logger };
    const settings = (this.#settings = resolveTracking(options.tracking));
    if (session.track) {
      this.#queue = new EventQueue((events) => session.track!(events), settings, runtime, onDropped);
    }
    if (session.telemetry && settings.telemetryIntervalMs > 0) {
      const counter = (this.#counter = new EvaluationCounter((report) => session.telemetry!(report), settings, runtime));
      // Counts bool() reads: a counting bool is swapped in, rather than a test on every call.
      const read: BoolRead = client.bool.bind(client);
      client.bool = (key, def) => {
        const value = read(key, def);
        if (client.loaded && client.running) counter.record(key, value);
        return value;
      };
    }
  }

  /** Buffers one event (validated; throws `ConfigError`); dropped with one warning without a sink. */
  track(event: TrackEvent, userId: string | undefined, now: string): void {
    const tracked = trackedEvent(event, userId, now);
    if (this.#queue) {
      this.#queue.add(tracked);
    } else if (!this.#warnedNoSink) {
      this.#warnedNoSink = true;
      this.#options.logger.warn(`the ${this.#options.transport.kind} transport has no events endpoint; track() events are dropped`);
    }
  }

  /** Sends buffered events and counts now. */
  flush(): Promise<void> {
    return Promise.all([this.#queue?.flush(), this.#counter?.flush()]).then(() => undefined);
  }

  /** Stops the timers for good and cancels sends in flight. */
  abort(): void {
    this.#queue?.abort();
    this.#counter?.abort();
  }

  /**
   * One last flush, bounded by `tracking.closeTimeoutMs`, then everything stops; `done` runs once
   * at the end either way.
   */
  finalFlush(done: () => void): void {
    const pending = [this.#queue?.flush(), this.#counter?.flush()].filter((p): p is Promise<void> => p !== undefined);
    let finished = false;
    let bound: Subscription | undefined;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      bound?.unsubscribe();
      this.abort();
      done();
    };
    if (pending.length === 0) {
      finish();
      return;
    }
    bound = this.#options.scheduler.schedule(finish, this.#settings.closeTimeoutMs);
    void Promise.allSettled(pending).then((outcomes) => {
      const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (failure && !finished && !(failure.reason instanceof ClosedError)) {
        this.#options.logger.warn(`final flush on close failed: ${messageOf(failure.reason)}`);
      }
      finish();
    });
  }
}

/** The {@link TrackingFactory} of transports with event or telemetry sinks (Rollgate, the test source). */
export const batchedTracking: TrackingFactory = (session, options, onDropped, client) => new ClientTracking(session, options, onDropped, client);
