import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { AuthError, CircuitOpenError, NetworkError, RateLimitError, RequestError, ServerError, TimeoutError } from '../../lib/errors.js';
import { CircuitBreaker, defaultCircuitBreaker, isBreakerFailure } from '../../lib/net/circuit.js';
import type { CircuitState } from '../../lib/types.js';

/** A breaker on a virtual clock, its transitions recorded with their times. */
function setup(options = defaultCircuitBreaker) {
  const scheduler = new VirtualTimeScheduler(undefined, Number.POSITIVE_INFINITY);
  const breaker = new CircuitBreaker(options, scheduler);
  const log: Array<[number, CircuitState]> = [];
  breaker.state$.subscribe((state) => log.push([scheduler.now(), state]));
  /** Runs `action` at virtual time `at` (ms). */
  const at = (time: number, action: () => void): void => void scheduler.schedule(action, time);
  return { scheduler, breaker, log, at };
}

describe('circuit breaker state machine (virtual time)', () => {
  it('opens after 5 failures within 60 s, half-opens 30 s later, closes after 3 successes', () => {
    const { scheduler, breaker, log, at } = setup();
    for (let i = 0; i < 5; i += 1) at(i * 1_000, () => breaker.recordFailure());
    at(33_999, () => expect(breaker.state).toBe('open'));
    at(34_001, () => {
      expect(breaker.state).toBe('half-open');
      breaker.recordSuccess();
      breaker.recordSuccess();
      expect(breaker.state).toBe('half-open');
      breaker.recordSuccess();
    });
    scheduler.flush();
    expect(log).toEqual([
      [0, 'closed'],
      [4_000, 'open'],
      [34_000, 'half-open'],
      [34_001, 'closed'],
    ]);
  });

  it('forgets failures older than the window', () => {
    const { scheduler, breaker, log, at } = setup();
    // A failure exactly 60 s old no longer counts: five within the window first happen at 90 s.
    for (const time of [0, 20_000, 40_000, 59_999, 60_000, 80_000, 90_000]) at(time, () => breaker.recordFailure());
    scheduler.flush();
    expect(log).toEqual([
      [0, 'closed'],
      [90_000, 'open'],
      [120_000, 'half-open'],
    ]);
  });

  it('a success while closed resets the count', () => {
    const { scheduler, breaker, at } = setup();
    for (let i = 0; i < 4; i += 1) at(i, () => breaker.recordFailure());
    at(10, () => breaker.recordSuccess());
    for (let i = 0; i < 4; i += 1) at(20 + i, () => breaker.recordFailure());
    scheduler.flush();
    expect(breaker.state).toBe('closed');
  });

  it('a failed probe re-opens it for another full period', () => {
    const { scheduler, breaker, log, at } = setup({ failureThreshold: 2, windowMs: 1_000, openMs: 500, halfOpenSuccesses: 2 });
    at(0, () => breaker.recordFailure());
    at(1, () => breaker.recordFailure());
    at(501, () => breaker.recordSuccess());
    at(502, () => breaker.recordFailure());
    at(1_001, () => expect(breaker.remainingMs).toBe(1)); // 502 + 500 - 1001
    scheduler.flush();
    expect(log).toEqual([
      [0, 'closed'],
      [1, 'open'],
      [501, 'half-open'],
      [502, 'open'],
      [1_002, 'half-open'],
    ]);
  });

  it('reset() closes it at once and cancels the half-open timer', () => {
    const { scheduler, breaker, log, at } = setup();
    for (let i = 0; i < 5; i += 1) at(i, () => breaker.recordFailure());
    at(1_000, () => breaker.reset());
    scheduler.flush();
    expect(log).toEqual([
      [0, 'closed'],
      [4, 'open'],
      [1_000, 'closed'],
    ]);
  });

  it('counts only signs of an unwell server as failures', () => {
    expect(isBreakerFailure(new ServerError(500))).toBe(true);
    expect(isBreakerFailure(new NetworkError('down'))).toBe(true);
    expect(isBreakerFailure(new TimeoutError(10))).toBe(true);
    expect(isBreakerFailure(new AuthError(401))).toBe(false);
    expect(isBreakerFailure(new RequestError(400))).toBe(false);
    expect(isBreakerFailure(new RateLimitError(1_000))).toBe(false);
    expect(isBreakerFailure(new CircuitOpenError())).toBe(false);
  });
});
