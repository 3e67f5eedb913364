import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CircuitOpenError, NetworkError, RateLimitError, TimeoutError, type ClientEvent, type FlagClient } from '../../lib/index.js';
import { chaosClient, handleLeakCheck, until } from './support/chaos.js';
import { ScriptedCuttlegate, slow, status, type RequestKind } from './support/scripted-cuttlegate.js';

/** `Retry-After` as seconds, or as an HTTP date that far ahead (whole seconds, so it may mean up to 1 s less). */
const retryAfter = {
  seconds: (s: number) => ({ 'Retry-After': String(s) }),
  date: (s: number) => ({ 'Retry-After': new Date(Date.now() + s * 1_000).toUTCString() }),
};
const tooMany = (headers: Record<string, string>) => status(429, '{"error":"rate_limited","message":"slow down"}', headers);

/** Overloaded, failing and unreachable servers: the client backs off as told and loses nothing. */
describe('chaos: an overloaded or unreachable server', () => {
  let server: ScriptedCuttlegate;
  let client: FlagClient | undefined;
  let leaks: ReturnType<typeof handleLeakCheck>;
  let events: ClientEvent[];

  beforeEach(async () => {
    leaks = handleLeakCheck();
    server = await new ScriptedCuttlegate().start();
    events = [];
  });

  afterEach(async () => {
    client?.close();
    client = undefined;
    await server.stop();
    await leaks.expectNoneLeft();
  });

  function newClient(overrides: Parameters<typeof chaosClient>[1] = {}): FlagClient {
    client = chaosClient(server, overrides);
    client.events$.subscribe((event) => events.push(event));
    return client;
  }

  /** Arrival times of `kind` requests, ms since the first of them. */
  const gaps = (kind: RequestKind): number[] => {
    const times = server.arrivals.filter((a) => a.kind === kind).map((a) => a.at);
    return times.slice(1).map((t, i) => Math.round(t - times[i]!));
  };

  it('a burst of 5xx answers: values kept, backoff, recovery without a restart', async () => {
    const c = newClient();
    expect(await c.ready()).toMatchObject({ ok: true });
    await until(() => server.streams.size === 1, 'the stream');
    // What the client serves as it reports each failure (read then: a later poll may come after the recovery).
    const servedAtError: boolean[] = [];
    c.events$.subscribe((event) => event.type === 'error' && servedAtError.push(c.bool('dark-mode')));
    server.script.bulk.push(...[500, 502, 503, 504, 503, 500].map((code) => status(code)));
    const started = performance.now();
    server.set('dark-mode', { value_key: 'false' });
    await until(() => servedAtError.length >= 3, 'errors');
    expect(servedAtError.every((value) => value)).toBe(true);
    await until(() => c.bool('dark-mode') === false, 'recovery', 15_000);
    console.log(`chaos: recovered from a burst of 6 × 5xx in ${Math.round(performance.now() - started)} ms`);
    expect(c.status.state).toBe('ready');
  });

  describe.each(['seconds', 'date'] as const)('429 with Retry-After as %s', (form) => {
    it('on a load: the next load waits it out', async () => {
      const c = newClient();
      expect(await c.ready()).toMatchObject({ ok: true });
      await until(() => server.streams.size === 1, 'the stream');
      server.script.bulk.push(tooMany(retryAfter[form](2)));
      server.set('dark-mode', { value_key: 'false' });
      await until(() => c.bool('dark-mode') === false, 'the load after the wait', 10_000);
      expect(gaps('bulk').at(-1)).toBeGreaterThanOrEqual(form === 'seconds' ? 1_950 : 950);
      expect(events.some((e) => e.type === 'error' && e.error instanceof RateLimitError)).toBe(true);
    });

    it('on evaluateFor: it rejects with RateLimitError, and no request reaches the server before the wait is over', async () => {
      const c = newClient();
      expect(await c.ready()).toMatchObject({ ok: true });
      server.script.single.push(tooMany(retryAfter[form](2)));
      await expect(c.evaluateFor('dark-mode', { userId: 'u2' })).rejects.toBeInstanceOf(RateLimitError);
      const limitedAt = performance.now();
      const second = await c.evaluateFor('dark-mode', { userId: 'u3' }).then(
        () => performance.now(),
        (error: unknown) => error,
      );
      if (typeof second === 'number') expect(second - limitedAt).toBeGreaterThanOrEqual(form === 'seconds' ? 1_900 : 900);
      else expect(second).toBeInstanceOf(RateLimitError);
      expect(server.arrivals.filter((a) => a.kind === 'single' && a.at > limitedAt && a.at < limitedAt + 900)).toHaveLength(0);
    });

    it('on snapshotFor: it rejects with RateLimitError, and no request reaches the server before the wait is over', async () => {
      const c = newClient({ streaming: false });
      expect(await c.ready()).toMatchObject({ ok: true });
      server.script.bulk.push(tooMany(retryAfter[form](2)));
      await expect(c.snapshotFor({ userId: 'u2' })).rejects.toBeInstanceOf(RateLimitError);
      const limitedAt = performance.now();
      await c.snapshotFor({ userId: 'u3' }).catch((error: unknown) => expect(error).toBeInstanceOf(RateLimitError));
      expect(server.arrivals.filter((a) => a.kind === 'bulk' && a.at > limitedAt && a.at < limitedAt + 900)).toHaveLength(0);
    });

    it('on a stream reconnect: the next connection waits it out', async () => {
      const c = newClient();
      expect(await c.ready()).toMatchObject({ ok: true });
      await until(() => server.streams.size === 1, 'the stream');
      server.script.stream.push(tooMany(retryAfter[form](2)));
      for (const stream of server.streams) stream.end();
      await until(() => server.count('stream') === 3 && server.streams.size === 1, 'the stream after the wait', 10_000);
      expect(gaps('stream')[1]).toBeGreaterThanOrEqual(form === 'seconds' ? 1_950 : 950);
      expect(c.bool('dark-mode')).toBe(true);
    });
  });

  it('connection refused at start: ready() settles not ok by its timeout; the client goes live when the server comes up', async () => {
    await server.stop();
    const c = newClient({ timeoutMs: 1_000 });
    const started = performance.now();
    const result = await c.ready();
    expect(result.ok).toBe(false);
    // The refused connection, or the breaker it opened (this spec retries fast, so five failures come quickly).
    expect(result.error instanceof NetworkError || result.error instanceof CircuitOpenError).toBe(true);
    expect(performance.now() - started).toBeLessThan(3_000);
    await server.start();
    const upAt = performance.now();
    await until(() => c.status.state === 'ready' && c.bool('dark-mode'), 'the client to go live', 10_000);
    console.log(`chaos: live ${Math.round(performance.now() - upAt)} ms after a refused server came up`);
  });

  it('answers slower than timeoutMs: each fails with TimeoutError at the timeout, the next fast one lands', async () => {
    server.script.bulk.push(slow(3_000), slow(3_000));
    const c = newClient({ timeoutMs: 300, streaming: false });
    const started = performance.now();
    expect(await c.ready({ timeoutMs: 8_000 })).toMatchObject({ ok: true, source: 'network' });
    const took = performance.now() - started;
    const timeouts = events.filter((e) => e.type === 'error' && e.error instanceof TimeoutError);
    expect(timeouts).toHaveLength(2);
    expect(took).toBeLessThan(3_000);
  });
});
