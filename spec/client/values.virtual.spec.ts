import { afterEach, describe, expect, it } from 'vitest';
import type { FlagClient } from '../../lib/index.js';
import { testSource, type TestSource } from '../../lib/testing/index.js';
import { clientOn, virtualTime } from '../support/virtual.js';

/**
 * `values()` is promise-based, so these specs do not run inside `TestScheduler.run()`: the client gets
 * a scheduler that is never flushed (no real timers), and the source answers synchronously, its stream
 * turning every `set()` into an immediate refetch.
 */
describe('values(), with a synchronous test source', () => {
  let client: FlagClient | undefined;
  let source: TestSource;

  afterEach(() => {
    client?.close();
    client = undefined;
  });

  function start(flags: Record<string, number>): FlagClient {
    source = testSource(flags);
    client = clientOn(source, virtualTime(), { streaming: true });
    return client;
  }

  it('gives a slow consumer the latest value, skipping the ones it missed', async () => {
    const c = start({ limit: 1 });
    const iterator = c.values('limit', 0)[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    source.set('limit', 2);
    source.set('limit', 3);
    source.set('limit', 4);
    expect(await iterator.next()).toEqual({ value: 4, done: false });
    source.set('limit', 5);
    expect(await iterator.next()).toEqual({ value: 5, done: false });
    expect(source.loads).toBe(5);
  });

  it('does not repeat a value when an unrelated flag changes', async () => {
    const c = start({ limit: 1, other: 1 });
    const iterator = c.values('limit', 0)[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    source.set('other', 2);
    const next = iterator.next();
    source.set('limit', 7);
    expect(await next).toEqual({ value: 7, done: false });
  });

  it('ends when the AbortSignal aborts, also while waiting for a value', async () => {
    const c = start({ limit: 1 });
    const controller = new AbortController();
    const seen: number[] = [];
    let first!: () => void;
    const firstSeen = new Promise<void>((resolve) => (first = resolve));
    const loop = (async () => {
      for await (const limit of c.values('limit', 0, { signal: controller.signal })) {
        seen.push(limit);
        if (limit === 1) first();
        if (limit === 2) queueMicrotask(() => controller.abort());
      }
    })();
    await firstSeen;
    source.set('limit', 2);
    await loop;
    expect(seen).toEqual([1, 2]);
    expect(c.status.state).toBe('ready');
  });

  it('ends at once for a signal that has already aborted', async () => {
    const c = start({ limit: 1 });
    const iterator = c.values('limit', 0, { signal: AbortSignal.abort() })[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('ends on close()', async () => {
    const c = start({ limit: 1 });
    const iterator = c.values('limit', 0)[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    const pending = iterator.next();
    c.close();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  // The iteration is loaded on first use: every call made before it arrived settles in order.
  describe('while its chunk is still loading', () => {
    it('a next() settles done when close() comes first', async () => {
      const c = start({ limit: 1 });
      const pending = c.values('limit', 0)[Symbol.asyncIterator]().next();
      c.close();
      expect(await pending).toEqual({ value: undefined, done: true });
    });

    it('a signal aborted before the first next() ends the iteration', async () => {
      const c = start({ limit: 1 });
      const controller = new AbortController();
      const iterator = c.values('limit', 0, { signal: controller.signal })[Symbol.asyncIterator]();
      controller.abort();
      expect(await iterator.next()).toEqual({ value: undefined, done: true });
      expect(c.status.state).toBe('initializing');
    });

    it('a next() and a return() made before it arrived settle in call order, and later changes go nowhere', async () => {
      const c = start({ limit: 1 });
      const iterator = c.values('limit', 0)[Symbol.asyncIterator]();
      const results = Promise.all([iterator.next(), iterator.return!()]);
      expect(await results).toEqual([{ value: 1, done: false }, { value: undefined, done: true }]);
      source.set('limit', 2);
      expect(await iterator.next()).toEqual({ value: undefined, done: true });
    });

    it('break on the first value ends the loop and the iteration', async () => {
      const c = start({ limit: 1 });
      const iterator = c.values('limit', 0)[Symbol.asyncIterator]();
      const seen: number[] = [];
      for await (const limit of { [Symbol.asyncIterator]: () => iterator }) {
        seen.push(limit);
        break;
      }
      expect(seen).toEqual([1]);
      // The loop's return() reached the iteration: a later change is not handed out.
      source.set('limit', 2);
      expect(await iterator.next()).toEqual({ value: undefined, done: true });
    });
  });
});
