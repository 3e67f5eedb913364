import { Observable } from 'rxjs';
import {
  AuthError,
  InvalidResponseError,
  NetworkError,
  RateLimitError,
  RequestError,
  ServerError,
  TimeoutError,
} from '../errors.js';
import type { TransportRuntime } from '../transports/transport.js';
import { parseRetryAfter } from './retry-after.js';

/** One HTTP request with a JSON body (or none). */
export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST' | 'PATCH';
  headers?: Record<string, string>;
  /** Serialized as JSON when present. */
  json?: unknown;
  /** Statuses (besides 2xx and 304) handed back to the caller instead of being mapped to errors. */
  passStatuses?: readonly number[];
}

/** A response the caller asked for: 2xx, 304, or one of `passStatuses`. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body; `undefined` for an empty body or a 304. */
  body: unknown;
}

/**
 * Sends one request through the runtime's `fetch`, with the runtime's timeout (on its scheduler,
 * so virtual time works), and maps failures to typed errors: 401/403 → `AuthError`, 429 →
 * `RateLimitError` (with `Retry-After`), 5xx → `ServerError`, other 4xx → `RequestError`, a 2xx that
 * is not JSON → `InvalidResponseError`, no connection → `NetworkError`, too slow → `TimeoutError`.
 * Error messages name the method and path only: never the query string or a header value.
 * Unsubscribing aborts the request.
 */
export function httpJson(runtime: TransportRuntime, request: HttpRequest): Observable<HttpResponse> {
  return new Observable<HttpResponse>((subscriber) => {
    const controller = new AbortController();
    let timedOut = false;
    const timer = runtime.scheduler.schedule(() => {
      timedOut = true;
      controller.abort();
    }, runtime.timeoutMs);
    const method = request.method ?? 'GET';
    const where = `${method} ${describeUrl(request.url)}`;
    const headers: Record<string, string> = { Accept: 'application/json', ...request.headers };
    if (request.json !== undefined) headers['Content-Type'] = 'application/json';

    const run = async (): Promise<HttpResponse> => {
      let response: Response;
      try {
        response = await runtime.fetch(request.url, {
          method,
          headers,
          body: request.json === undefined ? undefined : JSON.stringify(request.json),
          signal: controller.signal,
        });
      } catch (cause) {
        throw timedOut
          ? new TimeoutError(runtime.timeoutMs, where)
          : new NetworkError(`${where}: ${describeCause(cause)}`, { cause });
      }
      let text: string;
      try {
        text = await response.text();
      } catch (cause) {
        throw timedOut
          ? new TimeoutError(runtime.timeoutMs, where)
          : new NetworkError(`${where}: response body broke off`, { cause });
      }
      return interpret(response, text, request, where);
    };

    run().then(
      (value) => {
        timer.unsubscribe();
        subscriber.next(value);
        subscriber.complete();
      },
      (error) => {
        timer.unsubscribe();
        subscriber.error(error);
      },
    );
    return () => {
      timer.unsubscribe();
      controller.abort();
    };
  });
}

function interpret(response: Response, text: string, request: HttpRequest, where: string): HttpResponse {
  const { status, headers } = response;
  if (status === 304) return { status, headers, body: undefined };
  const passed = request.passStatuses?.includes(status) ?? false;
  if (!passed && (status < 200 || status >= 300)) throw errorForStatus(status, headers, where);
  if (text.trim() === '') return { status, headers, body: undefined };
  const type = headers.get('content-type') ?? '';
  if (!/\bjson\b/i.test(type)) {
    throw new InvalidResponseError(`${where}: expected JSON, got ${type || 'no content type'} (HTTP ${status})`);
  }
  try {
    return { status, headers, body: JSON.parse(text) };
  } catch {
    throw new InvalidResponseError(`${where}: malformed JSON (HTTP ${status})`);
  }
}

/** Maps a non-success status to the typed error every transport shares. */
export function errorForStatus(status: number, headers: Headers, where: string): Error {
  if (status === 401 || status === 403) return new AuthError(status, `${where}: ${status === 401 ? 'authentication failed' : 'access denied'} (HTTP ${status})`);
  if (status === 429) return new RateLimitError(parseRetryAfter(headers.get('retry-after'), Date.now()));
  if (status >= 500) return new ServerError(status, `${where}: server error (HTTP ${status})`);
  return new RequestError(status, `${where}: request rejected (HTTP ${status})`);
}

/** Origin and path of a URL, without query or fragment (they may carry a token). */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function describeCause(cause: unknown): string {
  const inner = (cause as { cause?: { code?: string; message?: string } })?.cause;
  if (inner?.code) return `connection failed (${inner.code})`;
  return cause instanceof Error ? cause.message : 'connection failed';
}
