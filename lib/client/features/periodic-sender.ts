import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { ClosedError } from '../../errors.js';
import type { Logger } from '../../types.js';

/**
 * What the senders need from the client. Whether a send may go out (circuit, `Retry-After`, a
 * terminal error, close) is not their concern: every send passes the client's request gate, which
 * refuses it with the typed error.
 */
export interface SenderRuntime {
  scheduler: SchedulerLike;
  logger: Logger;
}

/**
 * A buffer that is sent now and then: one send at a time (each `flush()` runs after the one before
 * it has settled, whatever its outcome), a timer armed on demand that sends in the background, and
 * `abort()` to stop both for good (cancelling the sends in flight). A subclass says how to send what it holds (`sendBuffered`) and
 * what to log when a background send fails (`failureMessage`).
 */
export abstract class PeriodicSender<T> {
  #chain: Promise<void> = Promise.resolve();
  #timer: Subscription | undefined;
  #stopped = false;
  /** The sends in flight, each with what settles its promise, so `abort()` can cancel them. */
  readonly #inflight = new Map<Subscription, (error: unknown) => void>();
  readonly #sink: (payload: T) => Observable<void>;
  readonly #intervalMs: number;

  protected constructor(
    sink: (payload: T) => Observable<void>,
    /** Scheduler, logger and circuit state of the client. */
    protected readonly runtime: SenderRuntime,
    intervalMs: number,
  ) {
    this.#sink = sink;
    this.#intervalMs = intervalMs;
  }

  /** Sends what is buffered now, after any send under way; rejects on failure (what was not sent is kept). */
  flush(): Promise<void> {
    const run = this.#chain
      .catch(() => undefined)
      .then(() => {
        this.#disarm();
        return this.sendBuffered();
      });
    this.#chain = run;
    return run;
  }

  /** Stops the timer for good (later additions are never sent by it) and cancels sends in flight (their flushes reject with `ClosedError`). */
  abort(): void {
    this.#stopped = true;
    this.#disarm();
    // The payloads in flight are lost (abort is used only at the close bound); their promises reject.
    for (const [subscription, finish] of this.#inflight) {
      subscription.unsubscribe();
      finish(new ClosedError());
    }
  }

  /** Sends the buffer; on failure keeps what was not sent, re-arms as needed and rejects. */
  protected abstract sendBuffered(): Promise<void>;

  /** The warning logged when a background send fails with `error`. */
  protected abstract failureMessage(error: unknown): string;

  /** Sends one payload through the transport sink (the gate rejects it at once when nothing may be sent). */
  protected send(payload: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let done = false;
      let subscription: Subscription | undefined;
      const finish = (error?: unknown): void => {
        if (done) return;
        done = true;
        if (subscription) this.#inflight.delete(subscription);
        if (error === undefined) resolve();
        else reject(error);
      };
      subscription = this.#sink(payload).subscribe({ next: () => finish(), complete: () => finish(), error: finish });
      if (!done) this.#inflight.set(subscription, finish);
    });
  }

  /** Flushes without waiting; a failure is logged as a warning (a cancelled send is not one). */
  protected flushInBackground(): void {
    // A send that abort() cancelled (the client closing) is no failure to report.
    this.flush().catch((error: unknown) => error instanceof ClosedError || this.runtime.logger.warn(this.failureMessage(error)));
  }

  /** Schedules a background flush `intervalMs` from now, unless one is pending or `abort()` was called. */
  protected arm(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = this.runtime.scheduler.schedule(() => {
      this.#timer = undefined;
      this.flushInBackground();
    }, this.#intervalMs);
  }

  #disarm(): void {
    this.#timer?.unsubscribe();
    this.#timer = undefined;
  }
}
