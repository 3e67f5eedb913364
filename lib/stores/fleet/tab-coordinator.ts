import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { FleetClaim, FleetCoordinator, FleetHealth, FleetRecord, FleetView } from '../../client/features/fleet-contract.js';
import { asHealth } from '../../client/features/fleet-heard.js';
import type { EvalResult } from '../../types.js';
import { asRecord, digest, termOf } from './wire.js';

/** The part of `navigator.locks` (Web Locks) a tab fleet uses. */
export interface TabLocks {
  request(name: string, options: { ifAvailable?: boolean; steal?: boolean; signal?: AbortSignal }, granted: (lock: unknown) => Promise<void> | undefined): Promise<unknown>;
  query(): Promise<unknown>;
}

/** The part of a `BroadcastChannel` a tab fleet uses. */
export interface TabChannel {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

/** What the coordinator runs on: the browser's Web Locks and BroadcastChannel, or fakes in specs. */
export interface TabPlatform {
  locks: TabLocks;
  channel(name: string): TabChannel;
  /** Calls `listener` when the page is about to be frozen (the Page Lifecycle `freeze` event); returns how to stop. */
  onFreeze?(listener: () => void): () => void;
  /** Timers and the clock leases are timed by (specs); by default the real timers and `performance.now()`. */
  scheduler?: SchedulerLike;
}

/** Settings of the tab coordinator (see `tabFleet`). */
export interface TabCoordinatorOptions {
  name: string;
  leaseMs: number;
  timeoutMs: number;
}

/** What tabs tell each other about one scope (`key`: its hash); a beat carries its leader's term (none from an older release). */
type Message = { key: string; kind: 'ask'; have?: unknown } | { key: string; kind: 'beat' | 'farewell'; health: FleetHealth; record?: FleetRecord; term?: number };

/** One holder's lock request for a scope: queued, then held until released. */
interface Lock {
  granted: boolean;
  /** When the holder last claimed (see `#now`): a lock granted to a holder that stopped claiming is given back. */
  claimedAt: number;
  /** Lets the granted lock go (until granted: nothing). */
  giveBack(): void;
  /** Aborted when the lock is let go or its request withdrawn. */
  readonly withdrawal: AbortController;
}

/** What this tab knows of one scope. */
interface Scope {
  /** The scope's hash: what lock names and messages carry, and what the coordinator files the scope under. */
  readonly key: string;
  record?: FleetRecord;
  /** The leader's health as last heard, and when (see `#now`; at first, when this tab began to wait for it). */
  leader?: FleetHealth;
  heardAt: number;
  /** Why the last leader left for good, and when it was heard (see `#now`): kept for one lease. */
  farewell?: { health: FleetHealth; at: number };
  /** The holder in this tab that leads, if one does. */
  holder?: string;
  /** The newest leadership's term this tab has led or heard of: a beat of an older one is dropped. */
  term: number;
  /** Each holder's lock (or queued request) here, by holder. */
  readonly holders: Map<string, Lock>;
  /** The links here that listen to the scope. */
  readonly notices: Set<(origin?: string) => void>;
  /** Answers awaited by `read` after an ask. */
  readonly asking: Set<() => void>;
}

/**
 * A {@link FleetCoordinator} across the tabs of one origin. The lease of a scope is the Web Lock
 * `flagstream-fleet:<name>:<hash of scope>`: a claim takes it when free and otherwise queues a
 * request, so when the holder's tab closes (or is discarded) the browser grants it to the next tab
 * at once, which is then told to claim. A claim holds while the lock is held; `release` drops it.
 * The leader's health (when it changes) and each snapshot go out on one `BroadcastChannel`. A
 * follower that has heard nothing from the leader for a third of a lease asks, and the leader answers
 * from its message handler (not a timer, so a background tab's throttled timers do not silence it)
 * with its health, and its snapshot when the asker lacks it. A leader that holds the lock but has not
 * answered for a whole lease (a hung page, a long task, a paused debugger) is no longer vouched for:
 * `read` shows no heartbeat, so its followers report `stale` with a `FleetLeaderError`, and the next
 * claim steals its lock (Web Locks `steal`), so a follower leads and loads; the hung tab, once it runs
 * again, finds its lock gone and follows. A leader whose lock is stolen (its request fails with an
 * AbortError) or that hears a newer term lets it go and notifies its link, which follows at once. A
 * page about to be frozen lets its locks go. `snapshotFor` results are not shared between tabs.
 */
export class TabCoordinator implements FleetCoordinator {
  readonly leaseMs: number;
  readonly timeoutMs: number;
  /** By the scope's hash. */
  readonly #scopes = new Map<string, Scope>();
  readonly #scheduler: SchedulerLike;
  /**
   * Ms for timing leases, heartbeats and farewells: the platform scheduler's clock (specs), else the
   * page's monotonic `performance.now()`, which a wall clock stepped back (NTP, by hand) leaves alone.
   */
  readonly #now: () => number;
  #channel: TabChannel | undefined;
  #closed = false;
  /** Stops listening for the page's `freeze` (on close: a closed coordinator is not kept by the page). */
  #unfreeze: (() => void) | undefined;
  readonly #platform: TabPlatform;
  /** The channel's name; a scope's lock is named after it and the scope's hash. */
  readonly #name: string;

