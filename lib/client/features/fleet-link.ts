import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { TimeoutError, asError, isRetryable } from '../../errors.js';
import type { ClientEvent, EvalContext, EvalResult, FleetRole, Logger } from '../../types.js';
import type { ContextSwitch } from '../engine/load-engine.js';
import { contextKey } from '../context-key.js';

/** A snapshot as a fleet shares it: the leader writes one per change. */
export interface FleetRecord {
  /** Monotonically increasing per scope; followers apply only newer versions. */
  version: number;
  /** ISO time the leader applied it. */
  at: string;
  flags: EvalResult[];
}

/**
 * Where a fleet coordinates (Redis for `redisFleet`): leases, the shared snapshot, change notices and
 * shared `snapshotFor` results. A scope is a transport identity plus a context key. Any call may fail
 * or hang; the link bounds each by `timeoutMs` and treats a failure as "the store is unreachable".
 */
export interface FleetCoordinator {
  readonly leaseMs: number;
  /** Bound on each call, ms. */
  readonly timeoutMs: number;
  /** How long a shared `snapshotFor` result is kept, ms. */
  readonly sharedTtlMs: number;
  /** Takes the lease of `scope` if it is free, or renews it if `holder` has it; false: another holds it. */
  claim(scope: string, holder: string): Promise<boolean>;
  /** Gives the lease up if `holder` still has it. */
  release(scope: string, holder: string): Promise<void>;
  /** Stores `flags` as the next version and notifies the followers, only while `holder` has the lease; the version, or undefined if not. */
  publish(scope: string, holder: string, record: Omit<FleetRecord, 'version'>): Promise<number | undefined>;
  /** The last published snapshot of `scope`. */
  read(scope: string): Promise<FleetRecord | undefined>;
  /** Calls `notice` on each publish to `scope` until the returned function is called. */
  listen(scope: string, notice: () => void): Promise<() => void>;
  /** A shared result stored under `key`. */
  getShared(key: string): Promise<EvalResult[] | undefined>;
  putShared(key: string, flags: EvalResult[]): Promise<void>;
  /** Frees what the coordinator opened (its subscriber connection). */
  close(): Promise<void>;
}

/** What a fleet link needs from the client it serves. */
export interface FleetHost {
  /** The transport's identity (server, project, environment; never a key). */
  identity: string;
  /** The client's context switches (the current one first). */
  contexts: Observable<ContextSwitch>;
  scheduler: SchedulerLike;
  logger: Logger;
  /** Runs (`true`) or stops (`false`) the client's own load engine. */
  engine(on: boolean): void;
  /** A follower got a snapshot: apply it as a network load. */
  received(flags: EvalResult[]): void;
  /** The snapshot the client holds now (published when a running process becomes leader). */
  current(): EvalResult[] | undefined;
  /** The role changed: report it in `status.role` and `events$`. */
  role(role: FleetRole, event: ClientEvent): void;
}

/** The client's side of a fleet: what `createFlagClient` calls. */
export interface FleetHandle {
  /** Joins the fleet (idempotent): decides the role, then runs the engine or follows. */
  start(): void;
  /** The client applied a changed network snapshot: a leader shares it. */
  published(flags: EvalResult[]): void;
  /** `refresh()` on a follower: re-read the shared snapshot and apply it. */
  refresh(): void;
  /** `snapshotFor`: read-through the fleet's shared results for this context and configuration version. */
  snapshotFor(context: EvalContext, load: () => Promise<EvalResult[]>): Promise<EvalResult[]>;
  /** Leaves the fleet: releases a held lease, stops listening. */
  close(): void;
}

/** The `fleet` option of `createFlagClient` (`redisFleet(redis)` from `flagstream/stores`). */
export interface FleetOption {
  attach(host: FleetHost): FleetHandle;
}

/**
 * One client's membership in a fleet. Each scope (identity + context) has one lease; every
 * `leaseMs / 3` (followers: ± 20 % jitter) the link claims it, which renews it for the leader and
 * takes it over for a follower once it lapsed. The leader runs the engine and publishes each change;
 * followers apply the published snapshots on each notice and on each tick (a missed notice costs at
 * most one tick). Any store failure makes the process `solo`: it runs its own engine, and re-joins
 * on a later tick once the store answers again.
 */
