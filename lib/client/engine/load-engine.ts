import {
  BehaviorSubject,
  Observable,
  Subject,
  catchError,
  concat,
  defer,
  delay,
  ignoreElements,
  map,
  merge,
  mergeMap,
  repeat,
  startWith,
  switchMap,
  tap,
  timer,
} from 'rxjs';
import { asError, isTerminal } from '../../errors.js';
import { retryWithBackoff } from '../../net/backoff.js';
import type { LoadOptions, LoadResult, LoadTrigger, StreamMessage, TransportSession } from '../../transports/transport.js';
import type { EvalContext, EvalResult } from '../../types.js';
import { coalesce } from './coalesce.js';
import type { LoadWaiters } from './load-waiters.js';
import type { ResolvedOptions } from '../options.js';
import type { ClientRequestGate } from './request-gate.js';
import { streamLink, type StreamHost } from './stream-link.js';
import { streamAllowed$ } from '../features/visibility.js';

/** Delay of the one re-check after a stream event whose state the refetch did not show yet. */
export const RECHECK_DELAY_MS = 250;
/** The poll period of a client whose stream fell back to polling while its own polling is off, ms. */
export const FALLBACK_POLL_MS = 30_000;
/** Polls are spread by ± this fraction of the period, so clients that started together drift apart. */
export const POLL_JITTER = 0.1;

/** What the engine tells the client. */
export interface EngineHost extends Omit<StreamHost, 'down'> {
  /** A load for `context` answered. */
  loaded(context: EvalContext, result: LoadResult): void;
  /**
   * A load attempt failed; `final`: no retry follows (terminal or not retryable), else the next
   * attempt starts in `retryInMs`.
   */
  loadFailed(error: Error, final: boolean, retryInMs?: number): void;
  /** The result the snapshot holds for `key` now (for re-checks). */
  current(key: string): EvalResult | undefined;
}

/** One context to keep current; `first` for the client's initial context. */
export interface ContextSwitch {
  context: EvalContext;
  first: boolean;
}

/** A stream event that named a key and its new on/off state: its load is re-checked once. */
type CheckedHint = Extract<StreamMessage, { type: 'changed' }> & { key: string; enabled: boolean };

/** The engine, as the client drives it (see {@link loadEngine}). */
export interface LoadEngine {
  /** Runs the engine over the context switches (the latest wins) until unsubscribed. */
  run(contexts: Observable<ContextSwitch>): Observable<never>;
  /** Asks for a load now (coalesced with the one in flight). */
  request(options: LoadOptions): void;
  /** Ends every backoff wait at once (the circuit was reset). */
  retryNow(): void;
}

/**
 * Keeps the current context's flags current: the initial load, jittered polls, the change stream,
 * explicit refreshes, re-checks and circuit probes, all as load requests into one coalescing queue
 * (one load in flight, at most one trailing). Each load is retried with the shared backoff; every
 * request it sends passes the client's request gate.
 *
 * Follow one request: `request()` (or a poll tick, a stream event…) → `coalesce` batches it →
 * `load()` starts an attempt (numbered by {@link LoadWaiters}) → success: `host.loaded`, waiters
 * resolved, re-checks and probes queued; failure: `host.loadFailed`, waiters rejected, retry after
 * the backoff (or the gate's wait) unless the error is final.
 */
