import { BehaviorSubject, Observable, catchError, defer, mergeMap, tap, type SchedulerLike } from 'rxjs';
import { CircuitOpenError, ClosedError, InvalidResponseError, RequestError, ServerError, asError, isTerminal } from '../../errors.js';
import { retryWithBackoff, type BackoffPolicy } from '../../net/backoff.js';
import type { InvalidFlag, LoadOptions, StreamMessage, TransportSession } from '../../transports/transport.js';
import type { EvalContext, EvalResult, Logger } from '../../types.js';

/** Consecutive failures before a stream ever opens, of a kind that says "no stream here" (or none this runtime can read), before falling back. */
export const STREAM_UNSUPPORTED_AFTER = 3;
/** How often a stream that fell back to polling is tried again, ms (± the backoff's jitter). */
export const STREAM_FALLBACK_RETRY_MS = 300_000;

/** What the stream reports to the client. */
export interface StreamHost {
  connected(): void;
  failed(error: Error): void;
  /** The server pushed a full state (Rollgate `init`); `invalid` lists the flags still held. */
  pushed(context: EvalContext, flags: EvalResult[], invalid?: InvalidFlag[]): void;
  /** Something changed on the server (per-context caches are stale). */
  changed(): void;
  /** The stream failed; nothing is connected (the first load need not wait for it). */
  down(): void;
  /** The stream was closed on purpose (the page is hidden, the server announces no stream); no failure. */
  streamPaused(): void;
}

export interface StreamLinkOptions {
  scheduler: SchedulerLike;
  backoff: BackoffPolicy;
  logger: Logger;
  /** Ends any backoff wait at once (`resetCircuit()`). */
  retryNow: Observable<unknown>;
  /** Stops everything for good (a terminal error). */
  terminate(error: Error): void;
}

/**
 * The change stream of one context as load requests: every (re)connect asks for a refetch (no
 * server replays what was missed), every change event asks for one (coalesced by the engine), a
 * pushed state is applied directly. It reconnects with the shared backoff (the gate's `Retry-After`
 * and circuit waits included) and reports each connect and failure.
 *
 * A stream answered with 5xx, a 4xx or an invalid response (not an event stream, or no readable
 * body from a `fetch` that cannot stream) `STREAM_UNSUPPORTED_AFTER` times in a row without ever
 * opening is unavailable: `fallback$` turns true (the engine then polls even with
 * polling off), one warning is logged, and the stream is tried again only every
 * `STREAM_FALLBACK_RETRY_MS`. An open stream ends the fallback. `fallback$` is only ever set to a
 * new value, so each emission is a change.
 */
export function streamLink(
  session: TransportSession,
  context: EvalContext,
  host: StreamHost,
  options: StreamLinkOptions,
  fallback$: BehaviorSubject<boolean>,
): Observable<LoadOptions> {
  let failuresBeforeOpen = 0;
  let warned = false;
  const connect$ = defer(() => {
    let opened = false;
    return session.stream!(context).pipe(
      tap({
        next: (message) => {
          if (message.type !== 'connected') return;
          opened = true;
          failuresBeforeOpen = 0;
          if (fallback$.value) fallback$.next(false);
          host.connected();
        },
        error: (error: unknown) => {
          const failure = asError(error);
          host.down();
          if (failure instanceof ClosedError) return;
          if (!(failure instanceof CircuitOpenError)) host.failed(failure);
          if (opened || !(failure instanceof ServerError || failure instanceof RequestError || failure instanceof InvalidResponseError)) {
            failuresBeforeOpen = 0;
            return;
          }
          failuresBeforeOpen += 1;
          if (failuresBeforeOpen >= STREAM_UNSUPPORTED_AFTER && !fallback$.value) {
            if (!warned) {
              warned = true;
              options.logger.warn(`the server refuses the change stream (${failure.message}); polling, and retrying the stream every few minutes`);
            }
            fallback$.next(true);
          }
        },
      }),
    );
  });
  return connect$.pipe(
    retryWithBackoff<StreamMessage>(options.backoff, options.scheduler, {
      retryNow: options.retryNow,
      retryable: (error) => !isTerminal(error) && !(error instanceof ClosedError),
      delayFor: (_error, delay) =>
        fallback$.value ? Math.max(delay, STREAM_FALLBACK_RETRY_MS / 2 + options.backoff.random() * STREAM_FALLBACK_RETRY_MS) : delay,
    }),
    catchError((error: unknown) => {
      if (isTerminal(error)) options.terminate(error as Error); // an AuthError or ProjectNotFoundError
      return [];
    }),
    mergeMap((message): LoadOptions[] => {
      if (message.type === 'flags') {
        host.pushed(context, message.flags, message.invalid);
        return [];
      }
      if (message.type === 'idle') {
        host.streamPaused();
        return [];
      }
      host.changed();
      return [message.type === 'connected' ? { trigger: 'reconnect' } : { trigger: 'stream', hint: message }];
    }),
  );
}
