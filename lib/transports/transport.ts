import type { Observable, SchedulerLike } from 'rxjs';
import type { TrackingFactory } from '../client/features/tracking-sink.js';
import type { InvalidResponseError } from '../errors.js';
import type { EvalContext, EvalResult, FetchLike, Logger, TelemetryReport, TrackedEvent } from '../types.js';

/**
 * The one interface between the client and a wire protocol. The client knows nothing of any
 * wire format; a transport knows nothing of snapshots, retries or status.
 *
 * All methods return cold observables: subscribing starts the work, unsubscribing cancels it
 * (aborts the request, closes the stream). Errors are flagstream's typed errors.
 */
export interface Transport {
  /** Protocol name, for logs (`cuttlegate`, `rollgate`, `ofrep`, `test`). */
  readonly kind: string;
  /**
   * Who the flags belong to: the server and whatever selects the environment there (project and
   * environment, or a fingerprint of the API key and headers; never a credential in clear), so two
   * environments never share a record or a lease. Stored records and fleet leases are keyed by it
   * plus the context.
   */
  readonly identity?: string;
  /**
   * How the client batches this transport's `track`/`telemetry` posts; set by transports that have
   * those sinks (`batchedTracking`), so apps on other transports never bundle the batching code.
   */
  readonly tracking?: TrackingFactory;
  /** Binds the transport to the client's runtime (fetch, timeouts, scheduler, logger). */
  connect(runtime: TransportRuntime): TransportSession;
}

/** What the client lends a transport. */
export interface TransportRuntime {
  /** The `fetch` every request goes through. */
  fetch: FetchLike;
  /** Per-request timeout, ms. */
  timeoutMs: number;
  /** The client's logger. */
  logger: Logger;
  /** The client's scheduler (timers, retries; virtual in tests). */
  scheduler: SchedulerLike;
  /** Largest response body accepted, bytes (a bigger one fails with `InvalidResponseError`). */
  maxResponseBytes?: number;
}

/**
 * Why a load was started; transports may use it (Rollgate reads `/v2/flags` after `reconnect`). A load
 * serving several requests carries the strongest: `initial`/`identify`, then `reconnect`, then `stream`.
 */
export type LoadTrigger = 'initial' | 'poll' | 'stream' | 'refresh' | 'identify' | 'reconnect';

/** What the client tells a transport about one bulk load. */
export interface LoadOptions {
  /** Why the load started. */
  trigger: LoadTrigger;
  /** Detail carried by the stream message that caused this load, if any. */
  hint?: StreamMessage;
  /** Send cache validators (ETag) when the protocol has them (default true; off for one-off loads). */
  conditional?: boolean;
  /** This load re-checks a stream event the previous load did not reflect yet. */
  recheck?: boolean;
  /**
   * A one-off for another context (`snapshotFor`): it must change nothing on the server or in the
   * session (no identify, no stored ETag or stream set), so the main context's values stay as they are.
   */
  oneOff?: boolean;
}

/** The outcome of one bulk load. */
export type LoadResult =
  | {
      kind: 'flags';
      flags: EvalResult[];
      /**
       * Entries the decoder rejected (wrong field types…): the client keeps their last good values,
       * marked `stale`, and reports the errors. The rest of the payload is applied.
       */
      invalid?: InvalidFlag[];
    }
  /** The server said nothing changed (ETag / 304). */
  | { kind: 'unchanged' };

/** One flag of a payload that failed validation. */
export interface InvalidFlag {
  /** The flag's key. */
  key: string;
  /** What was wrong with its entry. */
  error: InvalidResponseError;
}

/** What a change stream tells the client. */
export type StreamMessage =
  /** The stream is open (also after every reconnect): the client refetches. */
  | { type: 'connected' }
  /** Something changed; `key` when the server said which. The client refetches, never patches. */
  | { type: 'changed'; key?: string; enabled?: boolean; data?: unknown }
  /**
   * A full state pushed by the server (Rollgate `init`): replaces the snapshot. Keys in `invalid`
   * (entries the last load rejected) keep their held values, as in a load's {@link LoadResult}.
   */
  | { type: 'flags'; flags: EvalResult[]; invalid?: InvalidFlag[] }
  /**
   * Nothing to connect to for now (OFREP: the latest answer announced no event streams): not
   * streaming, and not a failure. The stream stays subscribed; a later `connected` resumes it.
   */
  | { type: 'idle' };

/** A transport bound to a runtime. */
export interface TransportSession {
  /** One bulk evaluation of every flag for `ctx`. Emits once and completes. */
  load(ctx: EvalContext, options: LoadOptions): Observable<LoadResult>;
  /** One remote evaluation of `key` for `ctx` (rejects with `FlagNotFoundError`, …). */
  evaluate(key: string, ctx: EvalContext): Observable<EvalResult>;
  /**
   * The change stream for `ctx`, if the protocol has one. Emits `connected` once open; errors with a
   * typed error when it breaks or falls silent. The client reconnects (with backoff) by resubscribing.
   */
  stream?(ctx: EvalContext): Observable<StreamMessage>;
  /**
   * The stream's address comes from a load's answer (OFREP `eventStreams`): the client loads first and
   * opens the stream after, instead of opening the stream first.
   */
  readonly streamFollowsLoad?: boolean;
  /** Called before the first load and on every context switch (Rollgate posts `identify`). */
  identify?(ctx: EvalContext): Observable<void>;
  /** Posts one batch of tracked events, if the protocol has an events endpoint. Emits once when accepted. */
  track?(events: TrackedEvent[]): Observable<void>;
  /** Posts aggregated boolean-evaluation counts, if the protocol has a telemetry endpoint. Emits once when accepted. */
  telemetry?(report: TelemetryReport): Observable<void>;
  /** Releases anything the session holds (buffers, sockets). Idempotent. */
  close?(): void;
}
