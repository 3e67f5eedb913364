import { EventSource, type FetchLikeResponse } from 'eventsource';
import { Observable } from 'rxjs';
import { NetworkError, TimeoutError } from '../errors.js';
import type { TransportRuntime } from '../transports/transport.js';
import { describeUrl, errorForStatus } from './http.js';

/** One server-sent event. */
export interface SseEvent {
  /** The SSE event name (`message` when the server sent none). */
  event: string;
  data: string;
}

/** What an SSE connection reports: once `open`, then events. */
export type SseSignal = { type: 'open' } | ({ type: 'event' } & SseEvent);

export interface SseOptions {
  url: string;
  /** Request headers (e.g. `Authorization`); `EventSource` in browsers cannot send them, this can. */
  headers?: Record<string, string>;
  /** Named events to listen for besides `message`. */
  events?: readonly string[];
  /**
   * Silence (no bytes at all, heartbeats included) after which the connection counts as dead,
   * ms. 0 disables the watchdog.
   */
  watchdogMs: number;
}

/**
 * One SSE connection as a cold observable, parsed per the SSE spec by `eventsource` (LF/CRLF/CR,
 * multi-line `data`, comments). It does not reconnect by itself: any failure errors the observable
 * with a typed error (HTTP status mapped as for requests; a drop → `NetworkError`; no connection
 * within the request timeout or silence past the watchdog → `TimeoutError`), and the caller decides
 * whether to resubscribe. Unsubscribing closes the socket.
 */
export function sse(runtime: TransportRuntime, options: SseOptions): Observable<SseSignal> {
  return new Observable<SseSignal>((subscriber) => {
    const where = `stream ${describeUrl(options.url)}`;
    let watchdog = runtime.scheduler.schedule(() => fail(new TimeoutError(runtime.timeoutMs, `${where} connect`)), runtime.timeoutMs);
    const armWatchdog = (): void => {
      watchdog.unsubscribe();
      if (options.watchdogMs > 0) {
        watchdog = runtime.scheduler.schedule(
          () => fail(new TimeoutError(options.watchdogMs, `${where} silent; watchdog`)),
          options.watchdogMs,
        );
      }
    };

    const source = new EventSource(options.url, {
      fetch: async (url, init) => {
        const response = await runtime.fetch(String(url), {
          ...init,
          headers: { ...init.headers, ...options.headers },
        } as RequestInit);
        return tapBody(response, () => {
          if (!source || source.readyState === source.OPEN) armWatchdog();
        });
      },
    });

    function fail(error: Error): void {
      source.close();
      watchdog.unsubscribe();
      subscriber.error(error);
    }

    source.addEventListener('open', () => {
      armWatchdog();
      subscriber.next({ type: 'open' });
    });
    const onMessage = (event: MessageEvent): void => {
      subscriber.next({ type: 'event', event: event.type, data: String(event.data) });
    };
    source.addEventListener('message', onMessage);
    for (const name of options.events ?? []) source.addEventListener(name, onMessage);
    source.addEventListener('error', (event) => {
      const code = (event as { code?: number }).code;
      fail(
        code !== undefined && code !== 200
          ? errorForStatus(code, new Headers(), where)
          : new NetworkError(`${where}: ${(event as { message?: string }).message || 'connection lost'}`),
      );
    });

    return () => {
      watchdog.unsubscribe();
      source.close();
    };
  });
}

/** Wraps a response so every chunk read from its body calls `onBytes` (feeds the watchdog). */
function tapBody(response: Response, onBytes: () => void): FetchLikeResponse {
  const body = response.body;
  if (!body) return response;
  return {
    url: response.url,
    status: response.status,
    redirected: response.redirected,
    headers: response.headers,
    body: {
      getReader() {
        const reader = body.getReader();
        return {
          async read() {
            const result = await reader.read();
            if (!result.done) onBytes();
            return result;
          },
          cancel: (reason?: unknown) => reader.cancel(reason),
        };
      },
    },
  };
}
