/**
 * Typed errors. Every error the SDK produces extends {@link FlagstreamError}, so
 * `catch (e) { if (e instanceof FlagstreamError) … }` covers them all.
 *
 * `instanceof` also holds across copies of the package (its ES module and CommonJS builds loaded
 * side by side, or two installed versions): each class has a `brand`, and `Symbol.hasInstance`
 * looks for it among the classes an object was constructed by.
 */

/** Base class of every flagstream error (`SDKError` in the Python SDK). */
export class FlagstreamError extends Error {
  /**
   * A stable name for `instanceof` across copies of the package (class names can be minified). A
   * getter, not a static field: a class with no static field stays tree-shakable in every build.
   */
  static get brand(): string {
    return 'flagstream.FlagstreamError';
  }
  /** Whether retrying the same request later may succeed. */
  readonly retryable: boolean = false;
  /**
   * The code the server's answer carried, verbatim, when it carried one: OFREP's `errorCode`
   * (`TARGETING_KEY_MISSING`, `INVALID_CONTEXT`, `PARSE_ERROR`, `GENERAL`, `FLAG_NOT_FOUND`),
   * Cuttlegate's and Rollgate's `error` (`bad_request`, `AUTH_004`, …). `undefined` otherwise.
   */
  readonly errorCode: string | undefined;
  constructor(message: string, options?: { cause?: unknown; errorCode?: string }) {
    // `Error` reads only `cause` from the options, and only when it is there.
    super(message, options);
    // From the brand, not the class name: a minified bundle renames classes (`AuthError` → `d`).
    this.name = Object.hasOwn(new.target, 'brand') ? (new.target as typeof FlagstreamError).brand.slice('flagstream.'.length) : new.target.name;
    this.errorCode = options?.errorCode;
  }

