import { BehaviorSubject, Subject, takeUntil } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { sameJson } from '../../../lib/client/state/json-values.js';
import { latestValues } from '../../../lib/client/state/latest-values.js';

describe('latestValues', () => {
  it('subscribes on the first next(), hands the current value at once, and unsubscribes on return()', async () => {
    const subject = new BehaviorSubject(1);
    const iterator = latestValues(subject);
    expect(subject.observed).toBe(false);
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    expect(subject.observed).toBe(true);
    await iterator.return!();
    expect(subject.observed).toBe(false);
    subject.next(2);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('keeps only the newest value while the consumer is busy, after any number of waits', async () => {
    const subject = new Subject<number>();
    const iterator = latestValues(subject);
    for (let round = 0; round < 3; round++) {
      const waiting = iterator.next();
      subject.next(round * 10);
      expect(await waiting).toEqual({ value: round * 10, done: false });
      subject.next(round * 10 + 1);
      subject.next(round * 10 + 2);
      expect(await iterator.next()).toEqual({ value: round * 10 + 2, done: false });
    }
  });

  it('drops a pending value equal to the last one handed out, by the given equality', async () => {
    const subject = new BehaviorSubject<unknown>({ a: 1 });
    const iterator = latestValues(subject, sameJson);
    expect(await iterator.next()).toEqual({ value: { a: 1 }, done: false });
    subject.next({ a: 2 });
    subject.next({ a: 1 });
    const waiting = iterator.next();
    subject.next({ a: 3 });
    expect(await waiting).toEqual({ value: { a: 3 }, done: false });
  });

  it('answers concurrent next() calls in turn, one value each', async () => {
    const subject = new Subject<number>();
    const iterator = latestValues(subject);
    const first = iterator.next();
    const second = iterator.next();
    subject.next(1);
    subject.next(2);
    expect(await Promise.all([first, second])).toEqual([
      { value: 1, done: false },
      { value: 2, done: false },
    ]);
  });

  it('ends on completion at once, dropping a pending value, and settles every waiting next()', async () => {
    const subject = new BehaviorSubject(1);
    const stop = new Subject<void>();
    const iterator = latestValues(subject.pipe(takeUntil(stop)));
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    subject.next(2);
    stop.next();
    expect(subject.observed).toBe(false);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });

    const other = new Subject<number>();
    const waiting = latestValues(other);
    const a = waiting.next();
    const b = waiting.next();
    other.complete();
    expect(await Promise.all([a, b])).toEqual([
      { value: undefined, done: true },
      { value: undefined, done: true },
    ]);
  });

  it('rejects one next() with an error, then is done; an error while idle waits for the next next()', async () => {
    const subject = new Subject<number>();
    const iterator = latestValues(subject);
    const waiting = iterator.next();
    subject.error(new Error('boom'));
    await expect(waiting).rejects.toThrow('boom');
    expect(await iterator.next()).toEqual({ value: undefined, done: true });

    const idle = new BehaviorSubject(1);
    const later = latestValues(idle);
    expect(await later.next()).toEqual({ value: 1, done: false });
    idle.error(new Error('late'));
    await expect(later.next()).rejects.toThrow('late');
    expect(await later.next()).toEqual({ value: undefined, done: true });
  });

  it('an error while the consumer is busy drops the pending value: the next next() rejects, then it is done', async () => {
    const subject = new BehaviorSubject(1);
    const iterator = latestValues(subject);
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    subject.next(2); // pending while the consumer works on 1
    subject.error(new Error('gone'));
    await expect(iterator.next()).rejects.toThrow('gone');
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('return() before any next() never subscribes', async () => {
    const subject = new BehaviorSubject(1);
    const iterator = latestValues(subject);
    expect(await iterator.return!()).toEqual({ value: undefined, done: true });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(subject.observed).toBe(false);
  });

  it('a source that completes while subscribing leaves no subscription and ends at once', async () => {
    const subject = new BehaviorSubject(1);
    subject.complete();
    const iterator = latestValues(subject);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });
});
