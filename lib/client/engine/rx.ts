/**
 * The rxjs the client's engine uses (the client, its engine, the stream link, the visibility gate),
 * imported in this one place. rxjs stays external to an app's bundle, and esbuild (Angular's builder
 * among others) writes one `import { … } from "rxjs"` per importing module, each name again under its
 * own alias: through this module an app's bundle imports each name once.
 *
 * Only modules that come with the client import it: a bundle that reaches this module imports every
 * name here, so the modules the mock client shares (options, status, fan-out, typed views) take theirs
 * from `state/rx.ts`, passed on below, and the testing entry does not pay for the engine's operators.
 */
export {
  EMPTY, Subject, catchError, concat, defer, delay, distinctUntilChanged, filter, firstValueFrom, fromEvent,
  ignoreElements, map, merge, mergeMap, of, repeat, skip, startWith, switchMap, tap, throwIfEmpty, timer
} from 'rxjs';
export { BehaviorSubject, Observable, Subscription } from '../state/rx.js';
