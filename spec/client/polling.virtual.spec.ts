import { describe, expect, it } from 'vitest';
import { ServerError } from '../../lib/index.js';
import { testSource, type TestSource } from '../../lib/testing/index.js';
import { clientOn, virtualTime } from '../support/virtual.js';

/** `time:trigger` of every load. */
const loads = (source: TestSource): string[] => source.requests.flatMap((r) => (r.type === 'load' ? [`${r.at}:${r.trigger}`] : []));

describe('polling, in virtual time', () => {
  it('loads once at start, then every pollIntervalMs until close()', () => {
    const source = testSource({ limit: 1 });
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      // random() = 0.5: the poll jitter draws its centre, the exact period
      const client = clientOn(source, ts, { pollIntervalMs: 30_000, backoff: { random: () => 0.5 } });
      expectObservable(client.number$('limit', 0)).toBe('a 59999ms b 39999ms |', { a: 1, b: 2 });
      ts.schedule(() => source.set('limit', 2), 45_000);
      ts.schedule(() => client.close(), 100_000);
    });
    expect(loads(source)).toEqual(['0:initial', '30000:poll', '60000:poll', '90000:poll']);
  });

  it('keeps polling alongside the stream; a change is fetched at once, not at the next poll', () => {
    const source = testSource({ limit: 1 });
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const client = clientOn(source, ts, { pollIntervalMs: 30_000, streaming: true, backoff: { random: () => 0.5 } });
      expectObservable(client.number$('limit', 0)).toBe('a 9999ms b 54999ms |', { a: 1, b: 2 });
      ts.schedule(() => source.set('limit', 2), 10_000);
      ts.schedule(() => client.close(), 65_000);
    });
    expect(loads(source)).toEqual(['0:initial', '10000:stream', '30000:poll', '60000:poll']);
  });

  it('spreads polls by ±10 %, each period drawn anew, so clients that started together drift apart', () => {
    const source = testSource({ limit: 1 });
    const ts = virtualTime();
    const draws = [0, 1, 0.25];
    ts.run(() => {
      const client = clientOn(source, ts, { pollIntervalMs: 10_000, backoff: { random: () => draws.shift() ?? 0.5 } });
      void client.ready();
      ts.schedule(() => client.close(), 40_000);
    });
    // 9 s (−10 %), then 11 s (+10 %), then 9.5 s, then 10 s
    expect(loads(source)).toEqual(['0:initial', '9000:poll', '20000:poll', '29500:poll', '39500:poll']);
  });

  it('a poll that fails leaves the values alone and is retried with backoff; polls that arrive meanwhile wait', () => {
    const source = testSource({ limit: 1 });
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const client = clientOn(source, ts, { pollIntervalMs: 10_000 });
      expectObservable(client.number$('limit', 0)).toBe('a 17999ms b 16999ms |', { a: 1, b: 2 });
      ts.schedule(() => {
        source.fail(new ServerError(503), 3);
        source.set('limit', 2);
      }, 5_000);
      ts.schedule(() => client.close(), 35_000);
    });
    // random() = 1: polls every 11 s (+10 %). 11 s fails, retries at 12 s and 14 s fail, 18 s
    // succeeds; the 22 s poll is on time again.
    expect(loads(source)).toEqual(['0:initial', '11000:poll', '12000:poll', '14000:poll', '18000:poll', '22000:poll', '33000:poll']);
  });
});
