import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { AuthError, CircuitOpenError, ClosedError, RateLimitError, RequestError, ServerError } from '../../../lib/errors.js';
import { ClientRequestGate } from '../../../lib/client/engine/request-gate.js';

/** A gate on a virtual clock; `at` runs an action at a virtual time (ms). */
function setup(breaker = { failureThreshold: 2, windowMs: 10_000, openMs: 1_000, halfOpenSuccesses: 1 }) {
  const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
  const terminal: Error[] = [];
  const gate = new ClientRequestGate(breaker, scheduler, (error) => terminal.push(error));
  const at = (time: number, action: () => void): void => void scheduler.schedule(action, time);
  return { scheduler, gate, terminal, at };
}

describe('ClientRequestGate', () => {
  it('refuses while the circuit is open, with the time left and the failure that opened it; a probe closes it', () => {
    const { scheduler, gate, at } = setup();
    const opened = new ServerError(503);
    const refusals: Array<Error | undefined> = [];
    at(0, () => gate.record(new ServerError(500)));
    at(1, () => gate.record(opened));
    at(200, () => refusals.push(gate.admit()));
    at(1_002, () => {
      refusals.push(gate.admit());
      gate.record();
    });
    scheduler.flush();
    expect(refusals[0]).toBeInstanceOf(CircuitOpenError);
    expect((refusals[0] as CircuitOpenError).retryAfterMs).toBe(801);
    expect((refusals[0] as CircuitOpenError).cause).toBe(opened);
    expect(refusals[1]).toBeUndefined(); // half-open: the probe passes
    expect(gate.circuit).toBe('closed');
  });

  it('a Retry-After holds every request back until it passes; 4xx and 429 do not count against the circuit', () => {
    const { scheduler, gate, at } = setup();
    const seen: Array<Error | undefined> = [];
    at(0, () => gate.record(new RateLimitError(500)));
    at(1, () => gate.record(new RequestError(400)));
    at(499, () => seen.push(gate.admit()));
    at(500, () => seen.push(gate.admit()));
    scheduler.flush();
    expect(seen[0]).toBeInstanceOf(RateLimitError);
    expect((seen[0] as RateLimitError).retryAfterMs).toBe(1);
    expect(seen[1]).toBeUndefined();
    expect(gate.circuit).toBe('closed');
  });

  it('a terminal error refuses everything for good and is reported once; dispose refuses with ClosedError', () => {
    const { gate, terminal } = setup();
    const denied = new AuthError(401);
    gate.record(denied);
    gate.record(new AuthError(403));
    expect(gate.admit()).toBe(denied);
    expect(terminal).toEqual([denied]);
    gate.dispose();
    expect(gate.admit()).toBeInstanceOf(ClosedError);
  });

  it('without a breaker the circuit stays closed whatever fails', () => {
    const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
    const gate = new ClientRequestGate(false, scheduler, () => undefined);
    for (let i = 0; i < 20; i += 1) gate.record(new ServerError(500));
    expect(gate.admit()).toBeUndefined();
    expect(gate.circuit).toBe('closed');
    expect(gate.openForMs).toBe(0);
  });
});
