import { describe, expect, it } from 'vitest';
import { createFlagClient, ConfigError } from '../../../lib/index.js';
import { streamAllowed$, type VisibilitySource } from '../../../lib/client/features/visibility.js';
import { testSource } from '../../../lib/testing/index.js';
import { virtualTime } from '../../support/virtual.js';

/** A document stand-in whose visibility the spec flips; counts its listeners. */
class FakeDocument implements VisibilitySource {
  visibilityState: 'visible' | 'hidden';
  readonly listeners = new Set<() => void>();
  constructor(initial: 'visible' | 'hidden' = 'visible') {
    this.visibilityState = initial;
  }
  addEventListener(_type: 'visibilitychange', listener: () => void): void {
    this.listeners.add(listener);
  }
  removeEventListener(_type: 'visibilitychange', listener: () => void): void {
    this.listeners.delete(listener);
  }
  set(state: 'visible' | 'hidden'): void {
    this.visibilityState = state;
    for (const listener of [...this.listeners]) listener();
  }
}

describe('streamAllowed$', () => {
  it('is true at once, false after the page is hidden for hiddenCloseMs, true again when visible', () => {
    const scheduler = virtualTime();
    scheduler.run(({ expectObservable }) => {
      const doc = new FakeDocument();
      scheduler.schedule(() => doc.set('hidden'), 10);
      scheduler.schedule(() => doc.set('visible'), 200);
      expectObservable(streamAllowed$(100, scheduler, doc), '^ 300ms !').toBe('t 109ms f 89ms t', { t: true, f: false });
    });
  });

  it('stays true when the page shows again before hiddenCloseMs', () => {
    const scheduler = virtualTime();
    scheduler.run(({ expectObservable }) => {
      const doc = new FakeDocument();
      scheduler.schedule(() => doc.set('hidden'), 10);
      scheduler.schedule(() => doc.set('visible'), 109);
      scheduler.schedule(() => doc.set('hidden'), 150);
      expectObservable(streamAllowed$(100, scheduler, doc), '^ 300ms !').toBe('t 249ms f', { t: true, f: false });
    });
  });

  it('starts true on a page loaded hidden, then closes after hiddenCloseMs', () => {
    const scheduler = virtualTime();
    scheduler.run(({ expectObservable }) => {
      expectObservable(streamAllowed$(50, scheduler, new FakeDocument('hidden')), '^ 100ms !').toBe('t 49ms f', { t: true, f: false });
    });
  });

  it('ignores repeated events that do not change visibility', () => {
    const scheduler = virtualTime();
    scheduler.run(({ expectObservable }) => {
      const doc = new FakeDocument();
      scheduler.schedule(() => doc.set('hidden'), 10);
      scheduler.schedule(() => doc.set('hidden'), 60); // must not restart the timer
      expectObservable(streamAllowed$(100, scheduler, doc), '^ 300ms !').toBe('t 109ms f', { t: true, f: false });
    });
  });

  it('emits true once and completes outside a browser or with hiddenCloseMs 0', () => {
    const scheduler = virtualTime();
    scheduler.run(({ expectObservable }) => {
      expectObservable(streamAllowed$(100, scheduler, undefined)).toBe('(t|)', { t: true });
      expectObservable(streamAllowed$(0, scheduler, new FakeDocument())).toBe('(t|)', { t: true });
      // A server-rendering or test shim with a visibilityState but no events: no page to follow.
      expectObservable(streamAllowed$(100, scheduler, { visibilityState: 'visible' } as never)).toBe('(t|)', { t: true });
    });
  });

  it('removes its listener on unsubscribe', () => {
    const scheduler = virtualTime();
    const doc = new FakeDocument();
    const subscription = streamAllowed$(100, scheduler, doc).subscribe();
    expect(doc.listeners.size).toBe(1);
    subscription.unsubscribe();
    expect(doc.listeners.size).toBe(0);
  });

  it('finds no page document under Node', () => {
    const values: boolean[] = [];
    let completed = false;
    streamAllowed$(100, virtualTime()).subscribe({ next: (value) => values.push(value), complete: () => (completed = true) });
    expect(values).toEqual([true]);
    expect(completed).toBe(true);
  });
});

describe('hiddenCloseMs option', () => {
  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '60000'])('rejects %s with a ConfigError naming the field', (value) => {
    expect(() => createFlagClient({ transport: testSource(), hiddenCloseMs: value as number })).toThrowError(
      expect.objectContaining({ name: 'ConfigError', message: expect.stringContaining('hiddenCloseMs') }) as Error,
    );
    expect(() => createFlagClient({ transport: testSource(), hiddenCloseMs: value as number })).toThrow(ConfigError);
  });

  it('accepts 0 and any delay a timer can wait', () => {
    for (const hiddenCloseMs of [0, 1, 60_000, 2 ** 31 - 1]) createFlagClient({ transport: testSource(), hiddenCloseMs }).close();
  });
});
