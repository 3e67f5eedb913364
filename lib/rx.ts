/**
 * The RxJS members of the modules every client loads (the client and its engine, `net/`, the
 * transports), imported from `rxjs` in one place. With RxJS left out of a bundle (an app that loads
 * it on its own, as through an import map or a federated shared module, and the `app` size budget)
 * esbuild writes one `import … from "rxjs"` per module that names it; through here they share one.
 * With RxJS bundled it changes nothing.
 *
 * Two kinds of module import `rxjs` directly: those of the chunks loaded on first use (the store
 * sync, the `snapshotFor` cache, the `values()` iterator), so that this module is not split off into
 * a chunk of its own; and those the testing entry's mock client shares (the status tracker, the
 * fan-out, the typed views), since a bundle with this module imports every name it lists.
 */
export {
  BehaviorSubject,
  EMPTY,
  NEVER,
  Observable,
  Subject,
  Subscription,
  asyncScheduler,
  catchError,
  concat,
  concatMap,
  defer,
  delay,
  distinctUntilChanged,
  filter,
  firstValueFrom,
  fromEvent,
  ignoreElements,
  map,
  merge,
  mergeMap,
  of,
  race,
  repeat,
  retry,
  skip,
  startWith,
  switchMap,
  takeUntil,
  tap,
  throwError,
  timer,
} from 'rxjs';
export type { MonoTypeOperatorFunction, SchedulerLike } from 'rxjs';
