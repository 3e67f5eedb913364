import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { testSource } from '../../lib/testing/index.js';
import { clientOn, virtualTime } from '../support/virtual.js';

describe('close(), in virtual time', () => {
  it('completes every observable, closes the stream and stops polling', () => {
    const source = testSource({ a: 1 });
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const client = clientOn(source, ts, { pollIntervalMs: 10_000, streaming: true });
      expectObservable(client.number$('a', 0)).toBe('a 24999ms |', { a: 1 });
      expectObservable(client.changes$).toBe('25000ms |');
      // polls every 11 s (random() = 1 draws the +10 % jitter)
      expectObservable(client.events$.pipe(map((e) => e.type))).toBe('11000ms r 10999ms r 2999ms |', { r: 'refreshed' });
      ts.schedule(() => client.close(), 25_000);
    });
    expect(source.openStreams).toBe(0);
    expect(source.requests.map((r) => r.at)).toEqual([0, 0, 11_000, 22_000]);
  });

  it('ends flag$ and values() subscribed after close() at once', async () => {
    const source = testSource({ a: 1 });
    const client = clientOn(source, virtualTime());
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
