import { EMPTY, Observable, catchError, concat, concatMap, defer, distinctUntilChanged, filter, merge, of, switchMap, throwError } from 'rxjs';
import { AuthError, RequestError } from '../../errors.js';
import { sse } from '../../net/sse.js';
import { redact } from '../redact.js';
import type { StreamMessage, TransportRuntime } from '../transport.js';
import { parseStreamEvent, type RefetchHint } from './wire.js';

/** What the change stream needs besides the runtime. */
export interface ChangeStreamOptions {
  /** Headers for a stream URL (the configured ones only on the base URL's origin). */
  headersFor(url: string): Record<string, string>;
  watchdogMs: number;
}

/**
 * The change stream over the event-stream sets a context's loads advertise (`undefined` until the
 * first load says). It follows the latest answer for as long as it is subscribed: a set connects to
 * every URL of it and emits one `connected` once all are open; a load repeating the same set keeps
 * the connections, a different set replaces them, and an empty one closes them and emits `idle`
 * (no stream, no failure) until a later answer announces streams again. Each `refetchEvaluation`
 * becomes `changed` with the event's `etag`/`lastModified` as `data` (the same version announced by
 * several streams in a row counts once). Any connection failing errors the whole stream; the client
 * resubscribes with backoff.
 */
export function changeStream(
  runtime: TransportRuntime,
  sets: Observable<readonly string[] | undefined>,
  options: ChangeStreamOptions,
): Observable<StreamMessage> {
  return sets.pipe(
    filter((set): set is readonly string[] => set !== undefined),
    distinctUntilChanged(sameSet),
    switchMap((set) => (set.length === 0 ? of<StreamMessage>({ type: 'idle' }) : connections(runtime, set, options))),
    distinctUntilChanged(sameAnnouncement),
  );
}

/**
 * Several streams announcing the same configuration version (`etag`) one after the other are one
 * change, not several: only the first is passed on. A `connected` in between starts afresh.
 */
function sameAnnouncement(previous: StreamMessage, next: StreamMessage): boolean {
  if (previous.type !== 'changed' || next.type !== 'changed') return false;
  const etag = (next.data as RefetchHint).etag;
  return etag !== undefined && etag === (previous.data as RefetchHint).etag;
}

/** Every stream of a set at once; one `connected` when all of them are open, so opening N costs one refetch. */
function connections(runtime: TransportRuntime, set: readonly string[], options: ChangeStreamOptions): Observable<StreamMessage> {
  return defer(() => {
    let opened = 0;
    return merge(...set.map((url) => connection(runtime, url, options))).pipe(
      filter((message) => message.type !== 'connected' || ++opened === set.length),
    );
  });
}

/**
 * One SSE connection, its frames routed on `data.type` (the SSE event name is not looked at; `sse` has
 * dropped named keepalives such as `event: keepalive` / `data: ping` already, so they log nothing). A URL
 * sent none of the configured headers (another origin's) authenticates with its own token, which the
 * server may rotate: its 401/403 asks for a refetch (the answer brings the URLs to use) and fails the
 * stream with a `RequestError` the client reconnects from, not with the `AuthError` that stops it.
 */
function connection(runtime: TransportRuntime, url: string, options: ChangeStreamOptions): Observable<StreamMessage> {
  const { logger } = runtime;
  // The URL may carry a credential in its path or its query: it shows as its origin only.
  const { origin, pathname, search } = new URL(url);
  const secrets = [url, pathname + search, pathname, search].filter((part) => part.length > 1);
  const headers = options.headersFor(url);
  const ownToken = !Object.keys(headers).length;
  return sse(runtime, { url, headers, watchdogMs: options.watchdogMs }).pipe(
    concatMap((signal): Observable<StreamMessage> => {
      if (signal.type === 'open') return of({ type: 'connected' });
      const event = parseStreamEvent(signal.data);
      if (event.type === 'refetchEvaluation') return of({ type: 'changed', data: event.hint });
      if (event.type === 'unparsable') {
        logger.warn(`ofrep: ignored a stream event from ${origin} whose data is not a JSON event`);
      } else {
        logger.warn(`ofrep: ignored a stream event of unknown type ${JSON.stringify(event.name.slice(0, 40))} from ${origin}`);
      }
      return EMPTY;
    }),
    catchError((error: unknown) =>
      ownToken && error instanceof AuthError
        ? concat(of<StreamMessage>({ type: 'changed', data: {} }), throwError(() => new RequestError(error.statusCode, `ofrep: stream ${origin} refused its URL`)))
        : throwError(() => redact(error, secrets)),
    ),
  );
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((url) => b.includes(url));
}
