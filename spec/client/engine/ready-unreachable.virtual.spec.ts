import type { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthError, CircuitOpenError, NetworkError, type FlagClient, type FlagClientOptions, type ReadyResult } from '../../../lib/index.js';
import { memoryStore, tabFleet } from '../../../lib/stores/index.js';
import { testSource, type TestSource } from '../../../lib/testing/index.js';
import { captureLog, type LogCapture } from '../../support/log-capture.js';
import { advanceTo as runTo, clientOn as virtualClientOn, settledValue, virtualTime } from '../../support/virtual.js';

const refused = (): NetworkError => new NetworkError('POST http://127.0.0.1:1/evaluate: connection failed (ECONNREFUSED)');

/**
 * An unreachable server: `ready()` settles as soon as nothing can succeed before its timeout (the
 * circuit opened with nothing loaded and nothing to fall back on), with the failure that opened it.
 * Loads fail at 0, 1 and 3 s (backoff draws at the ceiling); 3 failures open the circuit for 30 s.
 */
describe('ready() against a server that cannot be reached', () => {
  let ts: TestScheduler;
  let client: FlagClient | undefined;
  let log: LogCapture;

  afterEach(() => {
    client?.close();
    client = undefined;
  });

  function clientOn(source: TestSource, overrides: Partial<FlagClientOptions> = {}): FlagClient {
    ts = virtualTime();
    log = captureLog();
    client = virtualClientOn(source, ts, { circuitBreaker: { failureThreshold: 3 }, logger: log.logger, ...overrides });
    return client;
  }

  const advanceTo = (frame: number): void => runTo(ts, frame);

  const settled = (promise: Promise<ReadyResult>): Promise<ReadyResult | 'pending'> => settledValue(promise, 5);

  it('settles when the circuit opens, with the refused connection as the error, not after its timeout', async () => {
    const source = testSource({ a: 1 });
    source.fail(refused());
    const c = clientOn(source, { timeoutMs: 10_000 });
    const ready = c.ready();
    advanceTo(2_999);
    expect(await settled(ready)).toBe('pending');
    advanceTo(3_000);
    const result = await settled(ready);
    expect(result).toEqual({ ok: false, source: 'none', error: expect.any(NetworkError) });
    expect((result as ReadyResult).error?.message).toContain('ECONNREFUSED');
    expect(c.status).toMatchObject({ state: 'error', source: 'none', circuit: 'open' });
    // a ready() asked while the circuit stays open answers at once, the same way
    expect(await settled(c.ready())).toEqual(result);
    // the refusals (the retry at 7 s) say what opened the circuit, and nothing claims values that do not exist
    advanceTo(7_000);
    expect(c.status.error).toBeInstanceOf(CircuitOpenError);
    expect((c.status.error as Error).cause).toBeInstanceOf(NetworkError);
    expect(log.lines.join('\n')).toContain('circuit breaker open: no requests for 30000 ms; serving defaults (nothing was loaded)');
    expect(log.lines.join('\n')).not.toMatch(/last known values/);
  });

  it('without a breaker, settles once the next retry is due after its timeout (backoff 1, 2, 4, then 8 s)', async () => {
    const source = testSource({ a: 1 });
    source.fail(refused());
    const c = clientOn(source, { circuitBreaker: false, timeoutMs: 10_000 });
    const ready = c.ready();
    const patient = c.ready({ timeoutMs: 16_000 });
    advanceTo(6_999); // failures at 0, 1 and 3 s: the retries at 1, 3 and 7 s may still succeed
    expect(await settled(ready)).toBe('pending');
    advanceTo(7_000); // the next try is at 15 s
    expect(await settled(ready)).toEqual({ ok: false, source: 'none', error: expect.any(NetworkError) });
    expect(await settled(patient)).toBe('pending');
    source.recover();
    advanceTo(15_000);
    expect(await settled(patient)).toEqual({ ok: true, source: 'network' });
  });

  it('resetCircuit() starts a load at once, so a ready() after it waits for that load', async () => {
    const source = testSource({ a: 1 });
    source.fail(refused());
    const c = clientOn(source);
    const first = c.ready();
    advanceTo(3_000);
    expect(await settled(first)).toMatchObject({ ok: false, source: 'none' });
    expect(await settled(c.ready())).toMatchObject({ ok: false, source: 'none' });
    source.recover();
    c.resetCircuit();
    expect(await settled(c.ready())).toEqual({ ok: true, source: 'network' });
  });

  it('identify() starts a load at once, so a ready() after it waits for that load', async () => {
    const source = testSource({ a: 1 });
    source.fail(refused());
    const c = clientOn(source, { circuitBreaker: false });
    const first = c.ready();
    advanceTo(15_000); // the next retry is at 31 s
    expect(await settled(first)).toMatchObject({ ok: false, source: 'none' });
    source.recover();
    source.delay(100);
    const switched = c.identify({ userId: 'other' });
    const ready = c.ready();
    expect(await settled(ready)).toBe('pending');
    advanceTo(15_100);
    expect(await settled(ready)).toEqual({ ok: true, source: 'network' });
    await switched;
  });

  it('a ready() whose timeout outlasts the open circuit keeps waiting, and the server coming back readies it', async () => {
    const source = testSource({ a: 1 });
    source.fail(refused());
    const c = clientOn(source);
    const patient = c.ready({ timeoutMs: 60_000 });
    const hasty = c.ready({ timeoutMs: 10_000 });
    advanceTo(3_000);
    expect(await settled(hasty)).toMatchObject({ ok: false, source: 'none' });
    expect(await settled(patient)).toBe('pending');
    source.recover();
    advanceTo(33_000); // half-open: the probe loads
    expect(await settled(patient)).toEqual({ ok: true, source: 'network' });
    expect(await settled(c.ready())).toEqual({ ok: true, source: 'network' });
    expect(c.number('a', 0)).toBe(1);
  });

  it('a probe that fails again opens the circuit again, and that ready() gives up then', async () => {
    const source = testSource({ a: 1 });
    source.fail(refused());
    const c = clientOn(source);
    const patient = c.ready({ timeoutMs: 60_000 });
    advanceTo(32_999);
    expect(await settled(patient)).toBe('pending');
    advanceTo(33_000);
    expect(await settled(patient)).toMatchObject({ ok: false, source: 'none', error: expect.any(NetworkError) });
  });

  it('in a fleet that fell back to solo (tabFleet() without Web Locks), settles early as a plain client does', async () => {
    const source = testSource({ a: 1 });
    source.fail(refused());
    const c = clientOn(source, { fleet: tabFleet() });
    const ready = c.ready();
    advanceTo(3_000);
    expect(c.status.role).toBe('solo');
    expect(await settled(ready)).toEqual({ ok: false, source: 'none', error: expect.any(NetworkError) });
  });

  it('waits for the store: an empty one leaves nothing to serve, so it settles when the circuit opens', async () => {
    const empty = testSource({ a: 1 });
    empty.fail(refused());
    const c = clientOn(empty, { store: memoryStore() });
    // The store sync arrives by dynamic import (only apps with a store load it): one real turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    const ready = c.ready();
    advanceTo(0);
    expect(await settled(ready)).toBe('pending'); // the store answered: nothing
    advanceTo(3_000);
    expect(await settled(ready)).toMatchObject({ ok: false, source: 'none', error: expect.any(NetworkError) });
  });

  it('with a bootstrap, ready() is ok at the first failure, as before', async () => {
    const source = testSource({ a: 1 });
    source.fail(refused());
    const c = clientOn(source, { bootstrap: { a: 5 } });
    const ready = c.ready();
    advanceTo(0);
    expect(await settled(ready)).toMatchObject({ ok: true, source: 'bootstrap', error: expect.any(NetworkError) });
  });

  it('a 401 on a client that never loaded logs that it serves defaults', async () => {
    const source = testSource({ a: 1 });
    source.fail(new AuthError(401));
    const c = clientOn(source);
    expect(await c.ready()).toMatchObject({ ok: false, source: 'none', error: expect.any(AuthError) });
    expect(log.lines).toEqual([expect.stringMatching(/^stopped: .*; serving defaults \(nothing was loaded\)$/)]);
  });

  it('a loaded client whose circuit opens says it serves the last values, and its ready() stays ok', async () => {
    const source = testSource({ a: 1 });
    const c = clientOn(source, { pollIntervalMs: 1_000 });
    expect(await c.ready()).toEqual({ ok: true, source: 'network' });
    source.fail(refused());
    advanceTo(20_000);
    expect(c.status.circuit).toBe('open');
    expect(await settled(c.ready())).toEqual({ ok: true, source: 'network' });
    expect(log.lines.join('\n')).toContain('serving the last known values (from network)');
  });
});
