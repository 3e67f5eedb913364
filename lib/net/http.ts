import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import {
  AuthError,
  ClosedError,
  InvalidResponseError,
  NetworkError,
  RateLimitError,
  RequestError,
  ServerError,
  TimeoutError,
} from '../errors.js';
import type { FetchLike } from '../types.js';
import { bodyReader, type BodyReader } from './body.js';
import { describeFetchFailure } from './fetch-failure.js';
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
  /** How errors name this request: method, origin and path (never the query). */
  where: string;
}

/** What a request needs from its caller (a transport's runtime is one). */
export interface HttpRuntime {
  fetch: FetchLike;
  /** Per-request timeout, ms. */
  timeoutMs: number;
  scheduler: SchedulerLike;
  /** Largest response body accepted, bytes. */
  maxResponseBytes?: number;
}

/** Default cap on a response body, bytes (`HttpRuntime.maxResponseBytes` overrides it). */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** What {@link exchange} gives the code that reads a response. */
export interface Exchange<T> {
  /** Emits a value before the end (a stream's signals). */
  next(value: T): void;
  /** (Re)arms the one timer: `ms` from now the exchange fails with `TimeoutError(ms, what)`; 0 disarms it. */
  arm(ms: number, what: string): void;
  /** The next chunk of the body; `undefined` at its end (or for no body). A broken connection → `NetworkError`. */
  read(): Promise<Uint8Array | undefined>;
}

/**
 * One `fetch` as a cold observable: the one path requests and streams share. The runtime's
 * timeout runs on its scheduler (so virtual time works) from the start (`timeoutWhat` names it); no
 * connection → `NetworkError`; `use` judges the response, may emit through the {@link Exchange} and
 * re-arm the timer, and its result is the last value; whatever it throws is the error. When the
 * exchange ends, or its subscriber leaves, the timer stops, the request is aborted and the body
 * released. Error messages name `where` only: never the query string or a header value.
 */
export function exchange<T>(
  runtime: HttpRuntime,
  url: string,
  where: string,
  init: () => RequestInit,
  use: (response: Response, io: Exchange<T>) => Promise<T>,
  timeoutWhat = where,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    const controller = new AbortController();
    let timer: Subscription | undefined;
    let reader: BodyReader | undefined;
    const close = (): void => {
      timer?.unsubscribe();
      controller.abort();
      reader?.cancel().catch(() => undefined);
    };
    const fail = (error: Error): void => {
      close();
      subscriber.error(error);
    };
    const arm = (ms: number, what: string): void => {
      timer?.unsubscribe();
      // Once ended, nothing is armed again: an ended exchange keeps no timer.
      if (ms > 0 && !subscriber.closed) timer = runtime.scheduler.schedule(() => fail(new TimeoutError(ms, what)), ms);
    };
    const read = async (): Promise<Uint8Array | undefined> => {
      try {
        return (await reader?.read())?.value;
      } catch (cause) {
        throw new NetworkError(`${where}: connection lost`, { cause });
      }
    };
    arm(runtime.timeoutMs, timeoutWhat);
    const run = async (): Promise<T> => {
      let response: Response;
      try {
        response = await runtime.fetch(url, { ...init(), signal: controller.signal });
      } catch (cause) {
        throw new NetworkError(`${where}: ${describeFetchFailure(cause)}`, { cause });
      }
      reader = bodyReader(response.body);
      if (subscriber.closed) throw new ClosedError();
      return use(response, { next: (value) => subscriber.next(value), arm, read });
    };
    run().then((value) => {
      close();
      subscriber.next(value);
      subscriber.complete();
    }, fail);
    return close;
  });
}

/**
 * Sends one request through the runtime's `fetch` (see {@link exchange}), with the runtime's timeout,
 * and maps failures to typed errors: 401/403 → `AuthError`, 429 → `RateLimitError` (with
 * `Retry-After`), 5xx → `ServerError`, other 4xx → `RequestError`, a 2xx that is not JSON or a body
 * over `maxResponseBytes` → `InvalidResponseError`, no connection → `NetworkError`, too slow →
 * `TimeoutError`. Unsubscribing aborts the request. (The client's request gate wraps the transport
 * session, so every request made here passes it.)
 */
