import { asyncScheduler, type SchedulerAction, type SchedulerLike } from 'rxjs';
import type { TabChannel, TabLocks, TabPlatform } from '../../lib/stores/fleet/tab-coordinator.js';

interface Request {
  tab: number;
  granted: (lock: unknown) => Promise<void> | undefined;
  done: (value: unknown) => void;
  fail: (error: unknown) => void;
}

/**
 * Web Locks and BroadcastChannel of one origin in memory, for specs in fake time: exclusive locks
 * granted in request order (a macrotask after the request, as browsers do), messages delivered to
 * every other open channel of the same name a macrotask after posting. `close(tab)` is a tab
 * closing: its locks are freed and its channels stop; `mute` and `freeze` are a quiet or frozen tab,
 * `hang` a page that runs what reached it once it resumes;
 * a `steal` request takes a lock from its holder, whose request fails with an AbortError. `query()`
 * answers a macrotask later, after whatever the lock manager queued for the page before it.
 */
export class FakeOrigin {
  private readonly holders = new Map<string, Request>();
  private readonly queues = new Map<string, Request[]>();
  private readonly channels = new Set<{ tab: number; name: string; channel: TabChannel }>();
  private readonly frozen = new Set<number>();
  /**
   * Hung tabs: what reaches each meanwhile, run when it resumes: messages, then the lock manager's
   * tasks in the order it queued them (a grant's callback, a stolen lock's failure, a query's
   * answer), then the timers that came due (see {@link scheduler}).
   */
  private readonly hung = new Map<number, { messages: Array<() => void>; locks: Array<() => void>; timers: Array<() => void> }>();
  private readonly freezeListeners = new Map<number, Array<() => void>>();
  posted = 0;
  /** Every message posted, as delivered. */
  readonly sent: unknown[] = [];

  /** What tab `tab` sees as `navigator.locks` and `BroadcastChannel`. */
  tab(tab: number): TabPlatform {
    const locks: TabLocks = {
      request: (name, options, granted) =>
        new Promise((done, fail) => {
          const request: Request = { tab, granted, done, fail };
          const free = !this.holders.has(name) && (this.queues.get(name)?.length ?? 0) === 0;
          if (options.ifAvailable && !free) {
            setTimeout(() => Promise.resolve(granted(null)).then(done, fail), 0);
            return;
          }
          if (options.steal) {
            // The holder's request fails (AbortError); this one is granted at once, before any queued one.
            const robbed = this.holders.get(name);
            const fail = (): void => robbed!.fail(new DOMException('stolen', 'AbortError'));
            if (robbed) this.later(robbed.tab, fail);
            this.holders.delete(name);
            this.queues.set(name, [request, ...(this.queues.get(name) ?? [])]);
            setTimeout(() => this.grant(name), 0);
            return;
          }
          if (options.signal?.aborted) return fail(new DOMException('aborted', 'AbortError'));
          options.signal?.addEventListener('abort', () => {
            const queue = this.queues.get(name) ?? [];
            if (!queue.includes(request)) return;
            queue.splice(queue.indexOf(request), 1);
            fail(new DOMException('aborted', 'AbortError'));
          });
          this.queues.set(name, [...(this.queues.get(name) ?? []), request]);
          setTimeout(() => this.grant(name), 0);
        }),
      query: () =>
        new Promise((done) => {
          const held = [...this.holders].map(([name, holder]) => ({ name, clientId: String(holder.tab) }));
          this.later(tab, () => done({ held }));
        }),
    };
    return {
      locks,
      onFreeze: (listener) => {
        this.freezeListeners.set(tab, [...(this.freezeListeners.get(tab) ?? []), listener]);
        return () => this.freezeListeners.set(tab, (this.freezeListeners.get(tab) ?? []).filter((l) => l !== listener));
      },
      channel: (name) => {
        const entry = { tab, name, channel: undefined as unknown as TabChannel };
        entry.channel = {
          onmessage: null,
          postMessage: (message) => {
            if (this.frozen.has(tab)) return;
            this.posted += 1;
            const copy: unknown = JSON.parse(JSON.stringify(message));
            this.sent.push(copy);
            for (const other of this.channels) {
              const deliver = (): unknown => this.channels.has(other) && other.channel.onmessage?.({ data: copy });
              if (other === entry || other.name !== name) continue;
              if (this.hung.has(other.tab)) this.hung.get(other.tab)!.messages.push(deliver);
              else if (!this.frozen.has(other.tab)) setTimeout(deliver, 0);
            }
          },
          close: () => void this.channels.delete(entry),
        };
        this.channels.add(entry);
        return entry.channel;
      },
    };
  }

