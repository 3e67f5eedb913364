import { ClosedError } from '../errors.js';
import type { TransportRuntime } from '../transports/transport.js';

/**
 * One request's link to the runtime's {@link RequestGate} (shared by `httpJson` and `sse`): the
 * admission check, an `AbortController` that aborts when the caller cancels or the gate's signal
 * fires (client close), and a once-only report of how the request ended.
 */
export interface GatedRequest {
  /** Aborts the request: on caller cancel, timeout, size cap, or client close. */
  readonly controller: AbortController;
  /** The gate aborted this request (the client closed): fail with `ClosedError`, report nothing. */
  readonly closed: () => boolean;
  /** Reports the outcome to the gate once (later calls, and calls after `release`, do nothing). */
  record(outcome?: Error): void;
  /** The request is over (ended, failed or cancelled by the caller): abort it and unlink from the gate. */
  release(): void;
}

/**
 * Asks the gate whether a request may go. Returns the refusal (`ClosedError`, `AuthError`,
 * `CircuitOpenError`, `RateLimitError`, … as the gate says) or a {@link GatedRequest}; with no gate
 * in the runtime every request goes and nothing is reported. `onClosed` runs when the gate's signal
 * aborts the request, so the caller fails at once with `ClosedError`, even over a `fetch` that
 * ignores its abort signal.
 */
export function admitRequest(runtime: TransportRuntime, onClosed: () => void): Error | GatedRequest {
  const gate = runtime.gate;
  if (gate?.signal.aborted) return new ClosedError();
  const refusal = gate?.admit();
  if (refusal) return refusal;
  const controller = new AbortController();
  let closed = false;
  let settled = false;
  const onClose = (): void => {
    closed = true;
    controller.abort();
    onClosed();
  };
  gate?.signal.addEventListener('abort', onClose, { once: true });
  return {
    controller,
    closed: () => closed,
    record(outcome?: Error): void {
      if (settled) return;
      settled = true;
      if (!closed && !(outcome instanceof ClosedError)) gate?.record(outcome);
    },
    release(): void {
      settled = true;
      gate?.signal.removeEventListener('abort', onClose);
      controller.abort();
    },
  };
}