export function loadEngine(session: TransportSession, options: ResolvedOptions, gate: ClientRequestGate, waiters: LoadWaiters, host: EngineHost): LoadEngine {
  const requests = new Subject<LoadOptions>();
  const retryNow = new Subject<void>();
  const { scheduler, backoff } = options;

  const runContext = ({ context, first }: ContextSwitch): Observable<never> => {
    const streamOn = options.streaming && session.stream !== undefined;
    const firstTrigger: LoadTrigger = first ? 'initial' : 'identify';
    const fallback$ = new BehaviorSubject(false);
    const rechecks = new Subject<LoadOptions>();
    const startNow = new Subject<void>();
    /** The context's identify went through; a load of the context landed. */
    let identified = false;
    let landed = false;
    let initialSent = false;

    // Whatever asks first, the first load of a context is its initial load: identify, then load.
    const asFirst = (request: LoadOptions): LoadOptions => {
      if (initialSent) return request;
      initialSent = true;
      return { ...request, trigger: firstTrigger };
    };
    // (`asFirst` below marks it sent, whichever request comes first.)
    const initialOnce = (): LoadOptions[] => (initialSent ? [] : [{ trigger: firstTrigger }]);
    // With a stream that does not depend on a load, the first load waits (briefly) for it to open,
    // so that one request both readies the client and follows the stream's start. A fresh bootstrap
    // waits for the stream however long it takes (or until it fails: `startNow`).
    const waitForStream = streamOn && !session.streamFollowsLoad;
    const waitLimit$ = first && options.freshBootstrap ? [] : timer(Math.min(1_000, options.timeoutMs), scheduler);
    const initial$ = merge(waitForStream ? waitLimit$ : [0], startNow).pipe(mergeMap(initialOnce));
    // (It opens nothing until subscribed: only with `streamOn`.)
    const link$ = streamLink(session, context, { ...host, down: () => startNow.next() }, { ...options, retryNow, terminate: gate.terminate }, fallback$);
    // A hidden page closes its stream after hiddenCloseMs; visible again, it reconnects and
    // refetches at once, unconditionally. Outside a browser the stream is always allowed, and so it
    // is in a fleet: a leader streams for every member (a tab fleet's visible tabs included).
    const stream$ = streamOn
      ? streamAllowed$(options.fleet ? 0 : options.hiddenCloseMs, scheduler).pipe(
          switchMap((allowed, index) => {
            if (!allowed) {
              host.streamPaused();
              return [];
            }
            return index ? link$.pipe(startWith<LoadOptions>({ trigger: 'reconnect', conditional: false })) : link$;
          }),
        )
      : [];
    // Polls every period ± POLL_JITTER, each period drawn anew.
    const poll$ = fallback$.pipe(
      switchMap((fallback) => {
        // (The resolved interval is 0, off, or at least 1 s.)
        const period = options.pollIntervalMs || (fallback ? FALLBACK_POLL_MS : 0);
        return period > 0
          ? defer(() => timer(period * (1 - POLL_JITTER + 2 * POLL_JITTER * backoff.random()), scheduler)).pipe(
              repeat(),
              map((): LoadOptions => ({ trigger: 'poll' })),
            )
          : [];
      }),
    );

    /**
     * One load for a batch of requests, retried until it lands or fails for good. The context's first
     * load posts its identify first (once it has gone through, retries do not repeat it). Until a load
     * of the context has landed, none is conditional: a 304 to an ETag the session kept from an earlier
     * visit would keep the snapshot, which then holds another context's values.
     */
    const load = (batch: LoadOptions[], takePending: () => LoadOptions[]): Observable<LoadResult> => {
      let attempt = 0;
      let merged: MergedBatch;
      const failed = (error: unknown, final: boolean, retryInMs?: number): void => {
        const failure = asError(error);
        // A terminal outcome the gate did not see as an HTTP status (a wrong project) stops it too.
        if (isTerminal(failure)) gate.terminate(failure);
        host.loadFailed(failure, final, retryInMs);
        waiters.failed(attempt, failure);
      };
      const attempt$ = defer(() => {
        // A retry after a backoff wait also serves the requests that arrived during the wait.
        batch.push(...takePending());
        merged = mergeBatch(batch);
        attempt = waiters.start();
        if (!landed) merged.options.conditional = false;
        const load$ = session.load(context, merged.options);
        // (A batch holding the context's first load carries its trigger: see mergeBatch.)
        return merged.options.trigger !== firstTrigger || identified || !session.identify
          ? load$
          : concat(session.identify(context).pipe(ignoreElements(), tap({ complete: () => (identified = true) })), load$);
      });
      return attempt$.pipe(
        retryWithBackoff<LoadResult>(backoff, scheduler, {
          retryNow,
          onRetry: (error, delayMs) => failed(error, false, delayMs),
        }),
        tap((result) => {
          landed = true;
          host.loaded(context, result);
          waiters.succeeded(attempt);
          // The event may be published before the server commits: if the refetch still shows the
          // old state of a key an event named, look once more shortly after.
          // One re-check covers every such key of the batch.
          const hint = merged.checked.filter((checked) => host.current(checked.key)?.enabled !== checked.enabled).pop();
          if (hint) rechecks.next({ trigger: 'stream', hint, recheck: true });
          // A half-open circuit needs successes to close: keep probing while it is half-open.
          if (gate.circuit === 'half-open') requests.next({ trigger: 'refresh' });
        }),
        catchError((error: unknown) => {
          failed(error, true);
          return [];
        }),
      );
    };

    return coalesce(merge(initial$, requests, poll$, stream$, rechecks.pipe(delay(RECHECK_DELAY_MS, scheduler))).pipe(map(asFirst)), load);
  };

  return {
    run: (contexts) => contexts.pipe(switchMap(runContext)),
    request: (request) => requests.next(request),
    retryNow: () => retryNow.next(),
  };
}

/** The load a batch of requests needs (see {@link mergeBatch}). */
interface MergedBatch {
  options: LoadOptions;
  /** The event hints whose key's state the load should show. */
  checked: CheckedHint[];
}

/** Triggers by strength, strongest first: a batch holding one loads as it (above a poll or a refresh). */
const STRONGEST: readonly LoadTrigger[] = ['initial', 'identify', 'reconnect', 'stream'];

/**
 * The load a batch of requests needs: its trigger is the strongest of its requests' (the context's
 * first load, then a reconnect, then a stream event: a refresh batched with a reconnect is still a
 * reconnect's load); every event hint is kept.
 */
function mergeBatch(batch: readonly LoadOptions[]): MergedBatch {
  const trigger = STRONGEST.find((strong) => batch.some((request) => request.trigger === strong)) ?? batch.at(-1)!.trigger;
  const options: LoadOptions = {
    trigger,
    hint: batch.filter((request) => request.hint?.type === 'changed').pop()?.hint,
    recheck: batch.every((request) => request.recheck),
    conditional: batch.every((request) => request.conditional !== false),
  };
  const checked = batch.flatMap(({ hint, recheck }) =>
    !recheck && hint?.type === 'changed' && hint.key !== undefined && typeof hint.enabled === 'boolean' ? [hint as CheckedHint] : [],
  );
  return { options, checked };
}
