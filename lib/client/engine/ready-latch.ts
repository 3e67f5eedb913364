import type { SchedulerLike, Subscription } from 'rxjs';
import type { ReadyResult } from '../../types.js';

/**
 * The promises of `ready()`: each resolves with the client's first settled outcome (network, store,
 * bootstrap, or a failure that cannot get better), or, when its own timeout runs out first or the
 * client closes, with what `unsettled()` says then. Never rejects.
 */
export class ReadyLatch {
  private outcome: ReadyResult | undefined;
  private readonly waiting = new Map<() => void, Subscription>();

  constructor(
    private readonly scheduler: SchedulerLike,
    /** The answer for a waiter released before the client settled (timeout, close). */
    private readonly unsettled: (timeoutMs: number) => ReadyResult,
  ) {}

  /** The settled outcome, if any. */
  get result(): ReadyResult | undefined {
    return this.outcome;
  }

  /** Resolves with the outcome, or after `timeoutMs` (on the scheduler) with `unsettled(timeoutMs)`. */
  wait(timeoutMs: number): Promise<ReadyResult> {
    if (this.outcome) return Promise.resolve(this.outcome);
    return new Promise<ReadyResult>((resolve) => {
      const done = (): void => {
        this.waiting.get(done)?.unsubscribe();
        this.waiting.delete(done);
        resolve(this.outcome ?? this.unsettled(timeoutMs));
      };
      this.waiting.set(done, this.scheduler.schedule(done, timeoutMs));
    });
  }

  /** Settles once (later calls return `false`) and wakes every waiter. */
  settle(outcome: ReadyResult): boolean {
    if (this.outcome) return false;
    this.outcome = outcome;
    this.releaseAll();
    return true;
  }

  /** Wakes every waiter now (the client closed). */
  releaseAll(): void {
    for (const done of [...this.waiting.keys()]) done();
  }
}
