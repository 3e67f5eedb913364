import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { AuthError, CircuitOpenError, ClosedError, RateLimitError, RequestError, ServerError } from '../../../lib/errors.js';
import { clientRequestGate } from '../../../lib/client/engine/request-gate.js';
import { defaultCircuitBreaker } from '../../../lib/net/circuit.js';
import type { CircuitState } from '../../../lib/types.js';

/** A gate on a virtual clock; `at` runs an action at a virtual time (ms). */
function setup(breaker = { failureThreshold: 2, windowMs: 10_000, openMs: 1_000, halfOpenSuccesses: 1 }) {
  const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
  const terminal: Error[] = [];
  const gate = clientRequestGate(breaker, scheduler, (error) => terminal.push(error), () => undefined);
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
    const gate = clientRequestGate(false, scheduler, () => undefined, () => undefined);
    for (let i = 0; i < 20; i += 1) gate.record(new ServerError(500));
    expect(gate.admit()).toBeUndefined();
    expect(gate.circuit).toBe('closed');
    expect(gate.openForMs).toBe(0);
  });
});

/** A gate with the default breaker on a virtual clock, its circuit transitions recorded with their times. */
function circuitSetup(options = defaultCircuitBreaker) {
  const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
  const log: Array<[number, CircuitState]> = [];
  const gate = clientRequestGate(options, scheduler, () => undefined, (state) => log.push([scheduler.now(), state]));
  /** Runs `action` at virtual time `at` (ms). */
  const at = (time: number, action: () => void): void => void scheduler.schedule(action, time);
  return { scheduler, gate, log, at };
}

describe('ClientRequestGate: the circuit breaker state machine (virtual time)', () => {
  it('opens after 5 failures within 60 s, half-opens 30 s later, closes after 3 successes', () => {
    const { scheduler, gate, log, at } = circuitSetup();
    for (let i = 0; i < 5; i += 1) at(i * 1_000, () => gate.record(new ServerError(503)));
    at(33_999, () => expect(gate.circuit).toBe('open'));
    at(34_001, () => {
      expect(gate.circuit).toBe('half-open');
      gate.record();
      gate.record();
      expect(gate.circuit).toBe('half-open');
      gate.record();
    });
    scheduler.flush();
    expect(log).toEqual([
      [4_000, 'open'],
      [34_000, 'half-open'],
      [34_001, 'closed'],
    ]);
  });

  it('forgets failures older than the window', () => {
    const { scheduler, gate, log, at } = circuitSetup();
    // A failure exactly 60 s old no longer counts: five within the window first happen at 90 s.
    for (const time of [0, 20_000, 40_000, 59_999, 60_000, 80_000, 90_000]) at(time, () => gate.record(new ServerError(503)));
    scheduler.flush();
    expect(log).toEqual([
      [90_000, 'open'],
      [120_000, 'half-open'],
    ]);
  });

  it('a success while closed resets the count', () => {
    const { scheduler, gate, at } = circuitSetup();
    for (let i = 0; i < 4; i += 1) at(i, () => gate.record(new ServerError(503)));
    at(10, () => gate.record());
    for (let i = 0; i < 4; i += 1) at(20 + i, () => gate.record(new ServerError(503)));
    scheduler.flush();
    expect(gate.circuit).toBe('closed');
  });

  it('a failed probe re-opens it for another full period', () => {
    const { scheduler, gate, log, at } = circuitSetup({ failureThreshold: 2, windowMs: 1_000, openMs: 500, halfOpenSuccesses: 2 });
    at(0, () => gate.record(new ServerError(503)));
    at(1, () => gate.record(new ServerError(503)));
    at(501, () => gate.record());
    at(502, () => gate.record(new ServerError(503)));
    at(1_001, () => expect(gate.openForMs).toBe(1)); // 502 + 500 - 1001
    scheduler.flush();
    expect(log).toEqual([
      [1, 'open'],
      [501, 'half-open'],
      [502, 'open'],
      [1_002, 'half-open'],
    ]);
  });

  it('reset() closes it at once and cancels the half-open timer', () => {
    const { scheduler, gate, log, at } = circuitSetup();
    for (let i = 0; i < 5; i += 1) at(i, () => gate.record(new ServerError(503)));
    at(1_000, () => gate.resetCircuit());
    scheduler.flush();
    expect(log).toEqual([
      [4, 'open'],
      [1_000, 'closed'],
    ]);
  });
});
