/**
 * `snapshotFor` entries when the client's own state turns stale (virtual time): an entry is served
 * from the cache only within the status it was fetched in; asked again after that, and, when the
 * server cannot answer, its last answer comes back held (reason `stale`), never as fresh. Each check
 * reads the value AND the reason/status.
 */
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { AuthError, ServerError, type FlagClient, type FlagClientOptions, type FlagSnapshot } from '../../../lib/index.js';
import { testSource } from '../../../lib/testing/index.js';
import { clientOn } from '../../support/virtual.js';

const BOB = { userId: 'bob' };

/**
 * A ready client with one `snapshotFor(BOB)` entry cached at 0 (entries live 60 s, value 1), whose
 * server then fails with `failure` (`times` requests, else every one): a `refresh()` at 1 s fails.
 */
async function turnedStale(failure: Error, options: { times?: number; overrides?: Partial<FlagClientOptions> } = {}) {
  const source = testSource({ a: 1 });
  const scheduler = new VirtualTimeScheduler(undefined, 60_000);
  const client: FlagClient = clientOn(source, scheduler as never, { snapshotForMaxAgeMs: 60_000, circuitBreaker: false, ...options.overrides });
  await client.ready();
  const first = await client.snapshotFor(BOB);
  /** Runs `step` at virtual time `ms`, then lets its promises (and the chunk's) settle. */
  const at = async <T>(ms: number, step: () => Promise<T>): Promise<T> => {
    let result: Promise<T> | undefined;
    scheduler.schedule(() => void (result = step()), ms - scheduler.now());
    scheduler.maxFrames = ms;
    scheduler.flush();
    return result!;
  };
  source.fail(failure, options.times);
  await at(1_000, () => client.refresh().catch(() => undefined));
  const loads = (): number[] => source.requests.filter((r) => r.type === 'load' && r.context.userId === 'bob').map((r) => r.at);
  /**
   * Calls snapshotFor(BOB) at `ms` and waits until its chunk loaded and its request is out; `outcome`:
   * the answer's reason, or the error's name (wrapped: an async function would wait for it).
   */
  const askedAt = async (ms: number): Promise<{ outcome: Promise<string> }> => {
    const outcome = at(ms, () => client.snapshotFor(BOB)).then((snapshot) => snapshot.get('a')!.reason, (error: Error) => error.name);
    await vi.waitFor(() => expect(loads().at(-1)).toBe(ms));
    return { outcome };
  };
  return { source, client, first, at, loads, askedAt };
}

/** What a snapshot says of `key`: value, reason and source. */
const said = (snapshot: FlagSnapshot, key = 'a') => {
  const { value, reason, source } = snapshot.get(key)!;
  return { value, reason, source };
};

