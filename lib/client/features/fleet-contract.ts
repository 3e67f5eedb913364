import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import type { LoadResult } from '../../transports/transport.js';
import type { ClientEvent, ClientStatus, EvalContext, EvalResult, FleetRole, Logger } from '../../types.js';
import type { ContextSwitch } from '../engine/load-engine.js';
import type { LoadWaiters } from '../engine/load-waiters.js';
import type { ClientReporter } from '../engine/reporter.js';
import type { FlagSnapshot } from '../state/snapshot.js';

/** A snapshot as a fleet shares it: the leader writes one per change. */
export interface FleetRecord {
  /**
   * The leadership that wrote it: a new one for every lease taken afresh (the holder's id and how
   * many leaderships it has begun), so a follower applies another leader's record whatever its version.
   */
  epoch: string;
  /** Increasing within an epoch; followers apply only newer versions of the epoch they applied. */
  version: number;
  /**
   * The leadership's fencing term (see {@link FleetClaim.term}): a follower never applies a record of
   * a term older than one it has applied (a lease brought back by a lagging replica). Absent in a
   * record of an older release: ordered by epoch alone.
   */
  term?: number;
  /** ISO time the leader applied it. */
  at: string;
  flags: EvalResult[];
}

/** The leader's upstream health, shared with every renewal of its lease (its heartbeat). */
export interface FleetHealth {
  /** The leader's `status.state`. */
  state: 'initializing' | 'ready' | 'stale' | 'error' | 'closed';
  /** ISO time `state` last changed on the leader. */
  since: string;
  /** What the leader's `status.error` says: name and (redacted) message, nothing else. */
  error?: { name: string; message: string };
}

/** The answer to a claim. */
export interface FleetClaim {
  /** The lease is the claimant's now (taken or renewed). */
  held: boolean;
  /**
   * Held: the shared snapshot is the one the claimant published last (none published: false).
   * False once the store lost it (a restart, a flush, an eviction) or holds an older one (a restore
   * from an older backup, a failover to a lagging replica): the leader then republishes.
   */
  shared?: boolean;
  /** Not held: how long the holder's lease still runs, ms, unless renewed. */
  remainingMs: number;
  /** Held: a farewell of the last leader, kept for one lease after it left (see `release`). */
  farewell?: FleetHealth;
  /**
   * Held: the leadership's term, greater for each lease taken afresh than any the store or the
   * claimant knew of. A lease whose term is older than the claimant's is void (a lagging replica
   * brought it back): the claim takes it afresh. A term above the claimant's is a new leadership,
   * whose first act is to republish; a store that outlives its processes (Redis) drops the last
   * leadership's snapshot then, so nobody applies flags no running leader stands behind.
   */
  term?: number;
}

/** What a follower reads: the shared snapshot and the leader's last heartbeat. */
export interface FleetView {
  record?: FleetRecord;
  /** Absent once the leader has not renewed for a whole lease. */
  leader?: FleetHealth;
  /** The last leader that left for good said why (kept for one lease after it left). */
  farewell?: FleetHealth;
  /**
   * The newest term the store holds for the scope (Redis: 0 when it holds none), which a record
   * without a term (an older release's) counts as; absent where the store keeps no term (tabs).
   */
  term?: number;
}

/**
 * Where a fleet coordinates (Redis for `redisFleet`): leases, the shared snapshot, the leader's
 * heartbeat, change notices and shared `snapshotFor` results. A scope is a transport identity plus
 * a context key. Any call may fail or hang; the link bounds each by `timeoutMs` and treats a failure
 * as "the store is unreachable".
 */
export interface FleetCoordinator {
  readonly leaseMs: number;
  /** Bound on each call, ms. */
  readonly timeoutMs: number;
  /**
   * Takes the lease of `scope` if it is free, or renews it if `holder` has it; while held, stores
   * `health` as the leader's heartbeat (for one lease) and notifies the followers when it changed.
   * `published`: the epoch and version of the record the holder published last (version 0: none),
   * and the newest term it knows (led, or applied as a follower; 0: none).
   */
  claim(scope: string, holder: string, health: FleetHealth, published: { epoch: string; version: number; term: number }): Promise<FleetClaim>;
  /**
   * Gives the lease (and the heartbeat) up if `holder` still has it, and notifies the followers. A
   * `farewell` (a leader stopped by a terminal error: why it leaves) is kept for one lease as the
   * view's `farewell`, whoever leads next.
   */
  release(scope: string, holder: string, farewell?: FleetHealth): Promise<void>;
  /** Stores `record` as the shared snapshot and notifies the followers, only while `holder` has the lease; false if not. */
  publish(scope: string, holder: string, record: FleetRecord): Promise<boolean>;
  /** The shared snapshot of `scope` and the leader's heartbeat. */
  read(scope: string): Promise<FleetView>;
  /**
   * Calls `notice` on each publish, heartbeat change or release in `scope` (and, on tabs, when the
   * holder here lost its lock) until the returned function is called, with the holder whose claim,
   * publish or release caused it when known. Leaders listen too: a notice another caused makes a
   * leader claim at once, so one whose lease another took follows without waiting for its renewal.
   */
  listen(scope: string, notice: (origin?: string) => void): Promise<() => void>;
  /** A shared result stored under `key`. */
  getShared(key: string): Promise<EvalResult[] | undefined>;
  putShared(key: string, flags: EvalResult[]): Promise<void>;
  /** Frees what the coordinator opened (its subscriber connection). */
  close(): Promise<void>;
}

