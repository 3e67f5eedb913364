import { firstValueFrom, map, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ClosedError, ConfigError, FlagNotFoundError, isFlagNotFound, type EvalResult, type FlagChange, type FlagClient } from '../../lib/index.js';
import { createMockClient, type MockFlagClient } from '../../lib/testing/index.js';
import { virtualTime } from '../support/virtual.js';

/** Code under test, as a user would write it: depends only on the public `FlagClient`. */
function bannerFor(client: FlagClient): string {
  return client.bool('dark-mode') ? `dark:${client.string('banner', 'none')}` : 'light';
}

describe('createMockClient', () => {
  let mock: MockFlagClient | undefined;
  const make = (...args: Parameters<typeof createMockClient>): MockFlagClient => (mock = createMockClient(...args));

  afterEach(() => {
    mock?.close();
    mock = undefined;
  });

  it('hands out a copy of its context, as the real client does: changing what context returns changes nothing', () => {
    const client = make({ context: { userId: 'u-1', attributes: { plan: 'pro' } } });
    (client.context.attributes as Record<string, unknown>).plan = 'free';
    expect(client.context).toEqual({ userId: 'u-1', attributes: { plan: 'pro' } });
  });

  it('serves plain values through every getter, with reason "mock"', () => {
    const client = make({ flags: { 'dark-mode': true, banner: 'x', limit: 5, layout: { cols: 3 } } });
    expect(bannerFor(client)).toBe('dark:x');
    expect(client.number('limit', 0)).toBe(5);
    expect(client.json('layout', {})).toEqual({ cols: 3 });
    expect(client.evaluate('dark-mode')).toMatchObject({ key: 'dark-mode', enabled: true, variant: 'true', value: true, reason: 'mock' });
    expect(client.evaluate('limit')).toMatchObject({ variant: '5', value: 5, reason: 'mock' });
    expect(client.string('dark-mode', 'wrong type')).toBe('wrong type');
    expect(client.all().keys()).toEqual(['dark-mode', 'banner', 'limit', 'layout']);
    expect(client.snapshot.toValues()).toEqual({ 'dark-mode': true, banner: 'x', limit: 5, layout: { cols: 3 } });
  });

  it('serves null and arrays as values, and a value that is not JSON as an enabled "mock" result without one', () => {
    const client = make({ flags: { off: null, list: ['a'], odd: new Map() as never, partial: { key: 'x', enabled: true, variant: 'v', reason: 'r' } } });
    expect(client.evaluate('off')).toMatchObject({ enabled: true, variant: 'null', value: null, reason: 'mock', source: 'bootstrap' });
    expect(client.json('list', [])).toEqual(['a']);
    expect(client.evaluate('odd')).toEqual({ key: 'odd', enabled: true, variant: '', value: undefined, reason: 'mock', evaluatedAt: expect.any(String), source: 'bootstrap' });
    expect(client.json('partial', {})).toEqual({ key: 'x', enabled: true, variant: 'v', reason: 'r' });
  });

  it('a full result with source "default" is a value like any other: only FLAG_NOT_FOUND reads as missing, in getters and observables alike', async () => {
    const at = '2026-01-01T00:00:00.000Z';
    const client = make({
      flags: {
        on: { key: 'on', enabled: true, variant: 'true', value: true, reason: 'default_fallback', evaluatedAt: at, source: 'default' },
        gone: { key: 'gone', enabled: false, variant: 'true', value: true, reason: 'not_found', evaluatedAt: at, source: 'network', errorCode: 'FLAG_NOT_FOUND' },
      },
    });
    expect([client.bool('on', false), await firstValueFrom(client.bool$('on', false))]).toEqual([true, true]);
    expect(isFlagNotFound(client.evaluate('gone'))).toBe(true);
    expect([isFlagNotFound(client.evaluate('on')), isFlagNotFound(undefined)]).toEqual([false, true]);
    expect(await firstValueFrom(client.bool$('gone', false))).toBe(false);
  });

  it('keeps full EvalResults as given, under the key they are set for', () => {
    const result: EvalResult = {
      key: 'other',
      enabled: false,
      variant: 'holiday',
      value: 'holiday',
      reason: 'rule_match',
      evaluatedAt: '2026-01-01T00:00:00.000Z',
      source: 'network',
      details: { ruleId: 'r1' },
    };
    const client = make({ flags: { banner: result } });
    expect(client.evaluate('banner')).toEqual({ ...result, key: 'banner' });
    expect(client.string('banner', '')).toBe('holiday');
  });

  it('answers a missing key with "mock_default" when it has a default, else "not_found"', () => {
    const client = make({ flags: {}, defaults: { 'dark-mode': true, banner: 'fallback' } });
    expect(client.evaluate('banner')).toMatchObject({ value: 'fallback', reason: 'mock_default', errorCode: 'FLAG_NOT_FOUND' });
    expect(client.evaluate('nope')).toMatchObject({ value: undefined, reason: 'not_found', errorCode: 'FLAG_NOT_FOUND' });
    expect(client.bool('dark-mode')).toBe(true);
    expect(client.bool('dark-mode', false)).toBe(false);
    expect(client.bool('nope')).toBe(false);
    expect(client.string('nope', 'd')).toBe('d');
  });

  it('flag$ emits synchronously, then only on a real change; set() also drives changes$, flags$ and events$', () => {
    const client = make({ flags: { 'dark-mode': false, banner: 'x' } });
    const seen: unknown[] = [];
    const changes: FlagChange[] = [];
    const sizes: number[] = [];
    const events: string[] = [];
    client.flag$('dark-mode').subscribe((result) => seen.push(result.value));
    client.changes$.subscribe((change) => changes.push(change));
    client.flags$.subscribe((snapshot) => sizes.push(snapshot.size));
    client.events$.subscribe((event) => events.push(event.type === 'refreshed' ? `refreshed:${event.changed}` : event.type));
    expect(seen).toEqual([false]);
    client.set('dark-mode', false);
    client.set('banner', 'y');
    client.set('dark-mode', true);
    expect(seen).toEqual([false, true]);
    expect(changes.map((c) => [c.key, c.previous?.value, c.current?.value])).toEqual([
      ['banner', 'x', 'y'],
      ['dark-mode', false, true],
    ]);
    expect(sizes).toEqual([2, 2, 2]);
    expect(events).toEqual(['refreshed:0', 'refreshed:1', 'refreshed:1']);
  });

  it('set({ ...many }) lands as one snapshot; remove() pushes the missing-key result', () => {
    const client = make({ flags: { a: 1 }, defaults: { b: 0 } });
    const snapshots: Array<Record<string, unknown>> = [];
    const b: EvalResult[] = [];
    client.flags$.subscribe((snapshot) => snapshots.push(snapshot.toValues()));
    client.flag$('b').subscribe((result) => b.push(result));
    client.set({ a: 2, b: 3 });
    client.remove('b');
    client.set({ c: 4, a: 5 });
    expect(snapshots).toEqual([{ a: 1 }, { a: 2, b: 3 }, { a: 2 }, { a: 5, c: 4 }]);
    expect(client.all().keys()).toEqual(['a', 'c']);
    expect(b.map((result) => [result.value, result.reason])).toEqual([
      [0, 'mock_default'],
      [3, 'mock'],
      [0, 'mock_default'],
    ]);
  });

  it('typed observables skip repeats of the same value; json$ compares structurally', async () => {
    const client = make({ flags: { limit: 1, layout: { cols: 1 } } });
    const limits = firstValueFrom(client.number$('limit', 0).pipe(toArray()));
    const layouts = firstValueFrom(client.json$('layout', {}).pipe(toArray()));
    const banners = firstValueFrom(client.string$('banner', 'none').pipe(toArray()));
    client.set('banner', 'spring');
    client.set('banner', 3);
    client.set('limit', { key: 'limit', enabled: false, variant: '1', value: 1, reason: 'disabled', evaluatedAt: '', source: 'network' });
    client.set('limit', 2);
    client.set('layout', { cols: 1 });
    client.set('layout', { key: 'layout', enabled: true, variant: 'v2', value: { cols: 1 }, reason: 'rule_match', evaluatedAt: '', source: 'network' });
    client.set('layout', { cols: 2 });
    client.close();
    expect(await limits).toEqual([1, 2]);
    expect(await layouts).toEqual([{ cols: 1 }, { cols: 2 }]);
    expect(await banners).toEqual(['none', 'spring', 'none']);
  });

  it('counts every read: getters, evaluate, evaluateFor and each flag$ subscription (typed ones too)', async () => {
    const client = make({ flags: { a: true, b: 'x' } });
    client.bool('a');
    client.bool('a');
    client.string('b', '');
    client.evaluate('c');
    client.number('d', 0);
    client.json('e', null);
    client.flag$('f').subscribe().unsubscribe();
    client.bool$('a').subscribe().unsubscribe();
    await client.evaluateFor('b', { userId: 'u' });
    client.all().bool('g');
    client.snapshot.bool('g');
    expect(client.evaluations()).toEqual({ a: 3, b: 2, c: 1, d: 1, e: 1, f: 1 });
    client.assertEvaluated('a');
    client.assertEvaluated('a', 3);
    client.assertNotEvaluated('g');
    client.reset();
    expect(client.evaluations()).toEqual({});
    client.assertNotEvaluated('a');
  });

  it('assertEvaluated throws an Error listing what was evaluated', () => {
    const client = make({ flags: { 'dark-mode': true } });
    expect(() => client.assertEvaluated('dark-mode')).toThrow('expected flag "dark-mode" to have been evaluated, but it was not. Evaluated: nothing.');
    client.bool('dark-mode');
    client.string('banner', '');
    client.string('banner', '');
    expect(() => client.assertEvaluated('max-items')).toThrow(
      'expected flag "max-items" to have been evaluated, but it was not. Evaluated: "dark-mode" (1), "banner" (2).',
    );
    expect(() => client.assertEvaluated('banner', 1)).toThrow(
      'expected flag "banner" to have been evaluated 1 time, but it was evaluated 2 times. Evaluated: "dark-mode" (1), "banner" (2).',
    );
    expect(() => client.assertEvaluated('dark-mode')).not.toThrow();
  });

  it('assertNotEvaluated throws an Error listing what was evaluated', () => {
    const client = make({ flags: { 'dark-mode': true } });
    client.assertNotEvaluated('dark-mode');
    bannerFor(client);
    let thrown: unknown;
    try {
      client.assertNotEvaluated('dark-mode');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toBe(
      'expected flag "dark-mode" not to have been evaluated, but it was evaluated 1 time. Evaluated: "dark-mode" (1), "banner" (1).',
    );
  });

  it('is ready at once; setStatus() and resetCircuit() drive status$; close() ends everything', async () => {
    const client = make({ flags: { a: true } });
    expect(await client.ready()).toEqual({ ok: true, source: 'bootstrap' });
    const states: string[] = [];
    let ended = 0;
    const end = { complete: () => (ended += 1) };
    client.status$.pipe(map((s) => `${s.state}/${s.circuit}`)).subscribe({ next: (s) => states.push(s), ...end });
    client.flag$('a').subscribe(end);
    client.flags$.subscribe(end);
    client.changes$.subscribe(end);
    client.events$.subscribe(end);
    client.setStatus({ state: 'stale', circuit: 'open' });
    client.resetCircuit();
    client.close();
    client.close();
    expect(states).toEqual(['ready/closed', 'stale/open', 'stale/closed', 'closed/closed']);
    expect(ended).toBe(5);
    expect(client.status.state).toBe('closed');
    expect(await client.ready()).toMatchObject({ ok: false, error: expect.any(ClosedError) });
    await expect(client.refresh()).rejects.toBeInstanceOf(ClosedError);
    await expect(client.identify({ userId: 'u' })).rejects.toBeInstanceOf(ClosedError);
    await expect(client.evaluateFor('a', {})).rejects.toBeInstanceOf(ClosedError);
    await expect(client.snapshotFor({})).rejects.toBeInstanceOf(ClosedError);
    expect(client.context).toEqual({});
    expect(client.evaluations()).toEqual({ a: 1 });
    const after: unknown[] = [];
    client.flag$('a').subscribe({ next: (v) => after.push(v), complete: () => after.push('complete') });
    expect(after).toEqual(['complete']);
  });

  it('identify() records the context; evaluateFor/snapshotFor answer from the flags', async () => {
    const client = make({ flags: { a: 'x' }, context: { userId: 'anon' } });
    expect(client.context).toEqual({ userId: 'anon' });
    await client.identify({ userId: 'u1', attributes: { plan: 'pro' } });
    expect(client.context).toEqual({ userId: 'u1', attributes: { plan: 'pro' } });
    expect(() => client.identify({ userId: 7 } as never)).toThrow(ConfigError);
    expect(() => make({ context: { attributes: { tags: new Set() } } })).toThrow('context.attributes.tags: must be JSON data, a Date, or have toJSON()');
    const attributes = { plan: 'pro' };
    const copied = make({ context: { attributes } }).context.attributes;
    expect([copied, copied === attributes]).toEqual([{ plan: 'pro' }, false]);
    await expect(client.refresh()).resolves.toBeUndefined();
    await expect(client.evaluateFor('a', { userId: 'x' })).resolves.toMatchObject({ value: 'x', reason: 'mock' });
    await expect(client.evaluateFor('missing', { userId: 'x' })).rejects.toBeInstanceOf(FlagNotFoundError);
    expect((await client.snapshotFor({ userId: 'x' })).toValues()).toEqual({ a: 'x' });
  });

  it('track() records events as the real client would send them; flush() resolves; reset() forgets them', async () => {
    const ts = virtualTime();
    const client = make({ flags: { checkout: true }, context: { userId: 'u1' }, scheduler: ts });
    client.track({ flagKey: 'checkout', eventName: 'purchase', value: 9.5, metadata: { plan: 'pro' } });
    client.track({ flagKey: 'checkout', eventName: 'view', userId: 'u2' });
    expect(() => client.track({ flagKey: '', eventName: 'x' })).toThrow(ConfigError);
    await expect(client.flush()).resolves.toBeUndefined();
    const at = new Date(0).toISOString();
    expect(client.tracked()).toEqual([
      { flagKey: 'checkout', eventName: 'purchase', userId: 'u1', timestamp: at, value: 9.5, metadata: { plan: 'pro' } },
      { flagKey: 'checkout', eventName: 'view', userId: 'u2', timestamp: at },
    ]);
    client.reset();
    expect(client.tracked()).toEqual([]);
    client.close();
    client.track({ flagKey: 'checkout', eventName: 'late' });
    expect(client.tracked()).toEqual([]);
    await expect(client.flush()).rejects.toBeInstanceOf(ClosedError);
  });

  it('values() yields the latest value to a slow consumer and ends on abort', async () => {
    const client = make({ flags: { limit: 1 } });
    const controller = new AbortController();
    const iterator = client.values('limit', 0, { signal: controller.signal })[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    client.set('limit', 2);
    client.set('limit', 3);
    expect(await iterator.next()).toEqual({ value: 3, done: false });
    const pending = iterator.next();
    controller.abort();
    expect(await pending).toEqual({ value: undefined, done: true });
    client.assertEvaluated('limit', 1);
  });

  it('values() ends on close()', async () => {
    const client = make({ flags: { on: true } });
    const seen: boolean[] = [];
    const loop = (async () => {
      for await (const on of client.values('on', false)) {
        seen.push(on);
        if (seen.length === 1) queueMicrotask(() => client.close());
      }
    })();
    await loop;
    expect(seen).toEqual([true]);
  });

  it('works in virtual time: marble-driven set() shows up in typed observables', () => {
    const ts = virtualTime();
    ts.run(({ cold, expectObservable }) => {
      const client = make({ flags: { 'dark-mode': false }, scheduler: ts });
      cold('10ms a 9ms b 9ms c', { a: true, b: true, c: false }).subscribe((value) => client.set('dark-mode', value));
      expectObservable(client.bool$('dark-mode'), '^ 40ms !').toBe('a 9ms b 19ms a', { a: false, b: true });
      expectObservable(client.changes$.pipe(map((c) => c.current?.evaluatedAt)), '^ 40ms !').toBe('10ms a 19ms b', {
        a: new Date(10).toISOString(),
        b: new Date(30).toISOString(),
      });
    });
  });
});
