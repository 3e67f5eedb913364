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
 * a `steal` request takes a lock from its holder, whose request fails with an AbortError.
 */
export class FakeOrigin {
  private readonly holders = new Map<string, Request>();
  private readonly queues = new Map<string, Request[]>();
  private readonly channels = new Set<{ tab: number; name: string; channel: TabChannel }>();
  private readonly frozen = new Set<number>();
  /** Hung tabs: what reaches each meanwhile (messages, then a stolen lock's failure), run when it resumes. */
  private readonly hung = new Map<number, { messages: Array<() => void>; failures: Array<() => void> }>();
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
            if (robbed) this.hung.get(robbed.tab)?.failures.push(fail) ?? setTimeout(fail, 0);
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
   * (a browser may run those tasks in either order).
   */
  hang(tab: number): void {
    this.frozen.add(tab);
    this.hung.set(tab, { messages: [], failures: [] });
  }

  resume(tab: number): void {
    this.frozen.delete(tab);
    const waiting = this.hung.get(tab);
    this.hung.delete(tab);
    for (const run of [...(waiting?.messages ?? []), ...(waiting?.failures ?? [])]) setTimeout(run, 0);
  }

  /** Lock names held or requested. */
  names(): string[] {
    return [...new Set([...this.holders.keys(), ...[...this.queues].filter(([, queue]) => queue.length > 0).map(([name]) => name)])];
  }

  private grant(name: string): void {
    if (this.holders.has(name)) return;
    const next = this.queues.get(name)?.shift();
    if (!next) return;
    this.holders.set(name, next);
    Promise.resolve(next.granted({ name }))
      .then(next.done, next.fail)
      .finally(() => {
        if (this.holders.get(name) !== next) return;
        this.holders.delete(name);
        this.grant(name);
      });
  }
}
