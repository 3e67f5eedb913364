import type { SchedulerLike, Subscription } from 'rxjs';
import type { ReadyResult } from '../../types.js';

/**
 * The promises of `ready()`: each resolves with the client's first settled outcome (network, store,
 * bootstrap, or a failure that cannot get better), or, when its own timeout runs out first or the
 * client closes, with what `unsettled()` says then; or early, with a failure, once nothing can
 * settle the client before its timeout ({@link failUntil}). Never rejects.
 */
export class ReadyLatch {
  #outcome: ReadyResult | undefined;
  readonly #waiting = new Map<(result?: ReadyResult) => void, Waiting>();
  /** Nothing can settle the client before `until` (scheduler time); `result` says why. */
  #blocked: { result: ReadyResult; until: number } | undefined;
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

  /** The settled outcome, if any. */
  get result(): ReadyResult | undefined {
    return this.#outcome;
  }

  /** Resolves with the outcome, or after `timeoutMs` (on the scheduler) with `unsettled(timeoutMs)`. */
  wait(timeoutMs: number): Promise<ReadyResult> {
    if (this.#outcome) return Promise.resolve(this.#outcome);
    const deadline = this.#scheduler.now() + timeoutMs;
    const blocked = this.#blocked;
    if (blocked && blocked.until >= deadline) return Promise.resolve(blocked.result);
    return new Promise<ReadyResult>((resolve) => {
      const done = (result?: ReadyResult): void => {
        this.#waiting.get(done)?.timer.unsubscribe();
        this.#waiting.delete(done);
        resolve(this.#outcome ?? result ?? this.#unsettled(timeoutMs));
      };
      this.#waiting.set(done, { deadline, timer: this.#scheduler.schedule(() => done(), timeoutMs) });
    });
  }

  /**
   * Nothing can settle the client before `until` (scheduler time; e.g. its circuit is open and it has
   * nothing to serve): every waiter whose timeout ends by then resolves now with `result`, and so
   * does every later `wait()` that would. The latch itself stays unsettled, so a later success
   * still readies the client. {@link unblock} ends this early.
   */
  failUntil(result: ReadyResult, until: number): void {
    if (this.#outcome) return;
    this.#blocked = { result, until };
    for (const [done, { deadline }] of [...this.#waiting]) if (deadline <= until) done(result);
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

/** A pending `ready()`: when its own timeout ends (scheduler time) and that timer. */
interface Waiting {
  deadline: number;
  timer: Subscription;
}
