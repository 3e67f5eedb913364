import { Observable, type SchedulerLike } from 'rxjs';
import {
  AuthError,
  InvalidResponseError,
  NetworkError,
  RateLimitError,
  RequestError,
  ServerError,
  TimeoutError,
} from '../errors.js';
import type { FetchLike } from '../types.js';
import { bodyReader, discardBody } from './body.js';
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

/**
 * Sends one request through the runtime's `fetch`, with the runtime's timeout (on its scheduler,
 * so virtual time works), and maps failures to typed errors: 401/403 → `AuthError`, 429 →
 * `RateLimitError` (with `Retry-After`), 5xx → `ServerError`, other 4xx → `RequestError`, a 2xx that
 * is not JSON or a body over `maxResponseBytes` → `InvalidResponseError`, no connection →
 * `NetworkError`, too slow → `TimeoutError`.
 * Error messages name the method and path only: never the query string or a header value.
 * Unsubscribing aborts the request. (The client's request gate wraps the transport session, so
 * every request made here passes it.)
 */
export function httpJson(runtime: HttpRuntime, request: HttpRequest): Observable<HttpResponse> {
  return new Observable<HttpResponse>((subscriber) => {
    let done = false;
    /** Ends the request once: stops the timer and releases the connection. */
    const settle = (outcome: { value: HttpResponse } | { error: Error }): void => {
      if (done) return;
      done = true;
      timer.unsubscribe();
      controller.abort();
      if ('error' in outcome) {
        subscriber.error(outcome.error);
      } else {
        subscriber.next(outcome.value);
        subscriber.complete();
      }
    };
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
    const maxBytes = runtime.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    /** Why a fetch or body read threw: the timer fired, the body was too large, or the network. */
    const broken = (cause: unknown, what: string): Error =>
      timedOut
        ? new TimeoutError(runtime.timeoutMs, where)
        : cause instanceof InvalidResponseError
          ? cause
          : new NetworkError(`${where}: ${what}`, { cause });

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
        throw broken(cause, describeCause(cause));
      }
      let text: string;
      try {
        text = await readText(response, maxBytes, where);
      } catch (cause) {
        throw broken(cause, 'response body broke off');
      }
      return interpret(response, text, request, where);
    };

    run().then(
      (value) => settle({ value }),
      (error: Error) => settle({ error }),
    );
    return () => {
      done = true;
      timer.unsubscribe();
      controller.abort();
    };
  });
}

/**
 * Reads a body as UTF-8 text, refusing more than `maxBytes`: a larger `Content-Length` is refused
 * before reading, and the bytes are counted while streaming (a lying or absent length is caught too).
 */
async function readText(response: Response, maxBytes: number, where: string): Promise<string> {
  const tooLarge = (): InvalidResponseError =>
    new InvalidResponseError(`${where}: response body exceeds the limit of ${maxBytes} bytes (maxResponseBytes)`);
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await discardBody(response.body);
    throw tooLarge();
  }
  const reader = bodyReader(response.body);
  if (!reader) return '';
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
}

function interpret(response: Response, text: string, request: HttpRequest, where: string): HttpResponse {
  const { status, headers } = response;
  if (status === 304) return { status, headers, body: undefined };
  const passed = request.passStatuses?.includes(status) ?? false;
  if (!passed && (status < 200 || status >= 300)) {
    const body = errorBody(text, headers);
    throw errorForStatus(status, headers, where, Date.now(), wireErrorCode(body), serverMessage(body));
  }
  if (text.trim() === '') return { status, headers, body: undefined };
  const type = headers.get('content-type') ?? '';
  const success = status >= 200 && status < 300;
  // A passed-through error status is the caller's to judge by its code; its body is only detail.
  if (!success && !/\bjson\b/i.test(type)) return { status, headers, body: undefined };
  if (!/\bjson\b/i.test(type)) {
    throw new InvalidResponseError(`${where}: expected JSON, got ${type || 'no content type'} (HTTP ${status})`);
  }
  try {
    return { status, headers, body: JSON.parse(text) };
  } catch {
    if (!success) return { status, headers, body: undefined };
    throw new InvalidResponseError(`${where}: malformed JSON (HTTP ${status})`);
  }
}

/**
 * Maps a non-success status to the typed error every transport shares (`nowMs`: wall-clock time a
 * dated `Retry-After` is measured from; `errorCode`: the code the body carried, see {@link wireErrorCode};
 * `detail`: the server's own explanation of a 401/403, when it gave one).
 */
export function errorForStatus(status: number, headers: Headers, where: string, nowMs = Date.now(), errorCode?: string, detail?: string): Error {
  if (status === 401 || status === 403) {
    const what = `${where}: ${status === 401 ? 'authentication failed' : 'access denied'} (HTTP ${status})`;
    return new AuthError(status, detail === undefined ? what : `${what}: ${detail}`, errorCode);
  }
  if (status === 429) return new RateLimitError(parseRetryAfter(headers.get('retry-after'), nowMs), errorCode);
  if (status >= 500) return new ServerError(status, `${where}: server error (HTTP ${status})`, errorCode);
  return new RequestError(status, `${where}: request rejected (HTTP ${status})`, errorCode);
}

/** A code: letters, digits, `_`, `-`, `.` only (a body's free text never becomes one). */
const CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The error code an error body carries, whichever wire it came from: OFREP's `{errorCode}`,
 * Cuttlegate's and Rollgate's `{error: "code"}`, Rollgate's `{error: {code}}`. `undefined` when the
 * body has none, or its code is not a plain token.
 */
export function wireErrorCode(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const code = typeof body.errorCode === 'string' ? body.errorCode : typeof body.error === 'string' ? body.error : isObject(body.error) ? body.error.code : undefined;
  return typeof code === 'string' && CODE.test(code) ? code : undefined;
}

/** A JSON error body, parsed; `undefined` for any other body. */
function errorBody(text: string, headers: Headers): unknown {
  if (!/\bjson\b/i.test(headers.get('content-type') ?? '')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Longest server explanation quoted in an error. */
const MAX_DETAIL = 200;

/** The `message` of an error body, minus a leading restatement of the status ("access denied: …"), bounded in length. */
function serverMessage(body: unknown): string | undefined {
  const message = isObject(body) ? body.message : undefined;
  if (typeof message !== 'string') return undefined;
  const detail = message.replace(/^(access denied|authentication required)(:\s*|$)/i, '').trim();
  if (detail === '') return undefined;
  return detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}…` : detail;
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

/**
 * Why a `fetch` call threw, in a few words: the system error code (`ECONNREFUSED`, `ENOTFOUND`, …)
 * where the implementation gives one (undici on the error's `cause`, node-fetch on the error itself),
 * else its message.
 */
export function describeCause(cause: unknown): string {
  const code = codeOf(cause) ?? codeOf((cause as { cause?: unknown } | undefined)?.cause);
  if (code) return `connection failed (${code})`;
  return cause instanceof Error ? cause.message : 'connection failed';
}

/** A system error code (`E…`) on `error`, if any. */
function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z_]+$/.test(code) ? code : undefined;
}