describe('snapshotFor() once the client is stale (virtual time)', () => {
  it('a load failed: the entry is asked again; the server failing too, it is served held (reason stale), not as fresh', async () => {
    const { client, first, at, loads } = await turnedStale(new ServerError(503));
    expect(said(first)).toEqual({ value: 1, reason: 'mock', source: 'network' });
    expect(client.status.state).toBe('stale');
    const held = await at(2_000, () => client.snapshotFor(BOB));
    expect(loads()).toEqual([0, 2_000]);
    expect(said(held)).toEqual({ value: 1, reason: 'stale', source: 'network' });
    // Held for the rest of that status, no longer than the entry lives (60 s from its fetch): then the server's error.
    expect(said(await at(3_000, () => client.snapshotFor(BOB))).reason).toBe('stale');
    expect(loads()).toEqual([0, 2_000]);
    await expect(at(60_000, () => client.snapshotFor(BOB))).rejects.toMatchObject({ name: 'ServerError' });
    client.close();
  });

  it('an open circuit: the entry is served held at once, without a request', async () => {
    const { client, at, loads } = await turnedStale(new ServerError(503), { overrides: { circuitBreaker: { failureThreshold: 1 } } });
    expect(client.status).toMatchObject({ state: 'stale', circuit: 'open' });
    const held = await at(2_000, () => client.snapshotFor(BOB));
    expect(loads()).toEqual([0]);
    expect(said(held)).toEqual({ value: 1, reason: 'stale', source: 'network' });
    client.close();
  });

  it('a terminal auth error: no entry is served, the call fails with that error (as every command does)', async () => {
    const { client, at, loads } = await turnedStale(new AuthError(401));
    expect(client.status).toMatchObject({ state: 'error', error: { name: 'AuthError' } });
    await expect(at(2_000, () => client.snapshotFor(BOB))).rejects.toMatchObject({ name: 'AuthError' });
    expect(loads()).toEqual([0]);
    client.close();
  });

  it('the server answering it while the client is stale: its fresh answer, then cached for the rest of that status', async () => {
    const { source, client, at, loads } = await turnedStale(new ServerError(503), { times: 1 });
    source.set('a', 2);
    expect(client.status.state).toBe('stale');
    expect(said(await at(2_000, () => client.snapshotFor(BOB)))).toEqual({ value: 2, reason: 'mock', source: 'network' });
    expect(said(await at(3_000, () => client.snapshotFor(BOB)))).toEqual({ value: 2, reason: 'mock', source: 'network' });
    expect(loads()).toEqual([0, 2_000]);
    client.close();
  });

  it('back to ready: a held entry is not kept, the next call has the server’s answer', async () => {
    const { source, client, at, loads } = await turnedStale(new ServerError(503));
    expect(said(await at(2_000, () => client.snapshotFor(BOB))).reason).toBe('stale');
    source.recover();
    source.set('a', 3);
    const refreshed = at(3_000, () => client.refresh()); // lands with the retry due at 4 s
    const again = await at(8_000, () => {
      expect(client.status.state).toBe('ready');
      return client.snapshotFor(BOB);
    });
    await refreshed;
    expect(said(again)).toEqual({ value: 3, reason: 'mock', source: 'network' });
    expect(loads()).toEqual([0, 2_000, 8_000]);
    client.close();
  });

  it('closed while asking again: the call fails with ClosedError, nothing held for a closed client', async () => {
    const { source, client, at, askedAt } = await turnedStale(new ServerError(503));
    source.recover();
    source.delay(500);
    const { outcome } = await askedAt(2_000);
    await at(2_100, async () => client.close());
    await at(3_000, async () => undefined);
    expect([await outcome, client.status.state]).toEqual(['ClosedError', 'closed']);
  });

  it('asking again meets a terminal 401: the call fails with that AuthError, not a held answer', async () => {
    const { source, client, at, loads } = await turnedStale(new ServerError(503));
    source.fail(new AuthError(401));
    await expect(at(1_500, () => client.snapshotFor(BOB))).rejects.toMatchObject({ name: 'AuthError' });
    expect(loads()).toEqual([0, 1_500]);
    expect(client.status).toMatchObject({ state: 'error', error: { name: 'AuthError' } });
    client.close();
  });

  it('the client stops on a 401 while a re-ask is out, which then fails with a 503: that error, not a held answer', async () => {
    const { source, client, at, askedAt } = await turnedStale(new ServerError(503));
    source.delay(5_000);
    const { outcome } = await askedAt(2_500);
    source.delay(0);
    source.fail(new AuthError(401)); // the client's next retry meets it; the re-ask already holds its 503
    await at(20_000, async () => undefined);
    expect(client.status).toMatchObject({ state: 'error', error: { name: 'AuthError' } });
    expect(await outcome).toBe('ServerError');
    client.close();
  });

  it('asking again fails after the entry expired: the server’s error, not an answer held past its age', async () => {
    const { source, client, at, askedAt } = await turnedStale(new ServerError(503));
    source.delay(5_000);
    const { outcome } = await askedAt(58_000);
    await at(64_000, async () => undefined);
    expect(await outcome).toBe('ServerError');
    client.close();
  });

  it('a client without values of its own (its first load failed) still holds another context’s answer through a failed re-ask', async () => {
    let down = (context: { userId?: string }): boolean => context.userId !== 'bob';
    const source = testSource({
      a: (context) => {
        if (down(context)) throw new ServerError(503);
        return 1;
      },
    });
    const scheduler = new VirtualTimeScheduler(undefined, 60_000);
    const client: FlagClient = clientOn(source, scheduler as never, { snapshotForMaxAgeMs: 60_000, circuitBreaker: false });
    const bobLoads = (): number[] => source.requests.filter((r) => r.type === 'load' && r.context.userId === 'bob').map((r) => r.at);
    const runTo = (ms: number): void => {
      scheduler.maxFrames = ms;
      scheduler.flush();
    };
    source.delay(100);
    void client.ready();
    const first = client.snapshotFor(BOB); // asked while the client's own first load is out
    await vi.waitFor(() => expect(bobLoads()).toEqual([0]));
    runTo(100);
    expect(said(await first).value).toBe(1);
    expect(client.status).toMatchObject({ state: 'error', source: 'none' });
    down = () => true;
    let again: Promise<string> | undefined;
    scheduler.schedule(() => void (again = client.snapshotFor(BOB).then((snapshot) => said(snapshot).reason, (error: Error) => error.name)), 1_000 - scheduler.now());
    runTo(1_000);
    await vi.waitFor(() => expect(bobLoads()).toEqual([0, 1_000]));
    runTo(1_100);
    expect(await again).toBe('stale');
    client.close();
  });

  it('a context without a live entry still fails with the server’s error (nothing is made up)', async () => {
    const { client, at } = await turnedStale(new ServerError(503));
    await expect(at(2_000, () => client.snapshotFor({ userId: 'carol' }))).rejects.toMatchObject({ name: 'ServerError' });
    client.close();
  });
});
