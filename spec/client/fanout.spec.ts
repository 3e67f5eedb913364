import { describe, expect, it } from 'vitest';
import { KeyedFanout } from '../../lib/client/fanout.js';

describe('KeyedFanout', () => {
  it('gives a new subscriber the current value synchronously, and nothing before there is one', () => {
    let current: number | undefined;
    const fanout = new KeyedFanout<number>(() => current);
    const seen: number[] = [];
    fanout.observe('a').subscribe((v) => seen.push(v));
    expect(seen).toEqual([]);
    current = 1;
    fanout.pushAll();
    expect(seen).toEqual([1]);
    const late: number[] = [];
    fanout.observe('a').subscribe((v) => late.push(v));
    expect(late).toEqual([1]);
  });

  it('runs work only for the subscribers of the pushed key', () => {
    const fanout = new KeyedFanout<number>(() => 0);
    const calls = new Map<string, number>();
    for (let i = 0; i < 1_000; i += 1) {
      const key = `k${i % 100}`;
      fanout.observe(key).subscribe(() => calls.set(key, (calls.get(key) ?? 0) + 1));
    }
    calls.clear();
    fanout.push('k7', 1);
    expect([...calls.entries()]).toEqual([['k7', 10]]);
  });

  it('drops a channel with its last subscriber, and a held observable still works after that', () => {
    const fanout = new KeyedFanout<number>(() => 0);
    const observable = fanout.observe('a');
    observable.subscribe().unsubscribe();
    expect(fanout.observedKeys).toBe(0);
    const seen: number[] = [];
    const subscription = observable.subscribe((v) => seen.push(v));
    fanout.push('a', 5);
    expect(seen).toEqual([0, 5]);
    expect(fanout.observedKeys).toBe(1);
    subscription.unsubscribe();
    expect(fanout.observedKeys).toBe(0);
  });

  it('completes every subscriber', () => {
    const fanout = new KeyedFanout<number>(() => 0);
    let completed = 0;
    fanout.observe('a').subscribe({ complete: () => (completed += 1) });
    fanout.observe('b').subscribe({ complete: () => (completed += 1) });
    fanout.complete();
    expect(completed).toBe(2);
  });
});
