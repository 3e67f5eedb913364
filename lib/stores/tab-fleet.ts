import { ConfigError } from '../errors.js';
import { fleetHost } from '../client/features/fleet-host.js';
import { FleetLink, type FleetHandle, type FleetHost, type FleetOption } from '../client/features/fleet-link.js';
import { TabCoordinator, type TabChannel, type TabLocks } from './fleet/tab-coordinator.js';

/** Options of {@link tabFleet}. */
export interface TabFleetOptions {
  /**
   * Names the fleet (default `default`): tabs share a stream only with tabs using the same name, so
   * two apps on one origin keep apart.
   */
  name?: string;
}

/**
 * Claim cadence (`leaseMs / 3`): how often a link re-checks its role, and a follower asks a leader it
 * has not heard from; one silent for a whole lease has its lock taken. Otherwise the lock, not this,
 * hands leadership over.
 */
const LEASE_MS = 3_000;

/**
 * Tab fleet: `createFlagClient({ transport, fleet: tabFleet() })` in a browser. The tabs of one origin
 * with the same transport identity and context share one stream: one tab holds a Web Lock and is the
 * only one that streams and loads; it sends each new snapshot to the others on a `BroadcastChannel`,
 * which apply it through the same getters and observables and show its upstream health in their
 * status. A leader whose page hangs (it holds the lock but answers nothing for a whole lease) has
 * its lock taken by a follower, which leads and loads; the hung tab follows as soon as it runs again, and
 * what it sends before it learns that is dropped (each leadership's term orders them). When the leader's tab closes, is discarded or is frozen the lock goes to the next tab at
 * once, whose first load picks up anything changed meanwhile. Where Web Locks or BroadcastChannel are
 * missing (old browsers, workers without them, Node), every client loads on its own: `status.role`
 * is `'solo'`.
 */
export function tabFleet(options: TabFleetOptions = {}): FleetOption {
  const name = options.name ?? 'default';
  if (typeof name !== 'string' || name === '') throw new ConfigError('name', 'must be a non-empty string');
  const scope = globalThis as { navigator?: { locks?: TabLocks }; BroadcastChannel?: new (name: string) => TabChannel; document?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> };
  const locks = scope.navigator?.locks;
  const Channel = scope.BroadcastChannel;
  if (!locks || typeof locks.request !== 'function' || typeof Channel !== 'function') {
    return { attach: (client) => solo(fleetHost(client)) };
  }
  // One coordinator (one channel) per client: two clients in one tab coordinate as two tabs would.
  const page = scope.document;
  const onFreeze = (listener: () => void): (() => void) => {
    page?.addEventListener('freeze', listener);
    return () => page?.removeEventListener('freeze', listener);
  };
  const platform = { locks, channel: (channel: string) => new Channel(channel), onFreeze };
  return { attach: (client) => new FleetLink(new TabCoordinator(platform, { name, leaseMs: LEASE_MS, timeoutMs: 1_000 }), fleetHost(client)) };
}

/**
 * Where Web Locks or BroadcastChannel are missing: the client runs its own engine and says so in
 * `status.role` (`'solo'`) and a `fleet-solo` event, once, without a warning per client.
 */
function solo(host: FleetHost): FleetHandle {
  const handle: FleetHandle = {
    start: () => {
      handle.start = none;
      host.engine(true);
      const error = new Error('tab fleet: no Web Locks or BroadcastChannel');
      host.role('solo', { type: 'fleet-solo', at: new Date(host.scheduler.now()).toISOString(), error });
    },
    changed: none,
    refresh: none,
    snapshotFor: (_context, load) => load(),
    stopped: none,
    close: none,
  };
  return handle;
}

const none = (): void => undefined;
