import { EMPTY, VirtualTimeScheduler, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { AuthError, ClosedError, InvalidResponseError, RateLimitError, createFlagClient, type FlagClient, type FlagClientOptions, type Transport } from '../../../lib/index.js';
import { testSource, type TestSource } from '../../../lib/testing/index.js';
import { clientOn } from '../../support/virtual.js';

/** A client on `source` in plain virtual time (run with `flush()`, up to `until` ms). */
function virtualClient(source: TestSource, until: number, overrides: Partial<FlagClientOptions> = {}) {
  const scheduler = new VirtualTimeScheduler(undefined, until);
  const client: FlagClient = clientOn(source, scheduler as never, overrides);
  const outcomes: string[] = [];
  /** Records how `promise` ends: `name:ok` or `name:ErrorName(retryAfterMs)` at the virtual time it settled. */
  const settle = (name: string, promise: Promise<unknown>): void => {
    promise.then(
      () => outcomes.push(`${name}:ok`),
      (error: Error & { retryAfterMs?: number }) =>
        outcomes.push(`${name}:${error.name}${error.retryAfterMs === undefined ? '' : `(${error.retryAfterMs})`}`),
    );
  };
  /** Runs virtual time up to each stop in turn, letting promise callbacks run at every stop. */
  const run = async (...stops: number[]): Promise<void> => {
    for (const stop of [...stops, until]) {
      scheduler.maxFrames = stop;
      scheduler.flush();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  };
  return { scheduler, client, outcomes, settle, run };
}

const times = (source: TestSource, from: number, to: number): string[] =>
  source.requests.filter((r) => r.at > from && r.at < to).map((r) => `${r.at}:${r.type}`);

describe('the request gate: every path honours the server (virtual time)', () => {
  it('a Retry-After from one request holds back every path: loads, one-offs, events and stream reconnects', async () => {
    const source = testSource({ a: 1 });
    const { scheduler, client, outcomes, settle, run } = virtualClient(source, 10_000, { streaming: true });
    await client.snapshotFor({ userId: 'first' }); // loads the snapshotFor chunk: later calls send at once
    settle('ready', client.ready());
    scheduler.schedule(() => {
      source.fail(new RateLimitError(3_000), 1);
      settle('refresh', client.refresh());
    }, 1_000);
    scheduler.schedule(() => {
      settle('evaluateFor', client.evaluateFor('a', { userId: 'x' }));
      settle('snapshotFor', client.snapshotFor({ userId: 'y' }));
      client.track({ flagKey: 'a', eventName: 'seen', userId: 'u' });
      settle('flush', client.flush());
      settle('refresh-again', client.refresh());
      source.disconnect();
    }, 1_500);
    await run(1_500);
    client.close();
    expect(outcomes).toEqual([
      'ready:ok',
      'refresh:RateLimitError(3000)',
      'evaluateFor:RateLimitError(2500)',
      'refresh-again:RateLimitError(2500)',
      'flush:RateLimitError(2500)',
      'snapshotFor:RateLimitError(2500)', // a few ticks later: its chunk's import() answers first
    ]);
    // nothing at all between the 429 at 1 s and the end of its wait at 4 s; then the refresh's load
    // retries, and the stream reconnects (its retry waited out exactly the gate's time) and refetches
    expect(times(source, 1_000, 4_000)).toEqual([]);
    expect(times(source, 3_999, 10_000)).toEqual(['4000:load', '4000:stream', '4000:load']);
  });

  it('a 401 stops every request of every kind: loads, one-offs, events (also at close), the stream', async () => {
    const source = testSource({ a: 1 });
    const { scheduler, client, outcomes, settle, run } = virtualClient(source, 60_000, { streaming: true, pollIntervalMs: 5_000 });
    settle('ready', client.ready());
    client.track({ flagKey: 'a', eventName: 'before', userId: 'u' });
    scheduler.schedule(() => {
      source.fail(new AuthError(401));
      settle('refresh', client.refresh());
    }, 1_000);
    scheduler.schedule(() => {
      settle('evaluateFor', client.evaluateFor('a', { userId: 'x' }));
      client.track({ flagKey: 'a', eventName: 'after', userId: 'u' });
      settle('flush', client.flush());
      source.disconnect();
    }, 2_000);
    await run(2_000);
    client.close();
    await run();
    expect(outcomes).toEqual(['ready:ok', 'refresh:AuthError', 'evaluateFor:AuthError', 'flush:AuthError']);
    expect(client.status).toMatchObject({ state: 'closed' });
    // one request got the 401; nothing was sent after it, not even the final flush on close()
    expect(source.requests.filter((r) => r.at >= 1_000).map((r) => `${r.at}:${r.type}`)).toEqual(['1000:load']);
  });

  it('evaluateFor() on a transport whose evaluation ends without a result rejects with InvalidResponseError', async () => {
    const transport: Transport = {
      kind: 'custom',
      connect: () => ({ load: () => of({ kind: 'flags' as const, flags: [] }), evaluate: () => EMPTY }),
    };
    const client = createFlagClient({ transport, streaming: false, pollIntervalMs: 0 });
    const error: unknown = await client.evaluateFor('a', { userId: 'x' }).catch((e: unknown) => e);
    client.close();
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toBe('no result for a');
  });

  it('close() cancels evaluateFor() and snapshotFor() in flight: they reject with ClosedError at once', async () => {
    const source = testSource({ a: 1 });
    source.delay(5_000);
    const { scheduler, client, outcomes, settle, run } = virtualClient(source, 10_000, { timeoutMs: 8_000 });
    settle('evaluateFor', client.evaluateFor('a', { userId: 'x' }));
    settle('snapshotFor', client.snapshotFor({ userId: 'y' }));
    let closedAt = -1;
    scheduler.schedule(() => {
      client.close();
      closedAt = scheduler.now();
    }, 100);
    await run();
    expect(closedAt).toBe(100);
    expect(outcomes).toEqual(['evaluateFor:ClosedError', 'snapshotFor:ClosedError']);
    await expect(client.evaluateFor('a', {})).rejects.toBeInstanceOf(ClosedError);
  });

  it('snapshotFor() settles whether close() comes before its chunk loaded or while its request is in flight', async () => {
    const source = testSource({ a: 1 });
    const { scheduler, client, outcomes, settle, run } = virtualClient(source, 10_000, { timeoutMs: 8_000 });
    await client.snapshotFor({ userId: 'first' });
    source.delay(5_000);
    settle('in flight', client.snapshotFor({ userId: 'y' }));
    await new Promise((resolve) => setTimeout(resolve, 0)); // the call's request is out (its answer takes 5 s)
    expect(source.requests.filter((r) => r.type === 'load')).toHaveLength(2);
    scheduler.schedule(() => client.close(), 100);
    await run();
    expect(outcomes).toEqual(['in flight:ClosedError']);
    // Closed before the chunk's import answered, while close()'s final flush (of a tracked event) still
    // sends: the call is refused, not sent in that window.
    const slow = testSource({ a: 1 });
    slow.delay(5_000);
    const other = virtualClient(slow, 1_000);
    other.client.track({ flagKey: 'a', eventName: 'seen', userId: 'u' });
    other.settle('before load', other.client.snapshotFor({ userId: 'y' }));
    other.client.close();
    await other.run();
    expect(other.outcomes).toEqual(['before load:ClosedError']);
    expect(slow.requests.map((r) => r.type)).toEqual(['track']);
  });
});