  /** The tab closes (or is discarded): its locks go to the next in line, its channels stop. */
  close(tab: number): void {
    for (const entry of [...this.channels]) if (entry.tab === tab) this.channels.delete(entry);
    for (const [name, queue] of this.queues) this.queues.set(name, queue.filter((request) => request.tab !== tab));
    for (const [name, holder] of [...this.holders]) {
      if (holder.tab !== tab) continue;
      this.holders.delete(name);
      setTimeout(() => this.grant(name), 0);
    }
  }

  /** The tab goes quiet (a hung page, or one whose timers are throttled): it keeps its locks, sends and hears nothing. */
  mute(tab: number): void {
    this.frozen.add(tab);
  }

  /** The page is frozen: its `freeze` listeners run, then it sends and hears nothing until {@link resume}. */
  freeze(tab: number): void {
    for (const listener of this.freezeListeners.get(tab) ?? []) listener();
    this.frozen.add(tab);
  }

  /** How many `freeze` listeners tab `tab`'s page holds. */
  freezeListenerCount(tab: number): number {
    return this.freezeListeners.get(tab)?.length ?? 0;
  }

  /**
   * The page hangs (a long task): it keeps its locks and sends nothing; what reaches it meanwhile
   * waits, and on {@link resume} it runs the messages first, then learns that its lock was stolen
   * (a browser may run those tasks in either order); a lock granted meanwhile runs its callback
   * then, before the failure of a steal that came after the grant.
   */
  hang(tab: number): void {
    this.frozen.add(tab);
    this.hung.set(tab, { messages: [], locks: [], timers: [] });
  }

  resume(tab: number): void {
    this.frozen.delete(tab);
    const waiting = this.hung.get(tab);
    this.hung.delete(tab);
    for (const run of [...(waiting?.messages ?? []), ...(waiting?.locks ?? []), ...(waiting?.timers ?? [])]) setTimeout(run, 0);
  }

  /** Tab `tab`'s timers: like the page's, they run nothing while it hangs, and what came due runs once it resumes. */
  scheduler(tab: number): SchedulerLike {
    const hung = this.hung;
    return {
      now: () => asyncScheduler.now(),
      schedule: <T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T) =>
        asyncScheduler.schedule<T>(function (this: SchedulerAction<T>, value?: T) {
          const run = (): void => work.call(this, value);
          const waiting = hung.get(tab);
          if (waiting) waiting.timers.push(run);
          else run();
        }, delay, state),
    };
  }

  /** Lock names held or requested. */
  names(): string[] {
    return [...new Set([...this.holders.keys(), ...[...this.queues].filter(([, queue]) => queue.length > 0).map(([name]) => name)])];
  }

  /** Runs a task of the lock manager for tab `tab` a macrotask later, or once it resumes when it hangs. */
  private later(tab: number, run: () => void): void {
    const waiting = this.hung.get(tab);
    if (waiting) waiting.locks.push(run);
    else setTimeout(run, 0);
  }

  private grant(name: string): void {
    if (this.holders.has(name)) return;
    const next = this.queues.get(name)?.shift();
    if (!next) return;
    this.holders.set(name, next);
    const run = (): void =>
      void Promise.resolve(next.granted({ name }))
        .then(next.done, next.fail)
        .finally(() => {
          if (this.holders.get(name) !== next) return;
          this.holders.delete(name);
          this.grant(name);
        });
    // A page that hangs runs the callback once it resumes; the lock is its meanwhile.
    if (this.hung.has(next.tab)) this.hung.get(next.tab)!.locks.push(run);
    else run();
  }
}
