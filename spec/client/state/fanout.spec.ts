import { describe, expect, it } from 'vitest';
import { KeyedFanout } from '../../../lib/client/state/fanout.js';
import { createMockClient, testSource } from '../../../lib/testing/index.js';
import { clientOn, virtualTime } from '../../support/virtual.js';

/** Whether `key` has a registered channel: only then does `observe` return the same observable twice. */
function registered(fanout: KeyedFanout<number>, key: string): boolean {
  return fanout.channel$(key) === fanout.channel$(key);
}

describe('KeyedFanout', () => {
  it('gives a new subscriber the current value synchronously, and nothing before there is one', () => {
    let current: number | undefined;
    const fanout = new KeyedFanout<number>(() => current);
    const seen: number[] = [];
    fanout.channel$('a').subscribe((v) => seen.push(v));
    expect(seen).toEqual([]);
    current = 1;
    fanout.pushAll();
    expect(seen).toEqual([1]);
    const late: number[] = [];
    fanout.channel$('a').subscribe((v) => late.push(v));
    expect(late).toEqual([1]);
  });

  it('runs work only for the subscribers of the pushed key', () => {
    const fanout = new KeyedFanout<number>(() => 0);
    const calls = new Map<string, number>();
    for (let i = 0; i < 1_000; i += 1) {
      const key = `k${i % 100}`;
      fanout.channel$(key).subscribe(() => calls.set(key, (calls.get(key) ?? 0) + 1));
    }
    calls.clear();
    fanout.push('k7', 1);
    expect([...calls.entries()]).toEqual([['k7', 10]]);
  });

  it('drops a channel with its last subscriber, and a held observable still works after that', () => {
    const fanout = new KeyedFanout<number>(() => 0);
    const observable = fanout.channel$('a');
    observable.subscribe().unsubscribe();
    expect(registered(fanout, 'a')).toBe(false);
    const seen: number[] = [];
    const subscription = observable.subscribe((v) => seen.push(v));
    fanout.push('a', 5);
    expect(seen).toEqual([0, 5]);
    expect(registered(fanout, 'a')).toBe(true);
    subscription.unsubscribe();
    expect(registered(fanout, 'a')).toBe(false);
  });

  it('completes every subscriber', () => {
    const fanout = new KeyedFanout<number>(() => 0);
    let completed = 0;
    fanout.channel$('a').subscribe({ complete: () => (completed += 1) });
    fanout.channel$('b').subscribe({ complete: () => (completed += 1) });
    fanout.complete();
    expect(completed).toBe(2);
  });

  it('a subscriber added from inside a callback gets the new value once', () => {
    let current = 1;
    const fanout = new KeyedFanout<number>(() => current);
    const late: number[] = [];
    fanout.channel$('a').subscribe((v) => {
      if (v === 2) fanout.channel$('a').subscribe((w) => late.push(w));
    });
    fanout.channel$('a').subscribe();
    current = 2;
    fanout.push('a', 2);
    expect(late).toEqual([2]);
    current = 3;
    fanout.push('a', 3);
    expect(late).toEqual([2, 3]);
  });

  it('a push from inside a callback reaches everyone, and the older push does not arrive after it', () => {
    let current = 1;
    const fanout = new KeyedFanout<number>(() => current);
    const first: number[] = [];
    const second: number[] = [];
    fanout.channel$('a').subscribe((v) => {
      first.push(v);
      if (v === 2) {
        current = 3;
        fanout.push('a', 3);
      }
    });
    fanout.channel$('a').subscribe((v) => second.push(v));
    current = 2;
    fanout.push('a', 2);
    expect(first).toEqual([1, 2, 3]);
    expect(second).toEqual([1, 3]);
  });

  it('an observable that is never subscribed registers nothing', () => {
    const fanout = new KeyedFanout<number>(() => 0);
    for (let i = 0; i < 100; i += 1) fanout.channel$(`k${i}`);
    expect(Array.from({ length: 100 }, (_, i) => registered(fanout, `k${i}`))).not.toContain(true);
  });
});

describe('flag$ re-entrancy on a client', () => {
  it('the real client: a subscriber added inside a flag$ callback sees each value once', async () => {
    const source = testSource({ a: 1 });
    const client = clientOn(source, virtualTime(), { streaming: true });
    await client.ready();
    const late: unknown[] = [];
    client.flag$('a').subscribe((result) => {
      if (result.value === 2) client.flag$('a').subscribe((inner) => late.push(inner.value));
    });
    source.set('a', 2);
    source.set('a', 3);
    expect(late).toEqual([2, 3]);
    client.close();
  });

  it('a flag$ subscriber added inside a flag$ callback sees each value once', () => {
    const client = createMockClient({ flags: { a: 1 } });
    const late: unknown[] = [];
    client.flag$('a').subscribe((result) => {
      if (result.value === 2) client.flag$('a').subscribe((inner) => late.push(inner.value));
    });
    client.set('a', 2);
    client.set('a', 3);
    expect(late).toEqual([2, 3]);
    client.close();
  });
});
