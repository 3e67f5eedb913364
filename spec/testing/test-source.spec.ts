import { firstValueFrom, map, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthError,
  FlagNotFoundError,
  NetworkError,
  ServerError,
  TimeoutError,
  createFlagClient,
  type FlagClient,
  type FlagClientOptions,
  type ReadyResult,
  type TransportRuntime,
} from '../../lib/index.js';
import { testSource, type TestSource } from '../../lib/testing/index.js';
import { silent, virtualTime } from '../support/virtual.js';

describe('testSource', () => {
  let client: FlagClient | undefined;

  afterEach(() => {
    client?.close();
    client = undefined;
  });

  function makeClient(source: TestSource, overrides: Partial<FlagClientOptions> = {}): FlagClient {
    client = createFlagClient({ transport: source, streaming: false, pollIntervalMs: 0, logger: silent, ...overrides });
    return client;
  }

  it('serves its flags to the real client in one load, with reason "mock" and source "network"', async () => {
    const source = testSource({ 'dark-mode': true, banner: 'x' });
    const c = makeClient(source, { context: { userId: 'u1' } });
    expect(source.loads).toBe(0);
    expect(await c.ready()).toEqual({ ok: true, source: 'network' });
    expect(c.evaluate('dark-mode')).toMatchObject({ value: true, variant: 'true', enabled: true, reason: 'mock', source: 'network' });
    expect(c.string('banner', '')).toBe('x');
    expect(source.loads).toBe(1);
    expect(source.requests).toEqual([{ type: 'load', at: expect.any(Number), context: { userId: 'u1' }, trigger: 'initial' }]);
  });

  it('evaluates per-context flags, so identify() shows the new context’s values', async () => {
    const source = testSource({ plan: (ctx) => String(ctx.attributes?.plan ?? 'free') });
    const c = makeClient(source);
    await c.ready();
    expect(c.string('plan', '')).toBe('free');
    await c.identify({ userId: 'u2', attributes: { plan: 'pro' } });
    expect(c.string('plan', '')).toBe('pro');
    expect(source.requests.map((r) => r.type === 'load' && r.trigger)).toEqual(['initial', 'identify']);
  });

  it('keeps EvalResults given to it, and answers remote evaluations (FlagNotFoundError when missing)', async () => {
    const source = testSource({
      banner: { key: 'banner', enabled: true, variant: 'holiday', value: 'holiday', reason: 'rule_match', evaluatedAt: 'then', source: 'network' },
    });
    const c = makeClient(source);
    await expect(c.evaluateFor('banner', { userId: 'x' })).resolves.toMatchObject({ variant: 'holiday', reason: 'rule_match' });
    await expect(c.evaluateFor('nope', { userId: 'x' })).rejects.toBeInstanceOf(FlagNotFoundError);
    expect(source.evaluations).toBe(2);
    expect(source.requests.map((r) => r.type === 'evaluate' && r.key)).toEqual(['banner', 'nope']);
  });

  it('is cold: nothing is recorded until a load is subscribed', () => {
    const source = testSource({ a: 1 });
    const ts = virtualTime();
    const runtime: TransportRuntime = { fetch: () => Promise.reject(new Error('unused')), timeoutMs: 1_000, logger: silent, scheduler: ts };
    const session = source.connect(runtime);
    const load = session.load({}, { trigger: 'refresh' });
    expect(source.loads).toBe(0);
    const results: unknown[] = [];
    load.subscribe((result) => results.push(result));
    expect(source.loads).toBe(1);
    expect(results).toEqual([{ kind: 'flags', flags: [expect.objectContaining({ key: 'a', value: 1, reason: 'mock' })] }]);
  });

  it('copies what it is given (at creation and by set()), so later changes to the test’s objects change no flag', () => {
    const layout = { cols: 3 };
    const tags = ['a'];
    const plan = (): string => 'pro';
    const source = testSource({ layout });
    source.set({ tags, plan });
    layout.cols = 4;
    tags.push('b');
    const runtime: TransportRuntime = { fetch: () => Promise.reject(new Error('unused')), timeoutMs: 1_000, logger: silent, scheduler: virtualTime() };
    const results: unknown[] = [];
    source.connect(runtime).load({}, { trigger: 'refresh' }).subscribe((result) => results.push(result));
    expect(results).toEqual([
      {
        kind: 'flags',
        flags: [
          expect.objectContaining({ key: 'layout', value: { cols: 3 } }),
          expect.objectContaining({ key: 'tags', value: ['a'] }),
          expect.objectContaining({ key: 'plan', value: 'pro', reason: 'mock', evaluatedAt: new Date(0).toISOString() }),
        ],
      },
    ]);
  });

  it('set() and remove() push a change on the stream; the client refetches and emits', async () => {
    const source = testSource({ 'dark-mode': false, banner: 'x' });
    const ts = virtualTime();
    const c = makeClient(source, { streaming: true, scheduler: ts });
    const seen = firstValueFrom(c.bool$('dark-mode').pipe(toArray()));
    const banner = firstValueFrom(c.flag$('banner').pipe(map((r) => r.reason), toArray()));
    expect(source.streamConnections).toBe(1);
    expect(source.openStreams).toBe(1);
    expect(c.status.streaming).toBe(true);
    source.set('dark-mode', true);
    source.set({ 'dark-mode': false, extra: 1 });
    source.remove('banner');
    c.close();
    expect(source.openStreams).toBe(0);
    expect(await seen).toEqual([false, true, false]);
    expect(await banner).toEqual(['mock', 'not_found']);
    expect(source.requests.map((r) => (r.type === 'load' ? r.trigger : r.type))).toEqual(['stream', 'initial', 'stream', 'stream', 'stream', 'stream']);
  });

  it('fail(error, times) fails exactly the next `times` requests', async () => {
    const source = testSource({ a: 1 });
    const c = makeClient(source, { backoff: { random: () => 0 } });
    source.fail(new ServerError(503), 2);
    const ready = await c.ready();
    expect(ready).toEqual({ ok: true, source: 'network' });
    expect(source.loads).toBe(3);
    await expect(c.refresh()).resolves.toBeUndefined();
    expect(source.loads).toBe(4);
  });

  it('fail(error) without times fails every request until recover(); a new fail() replaces the old one', async () => {
    const source = testSource({ a: 1 });
    const c = makeClient(source);
    await c.ready();
    source.fail(new NetworkError('down'));
    await expect(c.evaluateFor('a', {})).rejects.toBeInstanceOf(NetworkError);
    await expect(c.evaluateFor('a', {})).rejects.toBeInstanceOf(NetworkError);
    source.fail(new ServerError(500), 1);
    await expect(c.evaluateFor('a', {})).rejects.toBeInstanceOf(ServerError);
    await expect(c.evaluateFor('a', {})).resolves.toMatchObject({ value: 1 });
    source.fail(new ServerError(502));
    source.recover();
    await expect(c.evaluateFor('a', {})).resolves.toMatchObject({ value: 1 });
  });

  it('fail(new AuthError(401)) is terminal for the client: ready() gives ok:false, no further loads', async () => {
    const source = testSource({ a: 1 });
    const ts = virtualTime();
    let ready!: Promise<ReadyResult>;
    ts.run(() => {
      const c = makeClient(source, { pollIntervalMs: 5_000, scheduler: ts });
      source.fail(new AuthError(401));
      ready = c.ready();
      ts.schedule(() => c.close(), 60_000);
    });
    const result = await ready;
    expect(result.ok).toBe(false);
    expect(result.error).toBeInstanceOf(AuthError);
    expect(source.loads).toBe(1);
  });

  it('disconnect() errors open streams; the client reconnects after backoff and refetches', () => {
    const source = testSource({ a: 1 });
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const c = makeClient(source, { streaming: true, scheduler: ts, backoff: { random: () => 1 } });
      expectObservable(c.events$.pipe(map((e) => e.type))).toBe('(cr) 496ms (de) 996ms (cr) 496ms |', {
        c: 'stream-connected',
        r: 'refreshed',
        d: 'stream-disconnected',
        e: 'error',
      });
      ts.schedule(() => c.flag$('a').subscribe(), 0);
      ts.schedule(() => source.disconnect(), 500);
      ts.schedule(() => c.close(), 2_000);
    });
    expect(source.streamConnections).toBe(2);
    expect(source.requests.map((r) => `${r.at}:${r.type === 'load' ? r.trigger : r.type}`)).toEqual([
      '0:stream',
      '0:initial',
      '1500:stream',
      '1500:reconnect',
    ]);
  });

  it('delay(ms) answers after ms of the client’s scheduler; at least timeoutMs times out', async () => {
    const source = testSource({ a: 1 });
    const ts = virtualTime();
    let ready!: Promise<ReadyResult>;
    const errors: Array<[number, unknown]> = [];
    ts.run(({ expectObservable }) => {
      source.delay(250);
      const c = makeClient(source, { scheduler: ts, timeoutMs: 1_000, backoff: { random: () => 0 } });
      ready = c.ready();
      expectObservable(c.number$('a', 0)).toBe('250ms a 1749ms |', { a: 1 });
      c.events$.subscribe((event) => event.type === 'error' && errors.push([ts.now(), event.error]));
      ts.schedule(() => {
        source.delay(1_000);
        void c.refresh().catch(() => undefined);
      }, 500);
      ts.schedule(() => source.delay(0), 1_200);
      ts.schedule(() => c.close(), 2_000);
    });
    expect(await ready).toEqual({ ok: true, source: 'network' });
    expect(errors).toEqual([[1_500, expect.any(TimeoutError)]]);
    expect(source.requests.map((r) => r.at)).toEqual([0, 500, 1_500]);
  });

  it('accepts the client’s track() events on flush(); a failing source makes flush() reject and keeps them', async () => {
    const source = testSource({ checkout: true });
    const c = makeClient(source, { context: { userId: 'u1' }, scheduler: virtualTime() });
    c.track({ flagKey: 'checkout', eventName: 'purchase', value: 20 });
    source.fail(new ServerError(503), 1);
    await expect(c.flush()).rejects.toBeInstanceOf(ServerError);
    expect(source.tracked).toEqual([]);
    c.track({ flagKey: 'checkout', eventName: 'refund', userId: 'u2' });
    await c.flush();
    expect(source.tracked.map((e) => [e.eventName, e.userId, e.value])).toEqual([
      ['purchase', 'u1', 20],
      ['refund', 'u2', undefined],
    ]);
    expect(source.requests.map((r) => (r.type === 'track' ? r.events.length : r.type))).toEqual([1, 2]);
  });

  it('rejects bad control arguments', () => {
    const source = testSource();
    expect(() => source.fail(new ServerError(503), 0)).toThrow(RangeError);
    expect(() => source.fail(new ServerError(503), 1.5)).toThrow(RangeError);
    expect(() => source.delay(-1)).toThrow(RangeError);
    expect(() => source.delay(Number.NaN)).toThrow(RangeError);
    expect(source.kind).toBe('test');
  });
});