/** A follower's status borrowed from its leader: `state` and the error to show. */
export interface MirroredHealth {
  state: 'ready' | 'stale' | 'error';
  error?: Error;
}

/** What a fleet link needs from the client it serves. */
export interface FleetHost {
  /** The transport's identity (server, project, environment; never a key). */
  identity: string;
  /** The client's context switches (the current one first). */
  contexts: Observable<ContextSwitch>;
  /** The client's status (the current one first): a leader shares its health from it. */
  status: Observable<ClientStatus>;
  scheduler: SchedulerLike;
  logger: Logger;
  /** The client's request timeout, ms: how long a follower's `refresh()` waits for a first shared snapshot. */
  timeoutMs: number;
  /** Runs (`true`) or stops (`false`) the client's own load engine. */
  engine(on: boolean): void;
  /** A follower's status follows its leader's health; `undefined`: the process's own again. */
  mirror(health: MirroredHealth | undefined): void;
  /** A follower got a snapshot: apply it as a network load. */
  received(flags: EvalResult[]): void;
  /** The snapshot the client holds now (published when a running process becomes leader). */
  current(): EvalResult[] | undefined;
  /** The role changed: report it in `status.role` and `event` in `events$` (the same role: only the event). */
  role(role: FleetRole, event: ClientEvent): void;
  /**
   * A follower found nothing shared (on `refresh()`, or while its leader's loads fail): the waiting
   * `refresh()`/`identify()` calls fail with `error`, and the follower falls back to its store record
   * or bootstrap, as a failed first load would.
   */
  refused(error: Error): void;
}

/**
 * The client as its fleet sees it: what `createFlagClient` hands to `attach`. The fleet feature
 * makes a link's {@link FleetHost} of it (`fleetHost`), so a client without a fleet carries no glue.
 */
export interface FleetClient {
  readonly options: { transport: { identity?: string }; scheduler: SchedulerLike; logger: Logger; timeoutMs: number };
  /** The client's context switches (the current one first). */
  readonly contexts: Observable<ContextSwitch>;
  /** The client's status and events (a structural view: its declaration must not carry the class's `#private` members). */
  readonly report: Pick<ClientReporter, 'status$' | 'leader' | 'readiness' | 'update' | 'emit' | 'streamDown'>;
  /** The `refresh()`/`identify()` promises (a structural view, as `report`). */
  readonly waiters: Pick<LoadWaiters, 'start' | 'succeeded' | 'failed'>;
  /** The `snapshotFor` results (once loaded), dropped on every change. */
  readonly oneOffs: { clear(): void } | undefined;
  /** The snapshot's entries (structural, as `report`). */
  readonly snapshot: Pick<FlagSnapshot, 'values'>;
  readonly loaded: boolean;
  readonly closed: boolean;
  readonly activeContext: EvalContext;
  /** The context whose network load the snapshot holds. */
  readonly networkContext: EvalContext | undefined;
  /** A first load failed: serve the store's record for the active context, else the bootstrap, else nothing. */
  fallBack(error: Error, final: boolean): void;
  /** Runs the load engine, if it is not running. */
  runEngine(): void;
  /** The engine's run, while it runs: a follower ends it. */
  running: Subscription | undefined;
  /** Applies `result` as a load for `context`. */
  onLoaded(context: EvalContext, result: LoadResult): void;
}

/** The client's side of a fleet: what `createFlagClient` calls. */
export interface FleetHandle {
  /** Joins the fleet (idempotent): decides the role, then runs the engine or follows. */
  start(): void;
  /**
   * The client applied a changed network snapshot (`flags`), or the server announced a change (a stream
   * event: none given): a leader shares them (else what it holds) as a new version, even of the same
   * flags, which makes the fleet's shared one-off results stale.
   */
  changed(flags?: EvalResult[]): void;
  /**
   * `refresh()` on a follower: re-read the shared snapshot and apply it; when the leader has shared
   * nothing for this scope yet, the host's `refused` fails the caller's `refresh()`. Any other
   * member's own engine answers.
   */
  refresh(): void;
  /** `snapshotFor`: read-through the fleet's shared results for this context and the last change the fleet saw. */
  snapshotFor(context: EvalContext, load: () => Promise<EvalResult[]>): Promise<EvalResult[]>;
  /** The client stopped for good (401/403): give the lease up and leave the fleet; others lead. */
  stopped(error: Error): void;
  /** Leaves the fleet: releases a held lease, stops listening. */
  close(): void;
}

/** The `fleet` option of `createFlagClient` (`redisFleet(redis)` from `flagstream/stores`). */
export interface FleetOption {
  /** Joins `client` to the fleet; `createFlagClient` calls it, applications do not. */
  attach(client: FleetClient): FleetHandle;
}