export class FleetLink implements FleetHandle {
  private readonly holder = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
  private role: FleetRole | undefined;
  private scope: string | undefined;
  /** Bumped on each scope switch: answers for an older scope are dropped. */
  private generation = 0;
  /** The version last applied (follower) or published (leader). */
  private version = 0;
  private stopListening: (() => void) | undefined;
  private tick: Subscription | undefined;
  private contexts: Subscription | undefined;
  private publishing: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly store: FleetCoordinator,
    private readonly host: FleetHost,
  ) {}

  start(): void {
    if (this.contexts || this.closed) return;
    this.contexts = this.host.contexts.subscribe(({ context }) => this.enter(`${this.host.identity}\n${contextKey(context)}`));
  }

  published(flags: EvalResult[]): void {
    if (this.role === 'leader') this.share(flags);
  }

  refresh(): void {
    if (this.role === 'follower') this.pull(this.generation, true);
  }

  async snapshotFor(context: EvalContext, load: () => Promise<EvalResult[]>): Promise<EvalResult[]> {
    if ((this.role !== 'leader' && this.role !== 'follower') || this.version === 0) return load();
    const key = `${this.host.identity}\n${contextKey(context)}\n${this.scope ?? ''}\n${this.version}`;
    const hit = await this.call(() => this.store.getShared(key)).catch(() => undefined);
    if (hit) return hit;
    const flags = await load();
    this.call(() => this.store.putShared(key, flags)).catch((error: unknown) => this.warn('could not share a snapshotFor result', error));
    return flags;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.contexts?.unsubscribe();
    this.tick?.unsubscribe();
    this.unlisten();
    const { scope } = this;
    const release = this.role === 'leader' && scope ? this.call(() => this.store.release(scope, this.holder)) : Promise.resolve();
    void release.catch(() => undefined).then(() => this.store.close().catch(() => undefined));
  }

  /** A new scope (start, or a context switch): leave the old lease, decide afresh. */
  private enter(scope: string): void {
    if (scope === this.scope) return;
    const previous = this.scope;
    if (previous && this.role === 'leader') this.call(() => this.store.release(previous, this.holder)).catch(() => undefined);
    this.unlisten();
    this.tick?.unsubscribe();
    this.scope = scope;
    this.version = 0;
    this.generation += 1;
    if (this.role) {
      // The role was the old scope's: stop loading until the new scope's claim decides (a leader's
      // engine restarts for the new context at once, so no snapshot of the old one is shared).
      this.role = undefined;
      this.host.engine(false);
    }
    void this.elect(this.generation);
  }

  /** One claim: decides the role, then schedules the next. */
  private async elect(generation: number): Promise<void> {
    const scope = this.scope!;
    try {
      const mine = await this.call(() => this.store.claim(scope, this.holder));
      if (this.stale(generation)) return;
      if (mine) {
        this.become('leader');
      } else {
        if (!this.stopListening) {
          const listening = this.store.listen(scope, () => this.pull(generation, false));
          // A subscription that answers after its timeout is ended as soon as it does.
          const stop = await this.call(() => listening).catch((error: unknown) => {
            listening.then((late) => late(), () => undefined);
            throw error;
          });
          if (this.stale(generation)) return stop();
          this.stopListening = stop;
        }
        this.become('follower');
        await this.pullNow(generation, false);
      }
    } catch (error) {
      if (!this.stale(generation)) this.goSolo(asError(error));
    } finally {
      if (!this.stale(generation)) this.schedule(generation);
    }
  }

  private schedule(generation: number): void {
    const third = this.store.leaseMs / 3;
    const delay = this.role === 'leader' ? third : third * (0.8 + 0.4 * Math.random());
    this.tick?.unsubscribe();
    this.tick = this.host.scheduler.schedule(() => void this.elect(generation), delay);
  }

  private become(role: 'leader' | 'follower'): void {
    if (role === this.role) return;
    const previous = this.role;
    this.role = role;
    if (role === 'leader') this.unlisten();
    this.host.engine(role === 'leader');
    this.host.role(role, { type: role === 'leader' ? 'fleet-leader' : 'fleet-follower', at: this.now() });
    // A process that was already running (solo) shares what it has at once; a fresh one after its load.
    if (role === 'leader' && previous === 'solo') {
      const current = this.host.current();
      if (current) this.share(current);
    }
  }

  private goSolo(error: Error): void {
    if (this.role === 'solo') return;
    this.role = 'solo';
    this.unlisten();
    // A refused command (CROSSSLOT, a syntax error: not retryable) is not an outage: say what it was.
    const what = isRetryable(error) ? 'unreachable' : 'refused a command';
    this.host.logger.warn(`fleet store ${what} (${error.message}); loading from the server directly until it answers again`);
    this.host.engine(true);
    this.host.role('solo', { type: 'fleet-solo', at: this.now(), error });
  }

  /** Leader: store the snapshot under the next version (in order) and notify the followers. */
  private share(flags: EvalResult[]): void {
    const scope = this.scope!;
    const generation = this.generation;
    const record = { at: this.now(), flags };
    this.publishing = this.publishing.then(async () => {
      if (this.stale(generation) || this.role !== 'leader') return;
      try {
        const version = await this.call(() => this.store.publish(scope, this.holder, record));
        if (this.stale(generation)) return;
        if (version === undefined) this.become('follower');
        else this.version = version;
      } catch (error) {
        if (!this.stale(generation)) this.goSolo(asError(error));
      }
    });
  }

  private pull(generation: number, force: boolean): void {
    this.pullNow(generation, force).catch((error: unknown) => {
      if (!this.stale(generation)) this.goSolo(asError(error));
    });
  }

  /** Follower: apply the shared snapshot if it is newer than the last one applied (or `force`). */
  private async pullNow(generation: number, force: boolean): Promise<void> {
    if (this.stale(generation)) return;
    const record = await this.call(() => this.store.read(this.scope!));
    if (this.stale(generation) || this.role !== 'follower' || !record) return;
    if (!force && record.version <= this.version) return;
    this.version = record.version;
    this.host.received(record.flags);
  }

  private unlisten(): void {
    this.stopListening?.();
    this.stopListening = undefined;
  }

  private stale(generation: number): boolean {
    return this.closed || generation !== this.generation;
  }

  /** A store call bounded by the store's timeout. */
  private call<T>(run: () => Promise<T>): Promise<T> {
    const { timeoutMs } = this.store;
    return new Promise<T>((resolve, reject) => {
      const timer = this.host.scheduler.schedule(() => reject(new TimeoutError(timeoutMs, 'fleet store call')), timeoutMs);
      run().then(
        (value) => {
          timer.unsubscribe();
          resolve(value);
        },
        (error: unknown) => {
          timer.unsubscribe();
          reject(asError(error));
        },
      );
    });
  }

  private warn(what: string, error: unknown): void {
    this.host.logger.warn(`fleet: ${what}: ${asError(error).message}`);
  }

  private now(): string {
    return new Date(this.host.scheduler.now()).toISOString();
  }
}
