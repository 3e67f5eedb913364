/**
 * The rxjs names the client shares with the mock client (options, status, fan-out, typed views),
 * imported in this one place; the engine's own names are in `engine/rx.ts`, which passes these on.
 * See `engine/rx.ts` for why: a bundle imports each name once, and the testing entry only these.
 */
export { BehaviorSubject, Observable, Subscription, asyncScheduler } from 'rxjs';