  /**
   * Prototype chain first; else whether a class `value` was constructed by (its `constructor` and
   * that class's bases, from any copy of the package) has this class's brand. A class without a
   * brand of its own (a subclass outside the package) checks the prototype chain only.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (super[Symbol.hasInstance](value)) return true;
    for (let type: unknown = (value as { constructor?: unknown } | null | undefined)?.constructor; typeof type === 'function'; type = Object.getPrototypeOf(type)) {
      if (Object.hasOwn(this, 'brand') && Object.hasOwn(type, 'brand') && (type as typeof FlagstreamError).brand === this.brand) return true;
    }
    return false;
  }
}

/** Invalid configuration; `field` names the option. Thrown synchronously. */
export class ConfigError extends FlagstreamError {
  static override get brand(): string {
    return 'flagstream.ConfigError';
  }
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** 401 or 403: the key is wrong, revoked, or not allowed here. Terminal. `errorCode`: the body's code, if any. */
export class AuthError extends FlagstreamError {
  static override get brand(): string {
    return 'flagstream.AuthError';
  }
  constructor(
    readonly statusCode: number,
    message = statusCode === 403 ? 'access denied (HTTP 403)' : 'authentication failed (HTTP 401)',
    errorCode?: string,
  ) {
    super(message, { errorCode });
  }
}

/** The flag does not exist on the server. `errorCode` is `FLAG_NOT_FOUND` (OFREP's and OpenFeature's word). */
export class FlagNotFoundError extends FlagstreamError {
  static override get brand(): string {
    return 'flagstream.FlagNotFoundError';
  }
  constructor(readonly key: string) {
    super(`flag not found: ${key}`, { errorCode: 'FLAG_NOT_FOUND' });
  }
}

/** 5xx from the server. Transient. `errorCode`: the body's code, if any. */
export class ServerError extends FlagstreamError {
  static override get brand(): string {
    return 'flagstream.ServerError';
  }
  override readonly retryable = true;
  constructor(
    readonly statusCode: number,
    message = `server error (HTTP ${statusCode})`,
    errorCode?: string,
  ) {
    super(message, { errorCode });
  }
}

/**
 * A 4xx the client cannot recover from by retrying (400, 404 on a bulk route, …). `errorCode`: the
 * body's code, if any (an OFREP 400's `TARGETING_KEY_MISSING`, `INVALID_CONTEXT`, `PARSE_ERROR`, `GENERAL`).
 */
export class RequestError extends FlagstreamError {
  static override get brand(): string {
    return 'flagstream.RequestError';
  }
  constructor(
    readonly statusCode: number,
    message = `request rejected (HTTP ${statusCode})`,
    errorCode?: string,
  ) {
    super(message, { errorCode });
  }
}

/** 429: wait `retryAfterMs` (when the server said) before the next request. `errorCode`: the body's code, if any. */
export class RateLimitError extends FlagstreamError {
  static override get brand(): string {
    return 'flagstream.RateLimitError';
  }
  override readonly retryable = true;
  constructor(
    readonly retryAfterMs: number | undefined,
    errorCode?: string,
  ) {
    super(
      retryAfterMs === undefined
        ? 'rate limited (HTTP 429)'
        : `rate limited (HTTP 429), retry after ${Math.ceil(retryAfterMs / 1000)} s`,
      { errorCode },
    );
  }
}

/** A request or stream took longer than allowed. Transient. */
export class TimeoutError extends FlagstreamError {
  static override get brand(): string {
    return 'flagstream.TimeoutError';
  }
  override readonly retryable = true;
  constructor(readonly timeoutMs: number, what = 'request') {
    super(`${what} timed out after ${timeoutMs} ms`);
  }
}

/** The server could not be reached, or the connection broke. Transient. */
export class NetworkError extends FlagstreamError {
  static override get brand(): string {
    return 'flagstream.NetworkError';
  }
  override readonly retryable = true;
}

/** The server answered with something that is not the protocol (bad JSON, wrong shape, HTML). */
export class InvalidResponseError extends FlagstreamError {
  static override get brand(): string {
    return 'flagstream.InvalidResponseError';
  }
  override readonly retryable = true;
}

/**
 * The circuit breaker is open: no request was sent. Its `cause` is the failure that opened it, when
 * known (the server's own state, e.g. a refused connection). What the client serves meanwhile is
 * `status.source`'s to say.
 */
export class CircuitOpenError extends FlagstreamError {
  static override get brand(): string {
    return 'flagstream.CircuitOpenError';
  }
  override readonly retryable = true;
  /** `retryAfterMs`: time until the breaker lets a probe through, when known. */
  constructor(readonly retryAfterMs?: number, options?: { cause?: Error }) {
    super(
      `circuit breaker is open${retryAfterMs === undefined ? '' : ` for ${Math.ceil(retryAfterMs / 1000)} s more`}${options?.cause ? ` after ${options.cause.message}` : ''}`,
      options,
    );
  }
}

/** The client was closed while the operation was pending. */
export class ClosedError extends FlagstreamError {
  static override get brand(): string {
    return 'flagstream.ClosedError';
  }
  constructor() {
    super('client is closed');
  }
}

/**
 * A fleet follower's view of its leader's upstream trouble: the leader's loads fail or its stream is
 * down (`leaderError`: the leader's error name and message, `since`: when the leader's state last
 * changed), or the leader stopped renewing its lease (`leaderError` absent). The follower serves
 * the last snapshot the leader shared.
 */
export class FleetLeaderError extends FlagstreamError {
  static override get brand(): string {
    return 'flagstream.FleetLeaderError';
  }
  override readonly retryable = true;
  constructor(
    message: string,
    readonly leaderError?: { name: string; message: string },
    readonly since?: string,
  ) {
    super(message);
  }
}

/**
 * The server does not know the configured project (Cuttlegate answers the bulk route with 404).
 * A configuration error found at run time: terminal, like `AuthError`, until the options change.
 */
export class ProjectNotFoundError extends RequestError {
  static override get brand(): string {
    return 'flagstream.ProjectNotFoundError';
  }
  constructor(message = 'project not found (HTTP 404)', errorCode?: string) {
    super(404, message, errorCode);
  }
}

/** Errors after which the client stops talking to the server for good: `AuthError`, `ProjectNotFoundError`. */
export function isTerminal(error: unknown): boolean {
  return error instanceof AuthError || error instanceof ProjectNotFoundError;
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
  static override get brand(): string {
    return 'flagstream.StoreError';
  }
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

/** `error` as an `Error` (anything thrown that is not one is wrapped, its text kept). Internal. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The message of anything thrown. Internal. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
