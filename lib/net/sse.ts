import type { Observable } from 'rxjs';
import { InvalidResponseError, NetworkError } from '../errors.js';
import { describeUrl, errorForStatus, exchange, type Exchange, type HttpRuntime } from './http.js';
import { sseParser } from './sse-parser.js';

/** One server-sent event. */
export interface SseEvent {
  /** The SSE event name (`message` when the server sent none). */
  event: string;
  data: string;
}

/** What an SSE connection reports: once `open`, then events. */
export type SseSignal = { type: 'open' } | ({ type: 'event' } & SseEvent);

/**
 * Names of keepalive events (`ping`, `heartbeat`, `keepalive`, `keep-alive`, as proxies and some servers send):
 * {@link sse} drops them, so no protocol takes one for news. They still feed the watchdog.
 */
const HEARTBEAT_EVENTS = /^(ping|heartbeat|keep-?alive)$/;

/** Options of one {@link sse} connection. */
export interface SseOptions {
  url: string;
  /** Request headers (e.g. `Authorization`); browser `EventSource` cannot send them, this can. */
  headers?: Record<string, string>;
  /**
   * Silence (no bytes at all, heartbeats included) after which the connection counts as dead,
   * ms. 0 disables the watchdog.
   */
  watchdogMs: number;
  /** Largest line or event accepted, bytes (default 1 MiB); a bigger one fails with `InvalidResponseError`. */
  maxEventBytes?: number;
}

/**
 * One SSE connection as a cold observable: a `GET` through the runtime's `fetch` (see
 * {@link exchange}) with `Accept: text/event-stream` and the given headers, its body parsed by
 * {@link sseParser} after a `TextDecoder` (which drops a leading BOM). Every event but a keepalive
 * (`HEARTBEAT_EVENTS`) is reported, whatever its name: each protocol routes on its events' data or names
 * itself (an event it does not know is still news from the server). It never reconnects by itself and keeps no timer or socket once it ends: any
 * failure errors the observable with a typed error (a non-200 status mapped as for requests, with
 * its headers, so a 429's `Retry-After` is kept; a drop or end of stream → `NetworkError`; no
 * connection within the request timeout or silence past the watchdog → `TimeoutError`; not an event
 * stream, no readable body (a `fetch` that cannot stream; before `open`), or an event over
 * `maxEventBytes` → `InvalidResponseError`), and the caller decides whether
 * to resubscribe. The server's `retry:` is ignored: the caller runs its own backoff.
 * Unsubscribing closes the socket.
 */
export function sse(runtime: HttpRuntime, options: SseOptions): Observable<SseSignal> {
  const { url, watchdogMs } = options;
  const where = `stream ${describeUrl(url)}`;
  const init = (): RequestInit => ({ method: 'GET', headers: { Accept: 'text/event-stream', 'Cache-Control': 'no-cache', ...options.headers } });
  const use = async (response: Response, io: Exchange<SseSignal>): Promise<never> => {
    const { status, headers } = response;
    if (!response.ok) throw errorForStatus(status, headers, where);
    if (status !== 200 || !/^\s*text\/event-stream\b/i.test(headers.get('content-type') ?? '')) throw new InvalidResponseError(`${where}: expected HTTP 200 text/event-stream, got ${status} ${headers.get('content-type') || 'no content type'}`);
    // A fetch that cannot stream (a polyfill, React Native) answers without a body: never `open`, never a stream that ended.
    if (!response.body) throw new InvalidResponseError(`${where}: no readable body`);
    const watch = (): void => io.arm(watchdogMs, `${where} silent; watchdog`);
    watch();
    io.next({ type: 'open' });
    const feed = sseParser((event) => HEARTBEAT_EVENTS.test(event.event) || io.next({ type: 'event', ...event }), options.maxEventBytes, where);
    const decoder = new TextDecoder();
    for (let chunk; (chunk = await io.read()); ) {
      watch();
      feed(decoder.decode(chunk, { stream: true }));
    }
    throw new NetworkError(`${where}: ended by the server`);
  };
  return exchange(runtime, url, where, init, use, `${where} connect`);
}
