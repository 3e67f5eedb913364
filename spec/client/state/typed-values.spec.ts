import { Observable, Subject, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyedFanout } from '../../../lib/client/state/fanout.js';
import { FlagViews } from '../../../lib/client/state/typed-values.js';
import type { EvalResult, FlagClient, JsonValue } from '../../../lib/index.js';
import { createMockClient, testSource } from '../../../lib/testing/index.js';
import { clientOn, virtualTime } from '../../support/virtual.js';

const result = (key: string, value: JsonValue | undefined): EvalResult => ({
  key,
  enabled: true,
  variant: String(value),
  value,
  reason: 'default',
  evaluatedAt: '',
  source: 'network',
});

/** FlagViews over a hand-driven fan-out, counting the flag$ subscriptions it makes. */
class Views extends FlagViews {
  stored = new Map<string, JsonValue | undefined>();
  subscriptions = 0;
  readonly ended = new Subject<void>();
  readonly fanout = new KeyedFanout<EvalResult>((key) => (this.stored.has(key) ? result(key, this.stored.get(key)) : undefined));

  flag$(key: string): Observable<EvalResult> {
    return new Observable<EvalResult>((subscriber) => {
      this.subscriptions += 1;
      const inner = this.fanout.channel$(key).subscribe(subscriber);
      const end = this.ended.subscribe(() => subscriber.complete());
      return () => {
        this.subscriptions -= 1;
        inner.unsubscribe();
        end.unsubscribe();
      };
    });
  }

  put(key: string, value: JsonValue | undefined): void {
    this.stored.set(key, value);
    this.fanout.push(key, result(key, value));
  }
}

/** How many typed views hold a registration (the private registry, read for the spec). */
const registeredViews = (views: FlagViews): number => (views as unknown as { views: Map<string, unknown> }).views.size;

describe('shared typed views', () => {
  it('one flag$ subscription serves every subscriber of a key, kind and default', () => {
    const views = new Views({});
    views.put('a', true);
    const seen: boolean[][] = [[], [], []];
    const subs = seen.map((list) => views.bool$('a').subscribe((v) => list.push(v)));
    expect(views.subscriptions).toBe(1);
    views.bool$('a', true).subscribe().unsubscribe();
    views.string$('a', 'x').subscribe();
    expect(views.subscriptions).toBe(2);
    views.put('a', false);
    views.put('a', 'not a boolean');
    views.put('a', true);
    expect(seen).toEqual([
      [true, false, true],
      [true, false, true],
      [true, false, true],
    ]);
    for (const sub of subs) sub.unsubscribe();
    expect(views.subscriptions).toBe(1);
  });

  it('a late subscriber gets the current value; each subscriber sees only changes', () => {
    const views = new Views({});
    const first: number[] = [];
    views.number$('n', 0).subscribe((v) => first.push(v));
    expect(first).toEqual([]);
    views.put('n', 1);
    views.put('n', 1);
    const late: number[] = [];
    views.number$('n', 0).subscribe((v) => late.push(v));
    views.put('n', 2);
    expect(first).toEqual([1, 2]);
    expect(late).toEqual([1, 2]);
  });

  it('json$ compares structurally', () => {
    const views = new Views({});
    views.put('j', { a: [1] });
    const seen: JsonValue[] = [];
    views.json$('j', null).subscribe((v) => seen.push(v));
    views.put('j', { a: [1] });
    views.put('j', { a: [2] });
    expect(seen).toEqual([{ a: [1] }, { a: [2] }]);
  });

  it('completes with its source, and a held observable works again afterwards', () => {
    const views = new Views({});
    views.put('a', true);
    const held = views.bool$('a');
    let completed = 0;
    held.subscribe({ complete: () => (completed += 1) });
    views.bool$('a').subscribe({ complete: () => (completed += 1) });
    views.ended.next();
    expect(completed).toBe(2);
    expect(views.subscriptions).toBe(0);
    const again: boolean[] = [];
    held.subscribe((v) => again.push(v));
    expect(again).toEqual([true]);
    expect(views.subscriptions).toBe(1);
  });
});

describe('typed views under re-entrancy and churn', () => {
  it('a push from inside a callback reaches everyone, and the older push does not arrive after it', () => {
    const views = new Views({});
    views.put('n', 1);
    const first: number[] = [];
    const second: number[] = [];
    views.number$('n', 0).subscribe((v) => {
      first.push(v);
      if (v === 2) views.put('n', 3);
    });
    views.number$('n', 0).subscribe((v) => second.push(v));
    views.put('n', 2);
    expect(first).toEqual([1, 2, 3]);
    expect(second).toEqual([1, 3]);
  });

  it('a subscriber added from inside a callback gets the new value once', () => {
    const views = new Views({});
    views.put('n', 1);
    const late: number[] = [];
    views.number$('n', 0).subscribe((v) => {
      if (v === 2) views.number$('n', 0).subscribe((w) => late.push(w));
    });
    views.put('n', 2);
    views.put('n', 3);
    expect(late).toEqual([2, 3]);
  });

  it('drops its registration with its last subscriber', () => {
    const views = new Views({});
    views.put('a', true);
    const subs = [views.bool$('a').subscribe(), views.bool$('a', true).subscribe(), views.json$('a').subscribe()];
    expect(registeredViews(views)).toBe(2);
    for (const sub of subs) sub.unsubscribe();
    expect(registeredViews(views)).toBe(0);
    expect(views.subscriptions).toBe(0);
  });
});

