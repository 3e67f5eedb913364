import { distinctUntilChanged, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { AuthError, RateLimitError, ServerError, type ReadyResult } from '../../lib/index.js';
import { testSource, type TestSource } from '../../lib/testing/index.js';
import { clientOn, virtualTime } from '../support/virtual.js';

const loadTimes = (source: TestSource): number[] => source.requests.filter((r) => r.type === 'load').map((r) => r.at);

describe('the client’s retry through testSource().fail(), in virtual time', () => {
  it('retries 503s at the full-jitter ceilings (1 s, 2 s, 4 s) and reports error → ready on status$', () => {
    const source = testSource({ 'dark-mode': true });
    source.fail(new ServerError(503), 3);
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const client = clientOn(source, ts);
      // States only: the engine emits an extra status as the source changes (see status.virtual.spec.ts).
      const states$ = client.status$.pipe(
        map((s) => s.state),
        distinctUntilChanged(),
      );
      expectObservable(states$).toBe('(ie) 6996ms r 2999ms (c|)', { i: 'initializing', e: 'error', r: 'ready', c: 'closed' });
      expectObservable(client.status$.pipe(map((s) => s.error?.message ?? '-'), distinctUntilChanged())).toBe('(ne) 6996ms n 2999ms |', {
        n: '-',
        e: 'server error (HTTP 503)',
      });
      expectObservable(client.events$.pipe(map((e) => e.type))).toBe('e 999ms e 1999ms e 3999ms r 2999ms |', {
        e: 'error',
        r: 'refreshed',
      });
      expectObservable(client.bool$('dark-mode')).toBe('7000ms t 2999ms |', { t: true });
      ts.schedule(() => client.close(), 10_000);
    });
    expect(loadTimes(source)).toEqual([0, 1_000, 3_000, 7_000]);
  });

  it('caps the delay at 30 s and recovers on the first attempt after recover() (breaker off)', () => {
    const source = testSource({ a: 1 });
    source.fail(new ServerError(502));
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const client = clientOn(source, ts, { circuitBreaker: false });
      expectObservable(client.number$('a', 0)).toBe('61000ms a 8999ms |', { a: 1 });
      ts.schedule(() => source.recover(), 50_000);
      ts.schedule(() => client.close(), 70_000);
    });
    // ceilings 1, 2, 4, 8, 16, 30 (cap), 30 s
    expect(loadTimes(source)).toEqual([0, 1_000, 3_000, 7_000, 15_000, 31_000, 61_000]);
  });

  it('waits the server’s Retry-After instead of the backoff', () => {
    const source = testSource({ a: 1 });
    source.fail(new RateLimitError(42_000), 1);
    const ts = virtualTime();
    ts.run(() => {
      const client = clientOn(source, ts);
      client.flag$('a').subscribe();
      ts.schedule(() => client.close(), 60_000);
    });
    expect(loadTimes(source)).toEqual([0, 42_000]);
  });

  it('does not retry an AuthError: one load, status error, ready() gives ok:false', async () => {
    const source = testSource({ a: 1 });
    source.fail(new AuthError(403));
    const ts = virtualTime();
    let ready!: Promise<ReadyResult>;
    ts.run(({ expectObservable }) => {
      const client = clientOn(source, ts);
      expectObservable(client.status$.pipe(map((s) => s.state))).toBe('(ie) 59996ms (c|)', { i: 'initializing', e: 'error', c: 'closed' });
      ts.schedule(() => (ready = client.ready()), 0);
      ts.schedule(() => client.close(), 60_000);
    });
    expect(loadTimes(source)).toEqual([0]);
    expect(await ready).toMatchObject({ ok: false, source: 'none', error: expect.any(AuthError) });
  });
});
