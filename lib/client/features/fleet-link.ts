import type { Subscription } from 'rxjs';
import { FleetLeaderError, TimeoutError, asError, isRetryable } from '../../errors.js';
import type { ClientStatus, EvalContext, EvalResult, FleetRole } from '../../types.js';
import { contextKey } from '../context-key.js';
import type { FleetCoordinator, FleetHandle, FleetHealth, FleetHost, FleetView, MirroredHealth } from './fleet-contract.js';
import { asHealth, fenced, leaderError, mirrorOf } from './fleet-heard.js';

export type * from './fleet-contract.js';

/**
 * One client's membership in a fleet. Each scope (identity + context) has one lease; every
 * `leaseMs / 3` (followers: ± 20 %, and at the moment the holder's lease lapses) the link claims it,
 * which renews it (with the leader's health as heartbeat) for the leader and takes it over for a
 * follower once it lapsed. The leader runs the engine and publishes each change under its epoch;
 * a lease taken afresh, or a shared snapshot gone missing, makes it republish what it holds.
 * Followers apply the published snapshots on each notice and on each tick, and mirror the leader's
 * health in their status; a leader claims on each notice another holder caused, so one whose lease
 * another took (a newer term, a stolen lock) follows at once. A terminal error leaves the fleet; any
 * store failure makes the process `solo`: it runs its own engine, and re-joins on a later tick once
 * the store answers again (a leader's failed subscription is asked for again at its next tick).
 */
export class FleetLink implements FleetHandle {
  readonly #holder = Math.random().toString(36).slice(2);
  #role: FleetRole | undefined;
  #scope: string | undefined;
  /** Bumped on each scope switch: answers for an older scope are dropped. */
  #generation = 0;
  /** Leaderships this process has begun (each makes a new epoch). */
  #leaderships = 0;
  /** The epoch and version last applied (follower) or published (leader). */
  #epoch = '';
  #version = 0;
  /** The newest fencing term this scope's member has led or applied: an older one's records are dropped. */
  #term = 0;
  /** Follower: the time the holder's lease lapses unless renewed (scheduler time). */
  #lapsesAt = 0;
  /** The leader health last mirrored (its JSON), so an unchanged heartbeat changes nothing. */
  #mirrored: string | undefined;
  /** The last farewell reported (its JSON): each is told once. */
  #farewell: string | undefined;
  /** The health claims carry (a leader's heartbeat): the client's, once the publishes before it are done. */
  #health: FleetHealth | undefined;
  /** The generation a claim is running for, and whether another was asked for meanwhile. */
  #electing: number | undefined;
  #again = false;
  #stopListening: (() => void) | undefined;
  #tick: Subscription | undefined;
  #subscription: Subscription | undefined;
  #publishing: Promise<unknown> = Promise.resolve();
  /** Out of the fleet: closed, or stopped by a terminal error. */
  #left = false;
  #closed = false;
  readonly #store: FleetCoordinator;
  readonly #host: FleetHost;

  constructor(store: FleetCoordinator, host: FleetHost) {
    this.#store = store;
    this.#host = host;
  }