export function httpJson(runtime: HttpRuntime, request: HttpRequest): Observable<HttpResponse> {
  const { url, json, method = 'GET' } = request;
  const where = `${method} ${describeUrl(url)}`;
  const init = (): RequestInit => ({
    method,
    headers: { Accept: 'application/json', ...request.headers, ...(json !== undefined && { 'Content-Type': 'application/json' }) },
    body: JSON.stringify(json), // undefined when there is no body
  });
  return exchange(runtime, url, where, init, async (response, io) => {
    const { status, headers } = response;
    const maxBytes = runtime.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    // A larger Content-Length is refused before reading; the bytes are counted too (a lying or absent length).
    const tooLarge = (): InvalidResponseError =>
      new InvalidResponseError(`${where}: body over maxResponseBytes (${maxBytes} bytes)`);
    if (Number(headers.get('content-length')) > maxBytes) throw tooLarge();
    const decoder = new TextDecoder();
    let size = 0;
    let text = '';
    for (let chunk; (chunk = await io.read()); text += decoder.decode(chunk, { stream: true })) {
      if ((size += chunk.byteLength) > maxBytes) throw tooLarge();
    }
    text += decoder.decode();

    let body: unknown;
    let invalid = '';
    // A 304 has no body.
    if (text.trim()) {
      if (!/\bjson\b/i.test(headers.get('content-type') ?? '')) invalid = `expected JSON, got ${headers.get('content-type') || 'no content type'}`;
      else {
        try {
          body = JSON.parse(text);
        } catch {
          invalid = 'malformed JSON';
        }
      }
    }
    if (!response.ok && status !== 304 && !request.passStatuses?.includes(status)) {
      throw errorForStatus(status, headers, where, wireErrorCode(body), serverMessage(body));
    }
    // A passed-through error status is the caller's to judge by its code; its body is only detail.
    if (invalid && response.ok) throw new InvalidResponseError(`${where}: ${invalid} (HTTP ${status})`);
    return { status, headers, body, where };
  });
}

/**
 * Maps a non-success status to the typed error every transport shares (`errorCode`: the code the
 * body carried, see {@link wireErrorCode}; `detail`: the server's own explanation of a 401/403,
 * when it gave one). A 429's `Retry-After` is read from `headers`.
 */
export function errorForStatus(status: number, headers: Headers, where: string, errorCode?: string, detail?: string): Error {
  const what = (text: string): string => `${where}: ${text} (HTTP ${status})`;
  if (status === 401 || status === 403) {
    return new AuthError(status, what(status === 401 ? 'authentication failed' : 'access denied') + (detail ? `: ${detail}` : ''), errorCode);
  }
  if (status === 429) return new RateLimitError(parseRetryAfter(headers.get('retry-after')), errorCode);
  if (status >= 500) return new ServerError(status, what('server error'), errorCode);
  return new RequestError(status, what('request rejected'), errorCode);
}

/** The fields an error body may carry, on any wire; anything may be missing or of another type. */
type ErrorBody = { errorCode?: unknown; error?: { code?: unknown }; message?: unknown } | null | undefined;

/**
 * The error code an error body carries, whichever wire it came from: OFREP's `{errorCode}`,
 * Cuttlegate's and Rollgate's `{error: "code"}`, Rollgate's `{error: {code}}`: the first of them that
 * is a plain token (letters, digits, `_`, `-`, `.`, at most 64: a body's free text never becomes
 * one); `undefined` when there is none.
 */
export function wireErrorCode(body: unknown): string | undefined {
  const b = body as ErrorBody;
  return [b?.errorCode, b?.error, b?.error?.code].find((value): value is string => typeof value === 'string' && /^[\w.-]{1,64}$/.test(value));
}

/** The `message` of an error body, minus a leading restatement of the status ("access denied: …"), at most 200 characters. */
function serverMessage(body: unknown): string | undefined {
  const message = (body as ErrorBody)?.message;
  const detail = typeof message === 'string' ? message.replace(/^(access denied|authentication required)(:\s*|$)/i, '').trim() : '';
  return detail.length > 200 ? `${detail.slice(0, 200)}…` : detail || undefined;
}

/** Origin and path of a URL, without query or fragment (they may carry a token). */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.origin + parsed.pathname;
  } catch {
    return '(invalid URL)';
  }
}
