/**
 * The one gate every request passes: bulk loads, one-off evaluations, streams, tracked events and
 * telemetry. `httpJson` and `sse` (the only two network primitives) ask it before sending and tell it
 * how each request ended, so the rules every request must obey live here and nowhere else:
 * a closed client sends nothing and cancels what is in flight; a terminal auth error stops every
 * request; an open circuit fails fast; a `Retry-After` holds every request back until it passes.
 */
export interface RequestGate {
  /**
   * Why a request may not be sent now: `ClosedError`, the terminal `AuthError`, `CircuitOpenError`
   * (with the time left), or `RateLimitError` (with the wait left of a `Retry-After`). `undefined`: go.
   */
  admit(): Error | undefined;
  /**
   * How a request ended: `undefined` for a success (a 2xx or 304, or a stream that opened), else the
   * typed error it failed with. Requests cancelled by their caller are not reported.
   *
   * Each admitted request is reported at most once. A status the caller passes through
   * (`HttpRequest.passStatuses`, e.g. a 404 the transport maps itself) counts as a success here. A
   * stream is reported when it opens or fails to; a later drop or watchdog timeout is not reported
   * (the stream's observable errors with it). Requests aborted by the gate's own signal are not
   * reported either.
   */
  record(outcome?: Error): void;
  /** Aborted when the client closes: every request in flight is cancelled with `ClosedError`. */
  readonly signal: AbortSignal;
}
