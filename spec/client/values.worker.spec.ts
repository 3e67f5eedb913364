import { afterEach, describe, expect, it } from 'vitest';
import { AuthError, type FlagClient } from '../../lib/index.js';
import { testSource, type TestSource } from '../../lib/testing/index.js';
import { clientOn, virtualTime } from '../support/virtual.js';

/** Bound on waiting for the loop: a correct iterator answers within microtasks, a broken one never. */
const BOUND_MS = 1_000;

/**
 * A `for await` worker loop over `iterable`. While `holding`, the body stays busy on each value until
 * `release()`; `next()` gives the values the body saw, in order, failing after `BOUND_MS` when the loop
 * sees nothing (the lost-change failure waits for ever).
 */
function workerLoop<T>(iterable: AsyncIterable<T>) {
  const seen: T[] = [];
  let read = 0;
  let onSeen: (() => void) | undefined;
  let releaseBody: (() => void) | undefined;
  let holding = false;
  const done = (async () => {
    for await (const value of iterable) {
      seen.push(value);
      onSeen?.();
      if (holding) await new Promise<void>((resolve) => (releaseBody = resolve));
    }
  })();
  return {
    seen,
    done,
    /** From now on the body stays busy on every value until `release()`. */
    hold(): void {
      holding = true;
    },
    /** Ends the current busy period; with `stopHolding`, later values pass straight through. */
    release(stopHolding = false): void {
      if (stopHolding) holding = false;
      const release = releaseBody;
      releaseBody = undefined;
      release?.();
    },
    /** The next value the body sees. */
    async next(): Promise<T> {
      while (read >= seen.length) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((resolve, reject) => {
          onSeen = resolve;
          timer = setTimeout(() => reject(new Error(`the loop saw nothing new after [${seen.join(', ')}]`)), BOUND_MS);
        }).finally(() => clearTimeout(timer));
      }
      return seen[read++]!;
    },
    /** Runs every pending microtask (and the loop with them), then says what the body has seen. */
    async settled(): Promise<T[]> {
      await new Promise((resolve) => setImmediate(resolve));
      return seen.slice();
    },
  };
}

describe('values() in a worker loop: the final state is never lost', () => {
  let client: FlagClient | undefined;
  let source: TestSource;

  afterEach(() => {
    client?.close();
    client = undefined;
  });

  function start(flags: Record<string, number | boolean>): FlagClient {
    source = testSource(flags);
    client = clientOn(source, virtualTime(), { streaming: true });
    return client;
  }

  /** A loop over `limit` (1 at first) that waited for a change, got 2 and is now busy on it. */
  async function busyOn2(c: FlagClient): Promise<ReturnType<typeof workerLoop<number>>> {
    const loop = workerLoop(c.values('limit', 0));
    expect(await loop.next()).toBe(1);
    loop.hold();
    source.set('limit', 2);
    expect(await loop.next()).toBe(2);
    return loop;
  }

  it('idle, then busy: a change that lands while the body works is the next value', async () => {
    const c = start({ limit: 1 });
    const loop = workerLoop(c.values('limit', 0));
    expect(await loop.next()).toBe(1); // first value at once
    loop.hold();
    source.set('limit', 2); // the loop was idle, waiting
    expect(await loop.next()).toBe(2);
    source.set('limit', 3); // the body is busy on 2
    loop.release();
    expect(await loop.next()).toBe(3);
  });

  it('a kill switch flipped while the body is busy stops the worker', async () => {
    const c = start({ 'kill-switch': false });
    const loop = workerLoop(c.values('kill-switch', false));
    expect(await loop.next()).toBe(false);
    loop.hold();
    source.set('kill-switch', true);
    expect(await loop.next()).toBe(true);
    source.set('kill-switch', false); // flipped back while busy: the body must see it
    loop.release(true);
    expect(await loop.next()).toBe(false);
  });

  it('busy twice: each busy period ends with the newest value only', async () => {
    const c = start({ limit: 1 });
    const loop = await busyOn2(c);
    source.set('limit', 3);
    source.set('limit', 4);
    loop.release();
    expect(await loop.next()).toBe(4);
    source.set('limit', 5);
    source.set('limit', 6);
    loop.release();
    expect(await loop.next()).toBe(6);
    loop.release(true);
    expect(await loop.settled()).toEqual([1, 2, 4, 6]);
  });

  it('yields only distinct values: a change and its undo while busy, or another flag, yield nothing', async () => {
    const c = start({ limit: 1, other: 1 });
    const loop = await busyOn2(c);
    source.set('limit', 3);
    source.set('limit', 2); // back to what the body has
    source.set('other', 2);
    loop.release(true);
    expect(await loop.settled()).toEqual([1, 2]);
    source.set('limit', 9);
    expect(await loop.next()).toBe(9);
  });

  it('a change during break ends the loop cleanly and is not delivered', async () => {
    const c = start({ limit: 1 });
    const seen: number[] = [];
    for await (const limit of c.values('limit', 0)) {
      seen.push(limit);
      source.set('limit', limit + 1); // a change lands while the body decides to stop
      if (limit === 2) break;
    }
    source.set('limit', 10);
    expect(seen).toEqual([1, 2]);
    expect(c.status.state).toBe('ready');
  });

  it('return() while a next() waits settles both, and later changes go nowhere', async () => {
    const c = start({ limit: 1 });
    const iterator = c.values('limit', 0)[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    const waiting = iterator.next();
    const returned = iterator.return!();
    source.set('limit', 2);
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(await returned).toEqual({ value: undefined, done: true });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('an abort while the body is busy ends the loop without the pending value', async () => {
    const c = start({ limit: 1 });
    const controller = new AbortController();
    const loop = workerLoop(c.values('limit', 0, { signal: controller.signal }));
    expect(await loop.next()).toBe(1);
    loop.hold();
    source.set('limit', 2);
    expect(await loop.next()).toBe(2);
    source.set('limit', 3);
    controller.abort();
    loop.release(true);
    await loop.done;
    expect(loop.seen).toEqual([1, 2]);
  });

  it('close() while the body is busy with a newer value pending ends the loop without that value', async () => {
    const c = start({ limit: 1 });
    const loop = await busyOn2(c);
    source.set('limit', 3); // pending while the body works on 2
    c.close();
    loop.release(true);
    await loop.done;
    expect(loop.seen).toEqual([1, 2]);
    expect(c.status.state).toBe('closed');
  });

  it('a loop waiting for the first load gets the default once the client gives up on it (401), with the status saying why', async () => {
    source = testSource({ limit: 5 });
    source.fail(new AuthError(401));
    const c = (client = clientOn(source, virtualTime(), { streaming: true }));
    const loop = workerLoop(c.values('limit', 7));
    expect(await loop.next()).toBe(7);
    expect(c.status).toMatchObject({ state: 'error', source: 'none', error: expect.any(AuthError) });
    // Nothing comes after a terminal error; close() still ends the loop.
    c.close();
    await loop.done;
    expect(loop.seen).toEqual([7]);
  });

  it('close() ends a loop that is busy and one that waits', async () => {
    const c = start({ limit: 1 });
    const busy = workerLoop(c.values('limit', 0));
    const idle = workerLoop(c.values('limit', 0));
    expect(await busy.next()).toBe(1);
    expect(await idle.next()).toBe(1);
    busy.hold();
    source.set('limit', 2);
    expect(await busy.next()).toBe(2);
    expect(await idle.next()).toBe(2);
    c.close();
    busy.release(true);
    await Promise.all([busy.done, idle.done]);
    expect(busy.seen).toEqual([1, 2]);
  });
});
