import type { SchedulerLike, Subscription } from 'rxjs';
import type { ReadyResult } from '../../types.js';

/**
 * The promises of `ready()`: each resolves with the client's first settled outcome (network, store,
 * bootstrap, or a failure that cannot get better), or, when its own timeout runs out first or the
 * client closes, with what `unsettled()` says then; or early, with a failure, once nothing can
 * settle the client before its timeout ({@link unreachable}). Never rejects.
 */
export class ReadyLatch {
  #outcome: ReadyResult | undefined;
  /** Each pending `ready()`: how it ends, and when its own timeout does (scheduler time). */
  readonly #waiting = new Map<(result?: ReadyResult) => void, number>();
  /** Nothing can settle the client before `until` (scheduler time); `result` says why. */
  #blocked: { result: ReadyResult; until: number } | undefined;
  /** When the load engine tries again after a failure (scheduler time), and why it failed. */
  #retry: { at: number; error: Error } | undefined;
  readonly #scheduler: SchedulerLike;
  readonly #unsettled: (timeoutMs: number) => ReadyResult;

  constructor(
    scheduler: SchedulerLike,
    /** The answer for a waiter released before the client settled (timeout, close). */
    unsettled: (timeoutMs: number) => ReadyResult,
  ) {
    this.#scheduler = scheduler;
    this.#unsettled = unsettled;
  }

  /** Resolves with the outcome, or after `timeoutMs` (on the scheduler) with `unsettled(timeoutMs)`. */
  wait(timeoutMs: number): Promise<ReadyResult> {
    if (this.#outcome) return Promise.resolve(this.#outcome);
    const deadline = this.#scheduler.now() + timeoutMs;
    const blocked = this.#blocked;
    if (blocked && blocked.until >= deadline) return Promise.resolve(blocked.result);
    return new Promise<ReadyResult>((resolve) => {
      let timer: Subscription | undefined;
      const done = (result?: ReadyResult): void => {
        timer?.unsubscribe();
        this.#waiting.delete(done);
        resolve(this.#outcome ?? result ?? this.#unsettled(timeoutMs));
      };
      this.#waiting.set(done, deadline);
      timer = this.#scheduler.schedule(() => done(), timeoutMs);
    });
  }

  /**
   * The client has nothing loaded and nothing to fall back on: no `ready()` that times out before
   * the next load attempt (the retry, or the end of an open circuit's `openForMs`) can succeed.
   * Those resolve now with the failure that stands in the way (`circuitFailure` while the circuit
   * is open, else the retried one), and so does every later `wait()` that would. The latch stays
   * unsettled, so a later success still readies the client; {@link unblock} ends this early.
   */
  unreachable(openForMs: number, circuitFailure: Error | undefined): void {
    const now = this.#scheduler.now();
    const retry = this.#retry && this.#retry.at > now ? this.#retry : undefined;
    const until = Math.max(retry?.at ?? now, now + openForMs);
    const error = circuitFailure ?? retry?.error;
    if (this.#outcome || !error || until <= now) return;
    const result: ReadyResult = { ok: false, source: 'none', error };
    this.#blocked = { result, until };
    for (const [done, deadline] of [...this.#waiting]) if (deadline <= until) done(result);
  }

  /** A load attempt failed: the engine tries again in `retryInMs` (`undefined`: it does not). */
  failed(error: Error, retryInMs: number | undefined): void {
    this.#retry = retryInMs === undefined ? undefined : { at: this.#scheduler.now() + retryInMs, error };
  }

  /** A load may start at once (the circuit was reset, the context changed): `ready()` may succeed again. */
  retryNow(): void {
    this.#retry = undefined;
    this.unblock();
  }

  /** Something may settle the client again (the circuit let probes through, or was reset). */
  unblock(): void {
    this.#blocked = undefined;
  }

  /** Settles once (later calls return `false`) and wakes every waiter. */
  settle(outcome: ReadyResult): boolean {
    if (this.#outcome) return false;
    this.#outcome = outcome;
    this.#blocked = undefined;
    this.releaseAll();
    return true;
  }

  /** Wakes every waiter now (the client closed). */
  releaseAll(): void {
    for (const done of [...this.#waiting.keys()]) done();
  }
}
