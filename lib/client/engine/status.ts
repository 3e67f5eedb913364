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
    this.#subject = new BehaviorSubject<ClientStatus>({
      state: 'initializing',
      source: 'none',
      circuit: 'closed',
      streaming: false,
      since: this.#now(),
    });
    this.status$ = this.#subject.asObservable();
  }

  get value(): ClientStatus {
    return this.#subject.value;
  }

  /** Merges `patch` into the status; `error: undefined` clears the error. */
  update(patch: Partial<Omit<ClientStatus, 'since'>>): void {
    if (this.#subject.closed) return;
    const previous = this.#subject.value;
    const next: ClientStatus = { ...previous, ...patch };
    if ('error' in patch && patch.error === undefined) delete next.error;
    const same =
      next.state === previous.state &&
      next.source === previous.source &&
      next.circuit === previous.circuit &&
      next.streaming === previous.streaming &&
      next.error === previous.error &&
      next.role === previous.role;
    if (same) return;
    next.since = next.state === previous.state ? previous.since : this.#now();
    this.#subject.next(Object.freeze(next));
  }

  /** Ends `status$` (on close). */
  complete(): void {
    this.#subject.complete();
  }

  #now(): string {
    return new Date(this.#scheduler.now()).toISOString();
  }
}
