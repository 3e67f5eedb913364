import { Subject, filter, firstValueFrom, map, merge, timer, type SchedulerLike } from 'rxjs';
import type { ReadyResult } from '../../types.js';
import type { ClientReporter } from './reporter.js';

/** Where the latch's answers come from (the client's reporter): what `ready()` resolves to now, or once its time ran out. */
export type ReadyAnswers = Pick<ClientReporter, 'ready' | 'unsettledReady'>;

/**
 * The promises of `ready()`: each resolves with the client's first settled outcome (network, store,
 * bootstrap, or a failure that cannot get better), or, when its own timeout runs out first or the
 * client closes, with what `unsettledReady()` says then; or early, with a failure, once nothing can
 * settle the client before its timeout (`giveUpEarly`). Never rejects. Every answer is the reporter's.
 */
export interface ReadyLatch {
  /** Resolves with the outcome, or after `timeoutMs` (on the scheduler) with `unsettledReady(timeoutMs)`. */
  wait(timeoutMs: number): Promise<ReadyResult>;
  /**
   * The client has nothing loaded and nothing to fall back on: no `ready()` that times out before
   * the next load attempt (the retry, or the end of an open circuit's `openForMs`) can succeed.
   * Those resolve now with the failure that stands in the way (`circuitFailure` while the circuit
   * is open, else the retried one), and so does every later `wait()` that would. The latch stays
   * unsettled, so a later success still readies the client; {@link retryNow} ends this early.
   */
  giveUpEarly(openForMs: number, circuitFailure: Error | undefined): void;
  /** A load attempt failed: the engine tries again in `retryInMs` (`undefined`: it does not). */
  failed(error: Error, retryInMs: number | undefined): void;
  /**
   * A load may start at once (the circuit was reset or lets probes through, the context changed):
   * `ready()` may succeed again.
   */
  retryNow(): void;
  /**
   * Settles once (later calls return `false`) with what `ready(error, ok)` says now (where the values
   * come from), and wakes every waiter.
   */
  settle(error?: Error, ok?: boolean): boolean;
  /** Wakes every waiter now (the client closed). */
  releaseAll(): void;
}

/** A {@link ReadyLatch} whose answers come from `answers`. */
export function readyLatch(scheduler: SchedulerLike, answers: ReadyAnswers): ReadyLatch {
  let outcome: ReadyResult | undefined;
  /** Nothing can settle the client before `until` (scheduler time); `result` says why. */
  let blocked: { result: ReadyResult; until: number } | undefined;
  /** When the load engine tries again after a failure (scheduler time), and why it failed. */
  let retry: { at: number; error: Error } | undefined;
  /** Each change that may end a wait; `0` ends every wait (the client closed), as a wait's own timer's 0 ends it. */
  const changed = new Subject<number>();
  return {
    wait(timeoutMs) {
      const deadline = scheduler.now() + timeoutMs;
      // Each wait looks again at every change, and once more when its own time runs out.
      return firstValueFrom(
        merge([1], changed, timer(timeoutMs, scheduler)).pipe(
          map((more) => outcome ?? (blocked && blocked.until >= deadline ? blocked.result : more ? undefined : answers.unsettledReady(timeoutMs))),
          filter(Boolean),
        ),
      );
    },
    giveUpEarly(openForMs, circuitFailure) {
      const now = scheduler.now();
      const next = retry && retry.at > now ? retry : undefined;
      const until = Math.max(next?.at ?? now, now + openForMs);
      const error = circuitFailure ?? next?.error;
      if (outcome || !error || until <= now) return;
      blocked = { result: answers.ready(error, false), until };
      changed.next(1);
    },
    failed(error, retryInMs) {
      retry = retryInMs === undefined ? undefined : { at: scheduler.now() + retryInMs, error };
    },
    retryNow() {
      retry = blocked = undefined;
    },
    settle(error, ok) {
      if (outcome) return false;
      outcome = answers.ready(error, ok);
      blocked = undefined;
      changed.next(1);
      return true;
    },
    releaseAll: () => changed.next(0),
  };
}
