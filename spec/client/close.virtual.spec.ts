import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { createFlagClient, type FlagClientOptions, type Logger } from '../../lib/index.js';
import { testSource, type TestSource } from '../../lib/testing/index.js';

const silent: Logger = { warn: () => undefined, error: () => undefined };

function virtualTime(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

function clientOn(source: TestSource, ts: TestScheduler, overrides: Partial<FlagClientOptions> = {}) {
  return createFlagClient({ transport: source, scheduler: ts, pollIntervalMs: 10_000, streaming: true, logger: silent, ...overrides });
}

describe('close(), in virtual time', () => {
  it('completes every observable, closes the stream and stops polling', () => {
    const source = testSource({ a: 1 });
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const client = clientOn(source, ts);
      expectObservable(client.number$('a', 0)).toBe('a 24999ms |', { a: 1 });
      expectObservable(client.changes$).toBe('25000ms |');
      expectObservable(client.events$.pipe(map((e) => e.type))).toBe('10000ms r 9999ms r 4999ms |', { r: 'refreshed' });
      ts.schedule(() => client.close(), 25_000);
    });
    expect(source.openStreams).toBe(0);
    expect(source.requests.map((r) => r.at)).toEqual([0, 0, 10_000, 20_000]);
  });

  it('ends flag$ and values() subscribed after close() at once', async () => {
    const source = testSource({ a: 1 });
    const client = clientOn(source, virtualTime(), { streaming: false, pollIntervalMs: 0 });
    await client.ready();
    client.close();
    const seen: unknown[] = [];
    const subscription = client.flag$('a').subscribe({ next: (r) => seen.push(r.value), complete: () => seen.push('complete') });
    subscription.unsubscribe();
    const iterator = client.values('a', 0)[Symbol.asyncIterator]();
    const first = await iterator.next();
    await iterator.return?.();
    expect({ seen, first }).toEqual({ seen: ['complete'], first: { value: undefined, done: true } });
  });
});
