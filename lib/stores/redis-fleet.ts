import { ConfigError } from '../errors.js';
import { fleetHost } from '../client/features/fleet-host.js';
import { FleetLink, type FleetOption } from '../client/features/fleet-link.js';
import { RedisCoordinator } from './fleet/redis-coordinator.js';
import { redisConnection, type NodeRedisSubscriber, type RedisClientLike } from './redis-connection.js';

/** The Redis clients a fleet accepts: node-redis or ioredis, standalone or cluster (see {@link RedisClientLike}). */
export type FleetRedisClient = RedisClientLike;
/** The SUBSCRIBE connection a fleet opens with a node-redis client's `duplicate()`. */
export type FleetRedisSubscriber = NodeRedisSubscriber;

/** Options of {@link redisFleet}. */
export interface RedisFleetOptions {
  /** Prefix of every key and channel (default `flagstream:`). */
  prefix?: string;
  /**
   * Lease length, ms (default 10 000). The leader renews every `leaseMs / 3`; followers claim on the
   * same beat and the moment a lease lapses, so a dead leader is replaced within `leaseMs` of its last
   * renewal (between ⅔ × and 1 × `leaseMs` after it died). A change made meanwhile reaches everyone
   * with the new leader's first load. Followers mirror the leader's heartbeat, kept for one lease.
   */
  leaseMs?: number;
  /** Bound on each Redis call, ms (default: `leaseMs / 5`, at most 1 000); past it Redis counts as unreachable. */
  timeoutMs?: number;
  /** How long a shared `snapshotFor` result is kept, ms (default 30 000; a configuration change makes new keys at once). */
  sharedTtlMs?: number;
}

/**
 * Fleet mode on Redis: `createFlagClient({ transport, fleet: redisFleet(redis) })`. Processes with
 * the same transport identity and context share one upstream connection: one holds a lease and
 * loads and streams; it writes each new snapshot to Redis and publishes a notice; the others apply
 * it and show the leader's upstream health in their status. Lost Redis state (a restart, FLUSHALL,
 * eviction) is rebuilt by the next claim; an old lease brought back (a failover to a lagging
 * replica) is fenced off by the leaderships' terms, so followers keep the newer flags and another
 * process takes it at once; a leader whose lease another took (it paused past the lease) follows as
 * soon as it hears that leader; a leader stopped by a 401/403 hands the lease over. If
 * Redis is unreachable every process loads on its own (`status.role` `'solo'`) until it answers
 * again. `redis` is a connected node-redis client or cluster (`createClient` / `createCluster`) or
 * an ioredis `Redis` or `Cluster`, anything else a `ConfigError`; the fleet opens one more
 * connection (`duplicate()`) for SUBSCRIBE, shared by the clients given this option.
 */
export function redisFleet(redis: FleetRedisClient, options: RedisFleetOptions = {}): FleetOption {
  const connection = redisConnection(redis);
  const prefix = options.prefix ?? 'flagstream:';
  if (typeof prefix !== 'string') throw new ConfigError('prefix', 'must be a string');
  const leaseMs = positive(options.leaseMs, 10_000, 'leaseMs');
  const timeoutMs = positive(options.timeoutMs, Math.min(1_000, leaseMs / 5), 'timeoutMs');
  const sharedTtlMs = positive(options.sharedTtlMs, 30_000, 'sharedTtlMs');
  // Clients given the same option share one subscriber connection.
  const coordinator = new RedisCoordinator(connection, { prefix, leaseMs, timeoutMs, sharedTtlMs });
  return { attach: (client) => new FleetLink(coordinator.retain(), fleetHost(client)) };
}

function positive(value: unknown, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || (value as number) <= 0) throw new ConfigError(field, 'must be a number > 0');
  return value as number;
}
