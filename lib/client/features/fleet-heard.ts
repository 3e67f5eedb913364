import { FleetLeaderError } from '../../errors.js';
import type { FleetHealth, FleetView, MirroredHealth } from './fleet-contract.js';

/**
 * What a fleet member makes of what it hears from the other holders of its scope: a heartbeat or a
 * farewell as received (from Redis or another tab), the status and error a follower shows for it,
 * and which shared records a newer leadership has fenced off. The fleet link (`fleet-link.ts`)
 * decides roles, when to claim, listen and read; this module says what the heard values mean.
 */

/** The health part of a client status, or of a heartbeat or farewell heard from another process or tab; undefined when `value` has none. */
export function asHealth(value: unknown): FleetHealth | undefined {
  const { state, since, error } = (value ?? {}) as Partial<FleetHealth>;
  if (typeof state !== 'string' || typeof since !== 'string') return undefined;
  const { name, message } = (error ?? {}) as Partial<FleetError>;
  return typeof name === 'string' && typeof message === 'string' ? { state, since, error: { name, message } } : { state, since };
}

/**
 * What a follower's status says for its leader's heartbeat: a leader still starting lends nothing
 * (the follower is `initializing` or serves what it applied); no heartbeat at all is `stale`, or,
 * after a leader's farewell, `error` with why it left (until the next leader's first heartbeat).
 */
export function mirrorOf({ leader, farewell }: FleetView): MirroredHealth | undefined {
  if (!leader) {
    if (farewell) return { state: 'error', error: leaderError(farewell, true) };
    return { state: 'stale', error: new FleetLeaderError('fleet leader: silent for a lease') };
  }
  const { state, error } = leader;
  if (state !== 'ready' && state !== 'stale' && state !== 'error') return undefined;
  return error ? { state, error: leaderError(leader) } : { state };
}

/** The error a follower shows for its leader's (`left`: the one in the leader's farewell). */
export function leaderError({ error, since }: FleetHealth, left = false): FleetLeaderError {
  return new FleetLeaderError(`fleet leader${left ? ' left' : ''}: ${error?.name}: ${error?.message} (since ${since})`, error, since);
}

/**
 * The view's record is of a leadership older than `term` (the newest one the member has led or
 * applied): a lagging replica brought it back, so it is never applied. One without a term (an
 * older release wrote it) counts as of the store's term: where that is older too (the replica holds
 * none, or an older one), it predates what the member applied; where the store keeps none (tabs),
 * it is ordered by its epoch alone.
 */
export function fenced({ record, term: stored }: FleetView, term: number): boolean {
  return (record?.term ?? stored ?? term) < term;
}

type FleetError = NonNullable<FleetHealth['error']>;
