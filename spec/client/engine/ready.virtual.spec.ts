import type { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerError, TimeoutError, type FlagClient, type FlagClientOptions, type ReadyResult } from '../../../lib/index.js';
import { testSource, type TestSource } from '../../../lib/testing/index.js';
import { advanceTo as runTo, clientOn as virtualClientOn, settledValue, virtualTime } from '../../support/virtual.js';

/**
 * `ready()` returns a promise, so these specs step a `TestScheduler` by hand (outside `run()`):
 * `advanceTo(frame)` runs every timer due by then, and `settled()` reads what the promise gave so far.
 */
describe('ready(), stepping virtual time', () => {
  let ts: TestScheduler;
  let client: FlagClient | undefined;

  afterEach(() => {
    client?.close();
    client = undefined;
  });

  function clientOn(source: TestSource, overrides: Partial<FlagClientOptions> = {}): FlagClient {
    ts = virtualTime();
    client = virtualClientOn(source, ts, overrides);
    return client;
  }

  const advanceTo = (frame: number): void => runTo(ts, frame);

  const settled = (promise: Promise<ReadyResult>): Promise<ReadyResult | 'pending'> => settledValue(promise);

  it('resolves when the first (slow) load lands', async () => {
    const source = testSource({ a: 1 });
    source.delay(300);
    const ready = clientOn(source).ready();
    advanceTo(299);
    expect(await settled(ready)).toBe('pending');
    advanceTo(300);
    expect(await settled(ready)).toEqual({ ok: true, source: 'network' });
  });

  it('times out on the scheduler with ok:false and a TimeoutError, and never rejects', async () => {
    const source = testSource({ a: 1 });
    source.delay(20_000);
    const c = clientOn(source, { timeoutMs: 10_000 });
    const ready = c.ready({ timeoutMs: 5_000 });
    advanceTo(4_999);
    expect(await settled(ready)).toBe('pending');
    advanceTo(5_000);
    const result = await settled(ready);
    expect(result).toMatchObject({ ok: false, source: 'none' });
    expect((result as ReadyResult).error).toBeInstanceOf(TimeoutError);
    expect((result as ReadyResult).error?.message).toBe('ready() timed out after 5000 ms');
  });

  it('after a timeout, reports the last load error instead; a later ready() resolves once loaded', async () => {
    const source = testSource({ a: 1 });
    source.fail(new ServerError(503), 2);
    const c = clientOn(source);
    const first = c.ready({ timeoutMs: 500 });
    advanceTo(500);
    expect(await settled(first)).toMatchObject({ ok: false, source: 'none', error: expect.any(ServerError) });
    const second = c.ready({ timeoutMs: 10_000 });
    advanceTo(2_999);
    expect(await settled(second)).toBe('pending');
    advanceTo(3_000);
    expect(await settled(second)).toEqual({ ok: true, source: 'network' });
  });

  it('with streaming, is ready at once: the test stream opens synchronously, so there is no wait for it', async () => {
    const source = testSource({ a: 1 });
    const ready = clientOn(source, { streaming: true }).ready();
    advanceTo(0);
    expect(await settled(ready)).toEqual({ ok: true, source: 'network' });
    expect(source.requests.map((r) => `${r.at}:${r.type}`)).toEqual(['0:stream', '0:load']);
  });

  it('falls back to the bootstrap when the first load fails, reporting the error', async () => {
    const source = testSource({ a: 1 });
    source.fail(new ServerError(503), 1);
    const c = clientOn(source, { bootstrap: { a: 0 } });
    const ready = c.ready();
    advanceTo(0);
    expect(await settled(ready)).toMatchObject({ ok: true, source: 'bootstrap', error: expect.any(ServerError) });
    expect(c.number('a', -1)).toBe(0);
  });
});
