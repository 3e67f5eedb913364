import { Observable, throwError } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { AuthError, RateLimitError, RequestError, ServerError } from '../../lib/errors.js';
import { backoffDelay, defaultBackoff, retryWithBackoff, type BackoffPolicy } from '../../lib/net/backoff.js';
import { virtualTime } from '../support/virtual.js';

const policy = (random: number, extra: Partial<BackoffPolicy> = {}): BackoffPolicy => ({
  ...defaultBackoff,
  random: () => random,
  ...extra,
});

describe('backoffDelay (full jitter)', () => {
  it('doubles the ceiling from 1 s and caps it at 30 s', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 10].map((attempt) => backoffDelay(attempt, policy(0.999999)));
    expect(ceilings).toEqual([999, 1999, 3999, 7999, 15999, 29999, 29999, 29999]);
  });

  it('draws uniformly below the ceiling', () => {
    expect(backoffDelay(3, policy(0))).toBe(0);
    expect(backoffDelay(3, policy(0.5))).toBe(4000);
  });
});

describe('retryWithBackoff in virtual time', () => {
  /** A source that fails `failures` times with `error`, then emits 'ok'. Records subscription times. */
  function flaky(ts: TestScheduler, failures: number, error: () => Error, times: number[]): Observable<string> {
    let calls = 0;
    return new Observable<string>((subscriber) => {
      times.push(ts.now());
      calls += 1;
      if (calls <= failures) subscriber.error(error());
      else {
        subscriber.next('ok');
        subscriber.complete();
      }
    });
  }

  it('retries transient errors at full-jitter delays on the injected scheduler', () => {
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const times: number[] = [];
      const source = flaky(ts, 3, () => new ServerError(503), times).pipe(retryWithBackoff(policy(1 - 1e-9), ts));
      expectObservable(source).toBe('6997ms (a|)', { a: 'ok' });
      ts.flush();
      expect(times).toEqual([0, 999, 2998, 6997]);
    });
  });

  it('waits exactly the server Retry-After for 429', () => {
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const times: number[] = [];
      const source = flaky(ts, 1, () => new RateLimitError(42_000), times).pipe(retryWithBackoff(policy(0.5), ts));
      expectObservable(source).toBe('42s (a|)', { a: 'ok' });
      ts.flush();
      expect(times).toEqual([0, 42_000]);
    });
  });

  it('passes terminal and non-retryable errors through at once', () => {
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const auth = new AuthError(401);
      const bad = new RequestError(400);
      expectObservable(throwError(() => auth).pipe(retryWithBackoff(policy(0.5), ts))).toBe('#', undefined, auth);
      expectObservable(throwError(() => bad).pipe(retryWithBackoff(policy(0.5), ts))).toBe('#', undefined, bad);
    });
  });

  it('cuts a wait short when retryNow emits, keeping the attempt count', () => {
    const ts = virtualTime();
    ts.run(({ hot, expectObservable }) => {
      const times: number[] = [];
      const retryNow = hot<void>('2500ms x');
      const source = flaky(ts, 3, () => new ServerError(503), times).pipe(retryWithBackoff(policy(1 - 1e-9), ts, { retryNow }));
      // Waits of 999 and 1999 ms would retry at 999 and 2998; the signal at 2500 retries then instead,
      // and the next wait is the third ceiling (3999 ms).
      expectObservable(source).toBe('6499ms (a|)', { a: 'ok' });
      ts.flush();
      expect(times).toEqual([0, 999, 2500, 6499]);
    });
  });

  it('starts counting again after a healthy period', () => {
    const ts = virtualTime();
    ts.run(({ cold, expectObservable }) => {
      const delays: number[] = [];
      // Each connection lives 2 minutes then drops: every retry should use attempt 0 again.
      const stream = cold<string>('a 2m #', { a: 'up' }, new ServerError(500));
      const source = stream.pipe(
        retryWithBackoff(policy(0.5), ts, { onRetry: (_error, delay) => delays.push(delay) }),
      );
      expectObservable(source, '^ 7m !').toBe('a 120500ms a 120500ms a 120500ms a', { a: 'up' });
      ts.flush();
      expect(delays).toEqual([500, 500, 500]);
    });
  });
});
