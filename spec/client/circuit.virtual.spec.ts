import { distinctUntilChanged, map } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { ServerError } from '../../lib/index.js';
import { testSource, type TestSource } from '../../lib/testing/index.js';
import { clientOn, virtualTime } from '../support/virtual.js';

/**
 * A loaded client polling every 10 s (11 s: random() = 1 draws the +10 % jitter) whose server
 * starts failing at 5 s (and changes `a` to 2).
 */
function outageFrom5s(source: TestSource, ts: TestScheduler) {
  const client = clientOn(source, ts, { pollIntervalMs: 10_000 });
  ts.schedule(() => {
    source.fail(new ServerError(503));
    source.set('a', 2);
  }, 5_000);
  return client;
}

const loadTimes = (source: TestSource): number[] => source.requests.filter((r) => r.type === 'load').map((r) => r.at);

describe('the circuit breaker, driven by testSource in virtual time', () => {
  it('opens after 5 failed requests, sends nothing while open, then probes on its own until 3 good probes close it', () => {
    const source = testSource({ a: 1 });
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const client = outageFrom5s(source, ts);
      // distinct: the engine repeats a status as the source changes (see status.virtual.spec.ts)
      expectObservable(client.status$.pipe(map((s) => `${s.state}/${s.circuit}`), distinctUntilChanged())).toBe(
        '(ir) 10996ms s 14999ms o 29999ms (hRc) 43995ms (x|)',
        {
          i: 'initializing/closed',
          r: 'ready/closed',
          s: 'stale/closed',
          o: 'stale/open',
          h: 'stale/half-open',
          R: 'ready/half-open',
          c: 'ready/closed',
          x: 'closed/closed',
        },
      );
      // the last good value is served throughout the outage
      expectObservable(client.number$('a', 0)).toBe('a 55999ms b 43999ms |', { a: 1, b: 2 });
      ts.schedule(() => source.recover(), 40_000);
      ts.schedule(() => client.close(), 100_000);
    });
    // failures at 11, 12, 14, 18, 26 s open it; the retry due at 42 s and the 33–55 s polls wait for
    // the half-open circuit at 56 s, which then probes three times in a row (no poll needed) and closes
    expect(loadTimes(source)).toEqual([0, 11_000, 12_000, 14_000, 18_000, 26_000, 56_000, 56_000, 56_000, 66_000, 77_000, 88_000, 99_000]);
  });

  it('resetCircuit() closes it and runs the held-back load at once', () => {
    const source = testSource({ a: 1 });
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const client = outageFrom5s(source, ts);
      expectObservable(client.number$('a', 0)).toBe('a 44999ms b 4999ms |', { a: 1, b: 2 });
      ts.schedule(() => source.recover(), 28_000);
      ts.schedule(() => client.resetCircuit(), 45_000);
      ts.schedule(() => client.close(), 50_000);
    });
    // the retry due at 42 s met the open circuit and waits for it (until 56 s): no request until the reset
    expect(loadTimes(source)).toEqual([0, 11_000, 12_000, 14_000, 18_000, 26_000, 45_000]);
  });

  it('resetCircuit() during a backoff wait retries at once instead of waiting the timer out', () => {
    const source = testSource({ a: 1 });
    const ts = virtualTime();
    ts.run(({ expectObservable }) => {
      const client = outageFrom5s(source, ts);
      expectObservable(client.number$('a', 0)).toBe('a 31999ms b 2999ms |', { a: 1, b: 2 });
      ts.schedule(() => source.recover(), 28_000);
      ts.schedule(() => client.resetCircuit(), 32_000);
      ts.schedule(() => client.close(), 35_000);
    });
    // the circuit opened at 26 s with the next retry due at 42 s; the reset at 32 s sends it then
    // (and the 33 s poll follows as usual)
    expect(loadTimes(source)).toEqual([0, 11_000, 12_000, 14_000, 18_000, 26_000, 32_000, 33_000]);
  });
  it('a load that lands after other requests opened the circuit reads stale, not ready: none follows it while open', async () => {
    const { ts, client } = circuitOpenedUnderLoad();
    ts.maxFrames = 500;
    ts.flush();
    expect([client.status.state, client.status.circuit]).toEqual(['error', 'open']);
    ts.maxFrames = 1_500;
    ts.flush();
    // the load's values are served; the status does not call them current while nothing can follow them
    expect([client.number('a', 0), client.status.source, client.status.state, client.status.circuit]).toEqual([1, 'network', 'stale', 'open']);
    ts.maxFrames = 40_000; // half-open at 30 s: its probes land and close it
    ts.flush();
    expect([client.status.state, client.status.circuit]).toEqual(['ready', 'closed']);
    client.close();
  });
  it('resetCircuit() after a load that landed while the circuit was open reads ready again: nothing else would end its stale', async () => {
    const { source, ts, client } = circuitOpenedUnderLoad(); // polling off: no load follows on its own
    ts.maxFrames = 1_500;
    ts.flush();
    expect([client.status.state, client.status.circuit]).toEqual(['stale', 'open']);
    const seen: string[] = [];
    client.status$.subscribe((s) => seen.push(`${s.state}/${s.circuit}`));
    client.resetCircuit();
    ts.maxFrames = 40_000;
    ts.flush();
    expect([client.number('a', 0), client.status.source, client.status.state, client.status.circuit, client.status.error]).toEqual([1, 'network', 'ready', 'closed', undefined]);
    // straight from stale/open to ready/closed, with no load sent for it
    expect(seen).toEqual(['stale/open', 'ready/closed']);
    expect(loadTimes(source)).toEqual([0]);
    client.close();
  });
});

/**
 * A client (polling off) whose first load takes 1 s; meanwhile, at 10 ms, five one-off evaluations fail
 * and open the circuit. Nothing has run yet: the caller flushes `ts`.
 */
function circuitOpenedUnderLoad(): { source: ReturnType<typeof testSource>; ts: ReturnType<typeof virtualTime>; client: ReturnType<typeof clientOn> } {
  const source = testSource({ a: 1 });
  const ts = virtualTime();
  source.delay(1_000);
  const client = clientOn(source, ts);
  void client.ready();
  ts.schedule(() => {
    source.delay(1);
    source.fail(new ServerError(503), 5);
    for (let i = 0; i < 5; i += 1) void client.evaluateFor('a', { userId: `u${i}` }).catch(() => undefined);
  }, 10);
  return { source, ts, client };
}
