import { catchError, defer, fromEvent, map, takeUntil, tap, type Observable } from 'rxjs';
import { ClosedError, asError } from '../errors.js';
import { redact } from './redact.js';
import type { TransportSession } from './transport.js';

/**
 * The one gate every request passes: bulk loads, identify calls, one-off evaluations, streams,
 * tracked events and telemetry. The client wraps its transport session with {@link gateSession},
 * so the rules every request must obey live here and nowhere else, for every transport (a custom
 * one included): a closed client sends nothing and cancels what is in flight; a terminal auth error
 * stops every request; an open circuit fails fast; a `Retry-After` holds every request back until
 * it passes; and every error a request fails with is redacted (see `redact`: URL queries, tokens,
 * the whole `cause` chain) before anything else sees it.
 */
export interface RequestGate {
  /**
   * Why a request may not be sent now: `ClosedError`, the terminal `AuthError`, `CircuitOpenError`
   * (with the time left), or `RateLimitError` (with the wait left of a `Retry-After`). `undefined`: go.
   */
  admit(): Error | undefined;
  /**
   * How a request ended: `undefined` for a success (an answer the transport could use, or a stream
   * that opened), else the typed error it failed with, a payload that could not be decoded included.
   * Requests cancelled by their caller are not reported.
   */
  record(outcome?: Error): void;
  /** Aborted when the client closes: every request in flight is cancelled with `ClosedError`. */
  readonly signal: AbortSignal;
}

/** The session methods that send requests. */
const REQUESTS = ['load', 'evaluate', 'stream', 'identify', 'track', 'telemetry'] as const;

/**
 * `session` with every request observable run through `gate` (see {@link gated}). The session's
 * own methods are untouched; `close` and `streamFollowsLoad` are passed through.
 */
export function gateSession(session: TransportSession, gate: RequestGate): TransportSession {
  const gatedSession: Record<string, unknown> = { streamFollowsLoad: session.streamFollowsLoad };
  if (session.close) gatedSession.close = () => session.close!();
  for (const name of REQUESTS) {
    const method = session[name] as ((...args: unknown[]) => Observable<unknown>) | undefined;
    if (method) gatedSession[name] = (...args: unknown[]) => gated(gate, method.apply(session, args));
  }
  return gatedSession as unknown as TransportSession;
}

/**
 * Runs `request` through `gate`: refused at subscribe time with the gate's error (nothing is
 * started), its first value or completion recorded as a success, an error before any value as a
 * failure, and cancelled with `ClosedError` when the gate's signal aborts. Each request is recorded
 * once; unsubscribing cancels it unrecorded.
 */
export function gated<T>(gate: RequestGate, request: Observable<T>): Observable<T> {
  return defer(() => {
    const refusal = gate.signal.aborted ? new ClosedError() : gate.admit();
    if (refusal) throw refusal;
    let answered = false;
    const answer = (): void => {
      if (answered) return;
      answered = true;
      gate.record();
    };
    return request.pipe(
      tap({ next: answer, complete: answer }),
      catchError((error: unknown) => {
        // Every error of every request leaves here, so this is where secrets are taken out of it.
        const safe = asError(redact(error));
        // A request is one outcome: a stream that opened was a success, and its later drop is a
        // disconnect the caller reconnects from, not another failed request.
        if (!answered) gate.record(safe);
        throw safe;
      }),
      takeUntil(
        fromEvent(gate.signal, 'abort').pipe(
          map(() => {
            throw new ClosedError();
          }),
        ),
      ),
    );
  });
}
