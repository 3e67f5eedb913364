import type { TransportSession } from '../../transports/transport.js';
import type { TrackEvent } from '../../types.js';
import type { ResolvedOptions } from '../options.js';

/** The client's `bool()` read. */
export type BoolRead = (key: string, def?: boolean) => boolean;

/**
 * The client as its telemetry sees it: a tracking with a telemetry sink swaps `bool` for one that
 * counts each value it returns while the client is started and loaded (defaults served before that
 * are not evaluations); a client without telemetry reads with no extra step.
 */
export interface CountedClient {
  bool: BoolRead;
  readonly loaded: boolean;
  readonly running: unknown;
}

/** The client's side of tracked events and evaluation telemetry. */
export interface Tracking {
  /** Buffers one event (validated: throws `ConfigError`). */
  track(event: TrackEvent, userId: string | undefined, now: string): void;
  /** Sends what is buffered now. */
  flush(): Promise<void>;
  /** Stops the timers for good and cancels sends in flight. */
  abort(): void;
  /** One last bounded flush; `done` runs once at the end either way. */
  finalFlush(done: () => void): void;
}

/**
 * Builds the batching for a transport's `track`/`telemetry` sinks. A transport with sinks sets it
 * (`Transport.tracking`), so the batching code is only in bundles of apps that use such a transport.
 */
export type TrackingFactory = (session: TransportSession, options: ResolvedOptions, onDropped: (count: number) => void, client: CountedClient) => Tracking;

/**
 * Tracking for a transport without sinks: events are dropped with one warning, unchecked (checking
 * an event comes with the tracking that sends it, so a Cuttlegate-only app carries none of it).
 */
export function untracked(options: ResolvedOptions): Tracking {
  let warned = false;
  return {
    track() {
      if (warned) return;
      warned = true;
      options.logger.warn(`the ${options.transport.kind} transport has no events endpoint; track() events are dropped`);
    },
    flush: () => Promise.resolve(),
    abort: () => undefined,
    finalFlush: (done) => done(),
  };
}
