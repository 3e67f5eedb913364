import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { NetworkError, ServerError } from '../../lib/index.js';
import { testSource } from '../../lib/testing/index.js';
import { clientOn, virtualTime } from '../support/virtual.js';

describe('status$, in virtual time', () => {
  it('goes stale while polls fail, keeps serving the last values, and is ready again after recovery', () => {
    const source = testSource({ limit: 1 });
    const ts = virtualTime();
    const outage = new ServerError(503);
    ts.run(({ expectObservable }) => {
      const client = clientOn(source, ts, { pollIntervalMs: 10_000 });
      const status$ = client.status$.pipe(map((s) => `${s.state}:${s.error === outage ? 503 : '-'}`));
      ts.schedule(() => {
        expectObservable(status$).toBe('r 21999ms s 2999ms r 14999ms (c|)', { r: 'ready:-', s: 'stale:503', c: 'closed:-' });
        expectObservable(client.number$('limit', 0)).toBe('a 39999ms |', { a: 1 });
      }, 0);
      client.flag$('limit').subscribe();
      ts.schedule(() => source.fail(outage), 15_000);
      ts.schedule(() => source.recover(), 25_000);
      ts.schedule(() => client.close(), 40_000);
    });
    // polls every 11 s (random() = 1: +10 %): the 22 s poll fails, the retry at 23 s fails, 25 s
    // succeeds; 33 s is the next poll.
    expect(source.requests.map((r) => r.at)).toEqual([0, 11_000, 22_000, 23_000, 25_000, 33_000]);
  });

  it('reports streaming on connect, off on disconnect, on again after the reconnect', () => {
    const source = testSource({ a: true });
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const client = clientOn(source, ts, { streaming: true });
      ts.schedule(() => {
        expectObservable(client.status$.pipe(map((s) => s.streaming))).toBe('t 4999ms f 999ms t 3999ms (f|)', { t: true, f: false });
      }, 0);
      client.flag$('a').subscribe();
      ts.schedule(() => source.disconnect(new NetworkError('gone')), 5_000);
      ts.schedule(() => client.close(), 10_000);
    });
    expect(source.streamConnections).toBe(2);
    expect(source.openStreams).toBe(0);
  });

  it('goes from initializing straight to ready on the first load, with no in-between status', () => {
    const source = testSource({ a: true });
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const client = clientOn(source, ts);
      expectObservable(client.status$.pipe(map((s) => `${s.state}/${s.source}`))).toBe('(ir) 996ms (c|)', {
        i: 'initializing/none',
        r: 'ready/network',
        c: 'closed/network',
      });
      ts.schedule(() => client.flag$('a').subscribe(), 0);
      ts.schedule(() => client.close(), 1_000);
    });
  });
});
