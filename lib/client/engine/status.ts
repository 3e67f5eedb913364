import { BehaviorSubject, type Observable, type SchedulerLike } from 'rxjs';
import type { ClientStatus } from '../../types.js';

/** Holds the client's status; emits only real changes; `since` moves when `state` does. */
export class StatusTracker {
  readonly #subject: BehaviorSubject<ClientStatus>;
  /** Every status, the current one first. */
  readonly status$: Observable<ClientStatus>;

  readonly #scheduler: SchedulerLike;

  constructor(scheduler: SchedulerLike) {
    this.#scheduler = scheduler;
    this.#subject = new BehaviorSubject<ClientStatus>({ state: 'initializing', source: 'none', circuit: 'closed', streaming: false, since: this.now() });
    this.status$ = this.#subject.asObservable();
  }

  get value(): ClientStatus {
    return this.#subject.value;
  }

  /**
   * Merges `patch` into the status; `error: undefined` clears the error. `closed` is final. A patch
   * that changes none of its fields is no new status; `since` follows `state`.
   */
  update(patch: Partial<Omit<ClientStatus, 'since'>>): void {
    const previous = this.#subject.value;
    const next: ClientStatus = { ...previous, ...patch };
    if ('error' in patch && !patch.error) delete next.error;
    if (previous.state === 'closed' || (Object.keys(patch) as (keyof ClientStatus)[]).every((field) => next[field] === previous[field])) return;
    if (next.state !== previous.state) next.since = this.now();
    this.#subject.next(Object.freeze(next));
  }

  /** Ends `status$` (on close). */
  complete(): void {
    this.#subject.complete();
  }

  /** The scheduler's time as ISO text. */
  now(): string {
    return new Date(this.#scheduler.now()).toISOString();
  }
}