  start(): void {
    if (this.#subscription || this.#left) return;
    (this.#subscription = this.#host.status.subscribe((status) => this.#healthChanged(status))).add(
      this.#host.contexts.subscribe(({ context }) => this.#enter(`${this.#host.identity}\n${contextKey(context)}`)),
    );
  }

  changed(flags?: EvalResult[]): void {
    // A new version, even of the same flags, moves every process's shared snapshotFor key on.
    if (this.#role === 'leader') this.#share(flags);
  }

  refresh(): void {
    // A follower's refresh is its leader's snapshot. With none shared yet the leader may be on its first
    // load: the call waits for it as long as a load of its own would (the client's timeout), then fails.
    const generation = this.#generation;
    if (this.#role === 'follower') void this.#pull(generation, true).then((shared) => {
      if (shared) return;
      this.#host.scheduler.schedule(() => {
        if (this.#version === 0 && !this.#stale(generation) && this.#role === 'follower') this.#host.refused(new FleetLeaderError('fleet leader: no flags shared yet'));
      }, this.#host.timeoutMs);
    });
  }

  async snapshotFor(context: EvalContext, load: () => Promise<EvalResult[]>): Promise<EvalResult[]> {
    // A leader's key must count every change it learned of: its publishes still under way come first.
    if (this.#role === 'leader') await this.#publishing;
    if (!this.#role || this.#role === 'solo' || this.#version === 0) return load();
    const key = `${this.#host.identity}\n${contextKey(context)}\n${this.#scope}\n${this.#epoch}\n${this.#version}`;
    const hit = await this.#call(() => this.#store.getShared(key)).catch(() => undefined);
    if (hit) return hit;
    const flags = await load();
    this.#call(() => this.#store.putShared(key, flags)).catch((error: Error) => this.#host.logger.warn(`fleet: snapshotFor not shared: ${error.message}`));
    return flags;
  }

  stopped(error: Error): void {
    if (this.#left) return;
    // A leader's farewell tells its followers why it left: they report it, whoever leads next.
    void this.#leave(asHealth({ state: 'error', since: this.#now(), error }));
    this.#solo(error, `fleet: left (${error.message}); another process takes over`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    void this.#leave().then(() => this.#store.close().catch(() => undefined));
  }

  /** Stops every activity and gives a held lease up (with a farewell: why). */
  #leave(farewell?: FleetHealth): Promise<void> {
    this.#left = true;
    this.#subscription?.unsubscribe();
    return this.#letGo(farewell);
  }

  /** Stops claiming and listening in the current scope and gives its lease up if held (with a farewell: why). */
  async #letGo(farewell?: FleetHealth): Promise<void> {
    const scope = this.#scope;
    this.#tick?.unsubscribe();
    this.#unlisten();
    if (this.#role === 'leader' && scope) await this.#call(() => this.#store.release(scope, this.#holder, farewell)).catch(() => undefined);
  }

  /**
   * A new scope (start, or a context switch): leave the old lease, decide afresh. A switch to an equal
   * context keeps the scope; a follower's `identify()` then settles with the shared snapshot, as a refresh.
   */
  #enter(scope: string): void {
    if (scope === this.#scope) return this.refresh();
    void this.#letGo();
    this.#scope = scope;
    this.#epoch = '';
    this.#version = 0;
    this.#term = 0;
    this.#generation += 1;
    if (this.#role) {
      // The role was the old scope's: stop loading until the new scope's claim decides (a leader's
      // engine restarts for the new context at once, so no snapshot of the old one is shared).
      this.#mirror();
      this.#role = undefined;
      this.#host.engine(false);
    }
    this.#elect(this.#generation);
  }

  /**
   * The health every claim carries (a leader's heartbeat) changes once the publishes under way are done,
   * and a leader shares a change at once: a heartbeat never runs ahead of the snapshot it vouches for (a
   * follower serving its store record would say `ready` with it). Renewals do not wait for publishes.
   */
  #healthChanged(status: ClientStatus): void {
    const health = asHealth(status)!;
    const generation = this.#generation;
    this.#health ??= health; // the first, at start: nothing published yet
    this.#publishing = this.#publishing.then(() => {
      const changed = JSON.stringify(health) !== JSON.stringify(this.#health);
      this.#health = health;
      if (changed && this.#role === 'leader' && !this.#stale(generation)) this.#elect(generation);
    });
  }

  /**
   * Claims now (one claim at a time per scope: a request meanwhile runs right after), then schedules
   * the next claim: a leader's a third of a lease on, a follower's at ± 20 % of that, or sooner when the lease lapses.
   */
  #elect(generation: number): void {
    if (this.#electing === generation) {
      this.#again = true;
      return;
    }
    this.#electing = generation;
    this.#again = false;
    void this.#claim(generation).finally(() => {
      if (this.#electing === generation) this.#electing = undefined;
      if (this.#stale(generation)) return;
      if (this.#again) return this.#elect(generation);
      const third = this.#store.leaseMs / 3;
      let delay = this.#role === 'leader' ? third : third * (0.8 + 0.4 * Math.random());
      // A follower also claims the moment the holder's lease lapses: a dead leader is replaced within one lease.
      if (this.#role === 'follower') {
        delay = Math.min(delay, Math.max(0, this.#lapsesAt - this.#host.scheduler.now()) + 5 + 20 * Math.random());
      }
      this.#tick?.unsubscribe();
      this.#tick = this.#host.scheduler.schedule(() => this.#elect(generation), delay);
    });
  }

  /** One claim: decides the role. */
  async #claim(generation: number): Promise<void> {
    const scope = this.#scope!;
    try {
      const claim = await this.#call(() => this.#store.claim(scope, this.#holder, this.#health!, { epoch: this.#epoch, version: this.#version, term: this.#term }));
      if (this.#stale(generation)) {
        // A claim of a scope this process has left meanwhile (an identify(), close()) gives back what it
        // won or queued for: held by nobody who publishes, or first in line, it would keep that scope's
        // followers waiting (a tab's lock never lapses).
        if (this.#left || scope !== this.#scope) await this.#call(() => this.#store.release(scope, this.#holder));
        return;
      }
      this.#lapsesAt = this.#host.scheduler.now() + claim.remainingMs;
      if (claim.held) {
        // The lease is ours: a new leadership (a term above the newest this member knew: the lease was
        // taken afresh), or a lost snapshot, republishes what this process holds.
        const newLeadership = claim.term! > this.#term || this.#role !== 'leader';
        this.#term = claim.term!;
        if (newLeadership) {
          this.#leaderships += 1;
          this.#epoch = `${this.#holder}.${this.#leaderships}`;
          this.#version = 0;
        }
        this.#become('leader');
        // A leader that took over after a farewell says why the last one left, as its followers do.
        if (claim.farewell) this.#farewelled(claim.farewell);
        if (newLeadership || !claim.shared) this.#share();
        // Led at once: solo on a failed subscription would hold the lease for nobody who publishes.
        await this.#listen(scope, generation).catch((error: Error) => this.#host.logger.warn(`fleet: notices not heard: ${error.message}`));
      } else {
        // A follower listens first: no notice goes unheard between its read and its subscription.
        await this.#listen(scope, generation);
        if (this.#stale(generation)) return;
        this.#become('follower');
        await this.#pullNow(generation, false);
      }
    } catch (error) {
      if (!this.#stale(generation)) this.#goSolo(asError(error));
    }
  }

  /**
   * Subscribes to the scope's notices, unless subscribed. A notice another holder caused (a newer term
   * took the lease, the lock was stolen) makes a leader claim at once: "not held", it follows.
   */
  async #listen(scope: string, generation: number): Promise<void> {
    if (this.#stopListening) return;
    const listening = this.#store.listen(scope, (origin) => {
      if (this.#role !== 'leader') void this.#pull(generation, false);
      else if (origin !== this.#holder) this.#elect(generation);
    });
    // A subscription that answers after its timeout is ended as soon as it does.
    const stop = await this.#call(() => listening).catch((error: unknown) => {
      listening.then((late) => late(), () => undefined);
      throw error;
    });
    if (this.#stale(generation) || this.#stopListening) return stop();
    this.#stopListening = stop;
  }

  #become(role: 'leader' | 'follower'): void {
    if (role === this.#role) return;
    this.#role = role;
    if (role === 'leader') this.#mirror();
    // The role first: an engine that stops at once (a terminal error) then reports 'solo' after it, not before.
    this.#host.role(role, { type: `fleet-${role}`, at: this.#now() });
    this.#host.engine(role === 'leader');
  }

  #goSolo(error: Error): void {
    if (this.#role === 'solo') return;
    // A refused command (CROSSSLOT, a syntax error: not retryable) is not an outage: say what it was.
    const what = isRetryable(error) ? 'unreachable' : 'refused a command';
    this.#solo(error, `fleet store ${what} (${error.message}); loading alone until it answers`, true);
  }

  /** Leaves the fleet's roles for 'solo' (its engine started again unless it stopped for good), saying why. */
  #solo(error: Error, why: string, engine = false): void {
    this.#role = 'solo';
    this.#unlisten();
    this.#mirror();
    this.#host.logger.warn(why);
    if (engine) this.#host.engine(true);
    this.#host.role('solo', { type: 'fleet-solo', at: this.#now(), error });
  }

  /** Publishes `flags` (by default what the client holds, if anything). */
  #share(flags = this.#host.current()): void {
    if (!flags) return;
    const scope = this.#scope!;
    const generation = this.#generation;
    const at = this.#now();
    this.#publishing = this.#publishing.then(async () => {
      if (this.#stale(generation) || this.#role !== 'leader') return;
      const record = { epoch: this.#epoch, version: this.#version + 1, term: this.#term, at, flags };
      try {
        const stored = await this.#call(() => this.#store.publish(scope, this.#holder, record));
        if (this.#stale(generation)) return;
        if (!stored) this.#elect(generation); // another leads: its claim says so, and it follows
        else if (record.epoch === this.#epoch) this.#version = record.version;
      } catch (error) {
        if (!this.#stale(generation)) this.#goSolo(asError(error));
      }
    });
  }

  /**
   * Pulls the shared snapshot and applies what changed; a heartbeat that is gone means the lease is
   * free, and a record of an older term that its lease is void, so it claims now. `false` when there
   * was none to apply (a failed read hands over to solo: `true`).
   */
  #pull(generation: number, force: boolean): Promise<boolean> {
    return this.#pullNow(generation, force).then(
      (view) => {
        if (view && (!view.leader || fenced(view, this.#term)) && !this.#stale(generation) && this.#role === 'follower') this.#elect(generation);
        return !view || view.record !== undefined;
      },
      (error: unknown) => {
        if (!this.#stale(generation)) this.#goSolo(asError(error));
        return true;
      },
    );
  }

  /**
   * Follower: mirror the leader's health; apply the shared snapshot if it is another epoch's or newer
   * (or `force`), unless its term is older than the newest applied. With none shared while the leader
   * says its loads fail, the `refresh()`/`identify()` calls waiting for flags fail with the leader's
   * error, as its own failed load would have.
   */
  async #pullNow(generation: number, force: boolean): Promise<FleetView | undefined> {
    if (this.#stale(generation)) return undefined;
    const view = await this.#call(() => this.#store.read(this.#scope!));
    if (this.#stale(generation) || this.#role !== 'follower') return undefined;
    const health = mirrorOf(view);
    this.#mirror(health);
    if (view.farewell) this.#farewelled(view.farewell);
    const { record } = view;
    if (!record && view.leader && health && health.state !== 'ready') this.#host.refused(health.error ?? leaderError(view.leader));
    if (record && !fenced(view, this.#term) && (force || record.epoch !== this.#epoch || record.version > this.#version)) {
      this.#epoch = record.epoch;
      this.#version = record.version;
      this.#term = record.term ?? this.#term;
      this.#host.received(record.flags);
    }
    return view;
  }

  /** The last leader left for good: say why once, in the log and in `events$` (the status says it until another leads). */
  #farewelled(farewell: FleetHealth): void {
    const text = JSON.stringify(farewell);
    if (text === this.#farewell) return;
    this.#farewell = text;
    const error = leaderError(farewell, true);
    this.#host.logger.warn(`${error.message}; another process takes over`);
    this.#host.role(this.#role!, { type: 'error', at: this.#now(), error });
  }

  /** Hands the leader's health to the client's status, when it changed. */
  #mirror(health?: MirroredHealth): void {
    const text = health && JSON.stringify([health.state, health.error?.message]);
    if (text === this.#mirrored) return;
    this.#mirrored = text;
    this.#host.mirror(health);
  }

  #unlisten(): void {
    this.#stopListening?.();
    this.#stopListening = undefined;
  }

  #stale(generation: number): boolean {
    return this.#left || generation !== this.#generation;
  }

  /** A store call bounded by the store's timeout. */
  #call<T>(run: () => Promise<T>): Promise<T> {
    const { timeoutMs } = this.#store;
    return new Promise<T>((resolve, reject) => {
      const timer = this.#host.scheduler.schedule(() => reject(new TimeoutError(timeoutMs, 'fleet store')), timeoutMs);
      run()
        .then(resolve, (error: unknown) => reject(asError(error)))
        .finally(() => timer.unsubscribe());
    });
  }

  #now(): string {
    return new Date(this.#host.scheduler.now()).toISOString();
  }
}
