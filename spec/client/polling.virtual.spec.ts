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
      const client = clientOn(source, ts, { pollIntervalMs: 30_000 });
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
      const client = clientOn(source, ts, { pollIntervalMs: 30_000, streaming: true });
      expectObservable(client.number$('limit', 0)).toBe('a 9999ms b 54999ms |', { a: 1, b: 2 });
      ts.schedule(() => source.set('limit', 2), 10_000);
      ts.schedule(() => client.close(), 65_000);
    });
    expect(loads(source)).toEqual(['0:initial', '10000:stream', '30000:poll', '60000:poll']);
  });

  it('a poll that fails leaves the values alone and is retried with backoff; polls that arrive meanwhile wait', () => {
    const source = testSource({ limit: 1 });
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const client = clientOn(source, ts, { pollIntervalMs: 10_000 });
      expectObservable(client.number$('limit', 0)).toBe('a 16999ms b 17999ms |', { a: 1, b: 2 });
      ts.schedule(() => {
        source.fail(new ServerError(503), 3);
        source.set('limit', 2);
      }, 5_000);
      ts.schedule(() => client.close(), 35_000);
    });
    // 10 s fails, retries at 11 s and 13 s fail, 17 s succeeds; the 20 s poll is on time again.
    expect(loads(source)).toEqual(['0:initial', '10000:poll', '11000:poll', '13000:poll', '17000:poll', '20000:poll', '30000:poll']);
  });
});
