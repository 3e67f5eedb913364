import { type Observable, type SchedulerLike, distinctUntilChanged, fromEvent, map, of, startWith, switchMap, timer } from 'rxjs';

/** The part of `document` the visibility gate reads (a fake one in tests). */
export interface VisibilitySource {
  readonly visibilityState: string;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

/**
 * Whether the change stream may stay open. In a browser: `true` at once, `false` once the page has
 * been hidden for longer than `hiddenCloseMs` (a timer on `scheduler`, cancelled when the page shows
 * again sooner), `true` again as soon as it is visible. Outside a browser (no `document` that dispatches
 * events: Node, workers, a shim), or with `hiddenCloseMs` 0 (off), it emits `true` once and
 * completes. Emits only on change.
 */
export function streamAllowed$(
  hiddenCloseMs: number,
  scheduler: SchedulerLike,
  source = (globalThis as { document?: VisibilitySource }).document,
): Observable<boolean> {
  if (typeof source?.addEventListener !== 'function' || hiddenCloseMs <= 0) return of(true);
  return fromEvent(source, 'visibilitychange').pipe(
    startWith(0),
    map(() => source.visibilityState === 'hidden'),
    distinctUntilChanged(),
    switchMap((hidden) => (hidden ? timer(hiddenCloseMs, scheduler).pipe(map(() => false), startWith(true)) : [true])),
    distinctUntilChanged(),
  );
}
