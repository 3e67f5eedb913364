/**
 * Typed errors. Every error the SDK produces extends {@link FlagstreamError}, so
 * `catch (e) { if (e instanceof FlagstreamError) … }` covers them all.
 */

/** Base class of every flagstream error (`SDKError` in the Python SDK). */
export class FlagstreamError extends Error {
  /** Whether retrying the same request later may succeed. */
  readonly retryable: boolean = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Invalid configuration; `field` names the option. Thrown synchronously. */
export class ConfigError extends FlagstreamError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** 401 or 403: the key is wrong, revoked, or not allowed here. Terminal. */
export class AuthError extends FlagstreamError {
  constructor(
    readonly statusCode: number,
    message = statusCode === 403 ? 'access denied (HTTP 403)' : 'authentication failed (HTTP 401)',
  ) {
    super(message);
  }
}

/** The flag does not exist on the server. */
export class FlagNotFoundError extends FlagstreamError {
  constructor(readonly key: string) {
    super(`flag not found: ${key}`);
  }
}

/** 5xx from the server. Transient. */
export class ServerError extends FlagstreamError {
  override readonly retryable = true;
  constructor(
    readonly statusCode: number,
    message = `server error (HTTP ${statusCode})`,
  ) {
    super(message);
  }
}

/** A 4xx the client cannot recover from by retrying (400, 404 on a bulk route, …). */
export class RequestError extends FlagstreamError {
  constructor(
    readonly statusCode: number,
    message = `request rejected (HTTP ${statusCode})`,
  ) {
    super(message);
  }
}

/** 429: wait `retryAfterMs` (when the server said) before the next request. */
export class RateLimitError extends FlagstreamError {
  override readonly retryable = true;
  constructor(readonly retryAfterMs: number | undefined) {
    super(
      retryAfterMs === undefined
        ? 'rate limited (HTTP 429)'
        : `rate limited (HTTP 429), retry after ${Math.ceil(retryAfterMs / 1000)} s`,
    );
  }
}

/** A request or stream took longer than allowed. Transient. */
export class TimeoutError extends FlagstreamError {
  override readonly retryable = true;
  constructor(readonly timeoutMs: number, what = 'request') {
    super(`${what} timed out after ${timeoutMs} ms`);
  }
}

/** The server could not be reached, or the connection broke. Transient. */
export class NetworkError extends FlagstreamError {
  override readonly retryable = true;
}

/** The server answered with something that is not the protocol (bad JSON, wrong shape, HTML). */
export class InvalidResponseError extends FlagstreamError {
  override readonly retryable = true;
}

/** The circuit breaker is open: no request was sent. */
export class CircuitOpenError extends FlagstreamError {
  override readonly retryable = true;
  /** `retryAfterMs`: time until the breaker lets a probe through, when known. */
  constructor(readonly retryAfterMs?: number) {
    super(
      retryAfterMs === undefined
        ? 'circuit breaker is open; serving last known values'
        : `circuit breaker is open for ${Math.ceil(retryAfterMs / 1000)} s more; serving last known values`,
    );
  }
}

/** The client was closed while the operation was pending. */
export class ClosedError extends FlagstreamError {
  constructor() {
    super('client is closed');
  }
}

/** Errors after which the client stops talking to the server for good. */
export function isTerminal(error: unknown): boolean {
  return error instanceof AuthError;
}

/** Errors worth another attempt after a backoff. */
export function isRetryable(error: unknown): boolean {
  return error instanceof FlagstreamError ? error.retryable : true;
}

/**
 * A `FlagStore` failed to load or save (`quota` when the storage is full). The client logs and
 * reports it and carries on with the values it has.
 */
export class StoreError extends FlagstreamError {
  /** The storage refused the write because it is full (web storage quota). */
  readonly quota: boolean;
  constructor(
    readonly operation: 'load' | 'save',
    message: string,
    options: { cause?: unknown; quota?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.quota = options.quota ?? false;
  }
}
