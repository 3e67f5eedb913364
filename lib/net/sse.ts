import { Observable } from 'rxjs';
import { ClosedError, InvalidResponseError, NetworkError, TimeoutError } from '../errors.js';
import { bodyReader, discardBody, type BodyChunk, type BodyReader } from './body.js';
import { describeCause, describeUrl, errorForStatus, type HttpRuntime } from './http.js';
import { DEFAULT_MAX_EVENT_BYTES, SseParser } from './sse-parser.js';

/** One server-sent event. */
export interface SseEvent {
  /** The SSE event name (`message` when the server sent none). */
  event: string;
  data: string;
}

/** What an SSE connection reports: once `open`, then events. */
export type SseSignal = { type: 'open' } | ({ type: 'event' } & SseEvent);

/** Options of one {@link sse} connection. */
export interface SseOptions {
  url: string;
  /** Request headers (e.g. `Authorization`); browser `EventSource` cannot send them, this can. */
  headers?: Record<string, string>;
  /** Named events to report besides `message`; others are ignored. */
  events?: readonly string[];
  /**
   * Silence (no bytes at all, heartbeats included) after which the connection counts as dead,
   * ms. 0 disables the watchdog.
   */
  watchdogMs: number;
  /** Largest line or event accepted, bytes (default 1 MiB); a bigger one fails with `InvalidResponseError`. */
  maxEventBytes?: number;
}

/**
 * One SSE connection as a cold observable: a `GET` through the runtime's `fetch` with
 * `Accept: text/event-stream` and the given headers, its body parsed by {@link SseParser}.
 * It never reconnects by itself and keeps no timer or socket once it ends: any failure errors the
 * observable with a typed error (a non-200 status mapped as for requests, with its headers, so a
 * 429's `Retry-After` is kept; a drop or end of stream → `NetworkError`; no connection within the
 * request timeout or silence past the watchdog → `TimeoutError`; not an event stream, or an event
 * over `maxEventBytes` → `InvalidResponseError`), and the caller decides whether to resubscribe.
 * The server's `retry:` is ignored: the caller runs its own backoff.
 * Unsubscribing closes the socket.
 */
export function sse(runtime: HttpRuntime, options: SseOptions): Observable<SseSignal> {
  return new Observable<SseSignal>((subscriber) => {
    const controller = new AbortController();
    const where = `stream ${describeUrl(options.url)}`;
    const wanted = new Set(['message', ...(options.events ?? [])]);
    let ended = false;
    let watchdog = runtime.scheduler.schedule(() => finish(new TimeoutError(runtime.timeoutMs, `${where} connect`)), runtime.timeoutMs);
    const armWatchdog = (): void => {
      watchdog.unsubscribe();
      if (options.watchdogMs > 0) {
        watchdog = runtime.scheduler.schedule(() => finish(new TimeoutError(options.watchdogMs, `${where} silent; watchdog`)), options.watchdogMs);
      }
    };
    let reader: BodyReader | undefined;
    /** Ends the connection: timers, socket and body reader. */
    const close = (): void => {
      ended = true;
      watchdog.unsubscribe();
      controller.abort();
      void reader?.cancel();
    };
    function finish(error: Error): void {
      if (ended) return;
      close();
      subscriber.error(error);
    }
    /** Why a fetch or read threw (a timer that fired has already ended the connection itself). */
    const broken = (cause: unknown, what: string): Error => new NetworkError(`${where}: ${what}`, { cause });

    const run = async (): Promise<void> => {
      let response: Response;
      try {
        response = await runtime.fetch(options.url, {
          method: 'GET',
          headers: { Accept: 'text/event-stream', 'Cache-Control': 'no-cache', ...options.headers },
          signal: controller.signal,
        });
      } catch (cause) {
        throw broken(cause, describeCause(cause));
      }
      const opened = ended ? new ClosedError() : checkOpen(response, where);
      if (opened) {
        await discardBody(response.body);
        throw opened;
      }
      reader = bodyReader(response.body);
      if (!reader) throw new InvalidResponseError(`${where}: the response body is not a readable stream`);
      armWatchdog();
      subscriber.next({ type: 'open' });
      const parser = new SseParser((event) => {
        if (wanted.has(event.event)) subscriber.next({ type: 'event', event: event.event, data: event.data });
      }, options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES);
      const decoder = new TextDecoder();
      for (;;) {
        let chunk: BodyChunk;
        try {
          chunk = await reader.read();
        } catch (cause) {
          throw broken(cause, 'connection lost');
        }
        if (ended) return;
        if (chunk.done) throw new NetworkError(`${where}: the server ended the stream`);
        armWatchdog();
        try {
          parser.feed(decoder.decode(chunk.value, { stream: true }));
        } catch (error) {
          throw error instanceof InvalidResponseError ? new InvalidResponseError(`${where}: ${error.message}`) : error;
        }
      }
    };

    run().catch((error: Error) => finish(error));
    return close;
  });
}

/** Why a response is not an open event stream, or `undefined` when it is one. */
function checkOpen(response: Response, where: string): Error | undefined {
  if (response.status < 200 || response.status >= 300) return errorForStatus(response.status, response.headers, where);
  if (response.status !== 200) return new InvalidResponseError(`${where}: expected HTTP 200, got ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  if (!/^text\/event-stream\b/i.test(type.trim())) {
    return new InvalidResponseError(`${where}: expected text/event-stream, got ${type || 'no content type'}`);
  }
  if (!response.body) return new InvalidResponseError(`${where}: response has no body`);
  return undefined;
}