describe('values(): no subscription outlives its loop', () => {
  it('an abort (waiting or busy), a break and close() each end the flag$ subscription', async () => {
    const views = new Views({});
    views.put('n', 1);
    const controller = new AbortController();
    const waiting = views.values('n', 0, { signal: controller.signal })[Symbol.asyncIterator]();
    expect((await waiting.next()).value).toBe(1);
    const next = waiting.next();
    expect(views.subscriptions).toBe(1);
    controller.abort();
    expect(await next).toEqual({ value: undefined, done: true });
    expect(views.subscriptions).toBe(0);

    const busy = new AbortController();
    for await (const n of views.values('n', 0, { signal: busy.signal })) {
      expect(n).toBe(1);
      views.put('n', 2);
      busy.abort();
    }
    expect(views.subscriptions).toBe(0);

    for await (const n of views.values<number>('n', 0)) if (n === 2) break;
    expect(views.subscriptions).toBe(0);

    const ended = views.values('n', 0)[Symbol.asyncIterator]();
    await ended.next();
    views.ended.next();
    expect(await ended.next()).toEqual({ value: undefined, done: true });
    expect(views.subscriptions).toBe(0);
  });
});

describe('defaults for every typed read', () => {
  const defaults = { on: true, banner: 'hello', limit: 5, layout: { cols: 2 } };
  let client: FlagClient | undefined;

  afterEach(() => {
    client?.close();
    client = undefined;
  });

  it('the mock client applies configured defaults to every getter called without a default', async () => {
    const mock = createMockClient({ defaults });
    client = mock;
    expect([mock.bool('on'), mock.string('banner'), mock.number('limit'), mock.json('layout')]).toEqual([true, 'hello', 5, { cols: 2 }]);
    expect([mock.string('nope'), mock.number('nope'), mock.json('nope')]).toEqual(['', 0, null]);
    expect(mock.string('limit')).toBe('');
    expect(await firstValueFrom(mock.string$('banner'))).toBe('hello');
  });

  it('the real client applies them to the typed observables and values()', async () => {
    // The typed views as FlagViews declares them (defaults optional).
    const c = clientOn(testSource({ other: 1 }), virtualTime(), { defaults });
    client = c;
    await c.ready();
    const views = c as unknown as Pick<FlagViews, 'bool$' | 'string$' | 'number$' | 'json$' | 'values'>;
    expect(await firstValueFrom(views.bool$('on'))).toBe(true);
    expect(await firstValueFrom(views.string$('banner'))).toBe('hello');
    expect(await firstValueFrom(views.number$('limit'))).toBe(5);
    expect(await firstValueFrom(views.json$('layout'))).toEqual({ cols: 2 });
    expect(await firstValueFrom(views.string$('nope'))).toBe('');
    expect(await firstValueFrom(views.number$('banner'))).toBe(0);
    const iterator = views.values('limit')[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toBe(5);
    await iterator.return?.();
  });
});

describe('value$(key, def): the view the default picks', () => {
  it('narrows by the default’s type, like values()', async () => {
    const mock = createMockClient({ flags: { on: true, text: 'hi', count: 3, cfg: { a: 1 } } });
    expect(await firstValueFrom(mock.value$('on', false))).toBe(true);
    expect(await firstValueFrom(mock.value$('text', 'none'))).toBe('hi');
    expect(await firstValueFrom(mock.value$('count', 0))).toBe(3);
    expect(await firstValueFrom(mock.value$('cfg', { a: 0 }))).toEqual({ a: 1 });
    // a value of another type gives the default of the picked view
    expect(await firstValueFrom(mock.value$('text', 7))).toBe(7);
    mock.close();
  });
});

describe('a caller’s default beats the configured one for a missing key, on every path', () => {
  const defaults = { on: false, banner: 'configured', layout: { cols: 2 } };

  it.each([
    ['the real client', () => clientOn(testSource({ other: 1 }), virtualTime(), { defaults })],
    ['the mock client', () => createMockClient({ flags: { other: 1 }, defaults })],
  ])('%s: bool$/string$/json$/values() give the caller’s default, as bool()/string()/json() do', async (_name, make) => {
    const c = make();
    await c.ready();
    const first = async <T>(values: AsyncIterable<T>): Promise<T> => {
      const iterator = values[Symbol.asyncIterator]();
      const step = await iterator.next();
      await iterator.return?.();
      return step.value as T;
    };
    const getters = [c.bool('on', true), c.string('banner', 'mine'), c.json('layout', { cols: 9 })];
    expect(getters).toEqual([true, 'mine', { cols: 9 }]);
    const views = [await firstValueFrom(c.bool$('on', true)), await firstValueFrom(c.string$('banner', 'mine')), await firstValueFrom(c.json$('layout', { cols: 9 }))];
    expect(views).toEqual(getters);
    expect([await first(c.values('on', true)), await first(c.values('banner', 'mine'))]).toEqual([true, 'mine']);
    // without a default of its own, a read gets the configured one everywhere
    expect([c.bool('on'), await firstValueFrom(c.bool$('on'))]).toEqual([false, false]);
    c.close();
  });
});