  constructor(platform: TabPlatform, options: TabCoordinatorOptions) {
    this.#platform = platform;
    this.#name = `flagstream-fleet:${options.name}`;
    this.leaseMs = options.leaseMs;
    this.timeoutMs = options.timeoutMs;
    const { scheduler } = platform;
    this.#scheduler = scheduler ?? asyncScheduler;
    this.#now = scheduler ? () => scheduler.now() : () => performance.now();
    // A frozen page cannot stream or answer: it lets its locks go, so another tab leads at once; once
    // resumed, its links' next claims find the lock taken and follow.
    this.#unfreeze = platform.onFreeze?.(() => this.#dropAll());
  }

  async claim(scope: string, holder: string, health: FleetHealth, { term }: { term: number }): Promise<FleetClaim> {
    const state = this.#scope(scope);
    let lock = state.holders.get(holder) ?? (await this.#request(state, holder));
    // The holder has answered nothing for a whole lease, nor now (this tab may itself have been busy): its lock is taken from it,
    // unless this holder's request was granted or withdrawn (it left the scope) while it asked.
    if (!lock.granted && this.#quiet(state) >= this.leaseMs && (await this.#ask(state), this.#quiet(state) >= this.leaseMs && !lock.granted && state.holders.get(holder) === lock)) {
      this.#drop(state, holder, lock);
      lock = await this.#request(state, holder, true);
    }
    lock.claimedAt = this.#now();
    // A lock granted while this page hung may have been stolen since; the lock manager answers a query
    // after the tasks it queued for this page before it, the steal's AbortError included, so by then
    // a stolen lock was let go here: it leads nothing, nor takes a newer term than the stealer's. A
    // query that fails leaves that unknown: the lock is let go (the next tab in line may lead), the
    // holder goes on following, and its next claim requests the lock again.
    if (lock.granted && state.holder !== holder) await this.#platform.locks.query().catch(() => this.#drop(state, holder, lock));
    if (!lock.granted || state.holders.get(holder) !== lock) return { held: false, remainingMs: this.leaseMs };
    // Granted and not yet claimed by this holder: a new leadership. A lock says nothing of whom it was
    // granted before: its term is the clock, above any term heard (the tabs of an origin share the
    // clock; one that went back is still outrun), plus a random fraction: two tabs that take the lock
    // in one millisecond do not tie, the older steps down.
    const fresh = state.holder !== holder;
    state.holder = holder;
    if (fresh) state.term = Math.max(state.term + 1, term + 1, this.#scheduler.now()) + Math.random();
    // The lock, not a timer, says the leader lives (a background tab's timers are throttled): its
    // health goes out when it changed, and to every tab when a leadership begins.
    this.#heard(state, health, undefined, holder, fresh);
    return { held: true, shared: state.record !== undefined, remainingMs: 0, farewell: this.#farewellOf(state), term: state.term };
  }

  async release(scope: string, holder: string, farewell?: FleetHealth): Promise<void> {
    const state = this.#scopes.get(digest(scope));
    const lock = state?.holders.get(holder);
    if (!lock) return; // (no scope here: no lock)
    const leading = state!.holder === holder;
    this.#drop(state!, holder, lock);
    if (farewell && leading) {
      this.#post({ key: state!.key, kind: 'farewell', health: farewell });
      this.#farewell(state!, farewell);
    }
  }

  async publish(scope: string, holder: string, record: FleetRecord): Promise<boolean> {
    const state = this.#scope(scope);
    // Its holder's lock is granted (a claim made it the holder; dropping the lock unmakes it).
    if (state.holder !== holder) return false;
    this.#heard(state, state.leader!, record, holder);
    return true;
  }

  async read(scope: string): Promise<FleetView> {
    const state = this.#scope(scope);
    const granted = [...state.holders.values()].some((lock) => lock.granted);
    if (!granted && (!state.leader || this.#quiet(state) >= this.leaseMs / 3)) await this.#ask(state);
    // A lock granted here but not yet claimed: whoever held it is gone, so the lease is free. A leader
    // silent for a whole lease holds the lock but vouches for nothing.
    const vouched = granted ? state.holder !== undefined : this.#quiet(state) < this.leaseMs;
    return { record: state.record, leader: vouched ? state.leader : undefined, farewell: this.#farewellOf(state) };
  }

  async listen(scope: string, notice: (origin?: string) => void): Promise<() => void> {
    const state = this.#scope(scope);
    this.#connect();
    state.notices.add(notice);
    return () => {
      state.notices.delete(notice);
      if (state.notices.size > 0) return;
      // Nobody here follows the scope any more: its queued lock requests are withdrawn.
      for (const [holder, lock] of [...state.holders]) if (!lock.granted) this.#drop(state, holder, lock);
      this.#forget(state);
    };
  }

  async getShared(): Promise<EvalResult[] | undefined> {
    return undefined;
  }

  async putShared(): Promise<void> {}

  async close(): Promise<void> {
    this.#closed = true;
    this.#unfreeze?.();
    this.#dropAll();
    this.#scopes.clear();
    this.#channel?.close();
    this.#channel = undefined;
  }

  /**
   * Lets the holder's lock go (or withdraws its request); a scope nobody here uses any more is
   * forgotten. A leading holder's lock let go (stolen, or another's newer term heard) is news to its
   * link, which listens: its claim then finds the lock gone, and it follows at once.
   */
  #drop(state: Scope, holder: string, lock: Lock): void {
    if (state.holders.get(holder) !== lock) return;
    state.holders.delete(holder);
    lock.withdrawal.abort();
    lock.giveBack();
    this.#forget(state);
    if (state.holder === holder) {
      state.holder = undefined;
      this.#notify(state);
    }
  }

  /** Forgets a scope nobody here uses any more (no lock, no listener). */
  #forget(state: Scope): void {
    if (state.holders.size === 0 && state.notices.size === 0 && this.#scopes.get(state.key) === state) this.#scopes.delete(state.key);
  }

  /**
   * Lets every lock here go and withdraws every request. The links are not told (a page about to be
   * frozen would take a lock back at once and hold it frozen): their next claims find the locks gone.
   */
  #dropAll(): void {
    for (const state of [...this.#scopes.values()]) {
      state.holder = undefined;
      for (const [holder, lock] of [...state.holders]) this.#drop(state, holder, lock);
    }
  }

  /** How long the leader has not been heard, ms. */
  #quiet(state: Scope): number {
    return this.#now() - state.heardAt;
  }

  /** Takes the lock if it is free (or from its holder: `steal`); else queues a request that the browser grants when it is. */
  #request(state: Scope, holder: string, steal = false): Promise<Lock> {
    if (this.#closed) return Promise.reject(new Error('fleet coordinator closed'));
    this.#connect();
    const name = `${this.#name}:${state.key}`;
    const lock: Lock = { granted: false, claimedAt: this.#now(), giveBack: () => undefined, withdrawal: new AbortController() };
    state.holders.set(holder, lock);
    // Held until released; a lock released or withdrawn before the browser granted it is let go at once.
    const hold = (): Promise<void> | undefined =>
      lock.withdrawal.signal.aborted
        ? undefined
        : new Promise<void>((release) => {
            lock.granted = true;
            lock.giveBack = release;
          });
    return new Promise<Lock>((resolve, reject) => {
      this.#platform.locks
        .request(name, steal ? { steal } : { ifAvailable: true }, (free) => {
          resolve(lock);
          if (free) return hold();
          // Queued behind the holder: once granted, the scope's followers here are told to claim. (Withdrawn
          // meanwhile: the signal is aborted, so the request fails at once.)
          this.#platform.locks
            .request(name, { signal: lock.withdrawal.signal }, () => {
              const held = hold();
              if (!held) return undefined;
              const grantedAt = this.#now();
              // A holder that has stopped claiming (it left the scope) gives the lock back after a lease.
              const idle = Math.max(0, lock.claimedAt + this.leaseMs - grantedAt);
              this.#scheduler.schedule(() => {
                if (lock.claimedAt < grantedAt) this.#drop(state, holder, lock);
              }, idle);
              this.#notify(state);
              return held;
            })
            .catch(() => this.#drop(state, holder, lock)); // withdrawn, or stolen (AbortError)
          return undefined;
        })
        .catch((error: unknown) => {
          // Refused, or stolen from this holder: it no longer leads (the claim that waited for it fails).
          this.#drop(state, holder, lock);
          reject(error);
        });
    });
  }

  /** Posts an ask and waits for the leader's answer, at most half a call's bound. */
  #ask(state: Scope): Promise<void> {
    this.#post({ key: state.key, kind: 'ask', have: state.record && tag(state.record) });
    return new Promise<void>((resolve) => {
      const done = (): void => {
        state.asking.delete(done);
        timer.unsubscribe();
        resolve();
      };
      const timer = this.#scheduler.schedule(done, Math.min(250, this.timeoutMs / 2));
      state.asking.add(done);
    });
  }

  /** A message from another tab (anything else on the channel, or of a scope nobody here uses, is dropped). */
  #received(data: unknown): void {
    const { key, kind, health, record, have, term } = (data ?? {}) as Record<string, unknown>;
    // (Scopes are filed under their hash, a string: no other key finds one.)
    const state = this.#scopes.get(key as string);
    if (!state) return;
    if (kind === 'ask') {
      const held = state.record;
      // A holder has a heartbeat: its claim took it in.
      if (state.holder) this.#beat(state, state.leader!, held && tag(held) !== have ? held : undefined);
      return;
    }
    const heard = asHealth(health);
    if (!heard) return;
    if (kind === 'farewell') return this.#farewell(state, heard);
    if (kind !== 'beat') return;
    // A beat of an older leadership (a hung leader's page that runs again, before it learns its lock
    // was taken) is dropped. One of a newer leadership while one here leads: its lock was taken, so
    // it steps down now; any other beat from another tab then: the other is about to find it cannot publish.
    const beatTerm = termOf(term) ?? state.term;
    if (beatTerm < state.term) return;
    if (state.holder && beatTerm > state.term) this.#drop(state, state.holder, state.holders.get(state.holder)!);
    if (state.holder) return;
    state.term = beatTerm;
    this.#heard(state, heard, asRecord(record));
    for (const done of [...state.asking]) done();
  }

  /**
   * Takes a heartbeat (and a record) in; notifies when either changed. `origin`: the holder here whose
   * claim or publish it was, which then tells the other tabs too (also unchanged when `fresh`: a new leadership).
   */
  #heard(state: Scope, health: FleetHealth, record: FleetRecord | undefined, origin?: string, fresh = false): void {
    const changed = JSON.stringify(health) !== JSON.stringify(state.leader) || (record !== undefined && record !== state.record);
    state.leader = health;
    state.heardAt = this.#now();
    if (record) state.record = record;
    if (origin && (changed || fresh)) this.#beat(state, health, record);
    if (changed) this.#notify(state, origin);
  }

  /** A leader left for good (`health` says why): its heartbeat is over (unless one here leads); the followers here are told. */
  #farewell(state: Scope, health: FleetHealth): void {
    state.farewell = { health, at: this.#now() };
    if (!state.holder) state.leader = undefined;
    this.#notify(state);
  }

  /** The last leader's farewell, for one lease after it was heard. */
  #farewellOf(state: Scope): FleetHealth | undefined {
    const { farewell } = state;
    return farewell && this.#now() - farewell.at < this.leaseMs ? farewell.health : undefined;
  }

  #notify(state: Scope, origin?: string): void {
    for (const notice of [...state.notices]) notice(origin);
  }

  /** Tells the other tabs the leader's health and term, and `record` when given. */
  #beat(state: Scope, health: FleetHealth, record?: FleetRecord): void {
    this.#post({ key: state.key, kind: 'beat', health, record, term: state.term });
  }

  #post(message: Message): void {
    this.#connect().postMessage(message);
  }

  #connect(): TabChannel {
    if (!this.#channel) (this.#channel = this.#platform.channel(this.#name)).onmessage = (event) => this.#received(event.data);
    return this.#channel;
  }

  #scope(scope: string): Scope {
    const key = digest(scope);
    const state: Scope = this.#scopes.get(key) ?? { key, heardAt: this.#now(), term: 0, holders: new Map(), notices: new Set(), asking: new Set() };
    this.#scopes.set(key, state);
    return state;
  }
}

/** Which record a follower holds: its epoch and version. */
const tag = ({ epoch, version }: FleetRecord): string => `${epoch} ${version}`;
