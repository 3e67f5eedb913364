import type { FleetOption } from '../client/features/fleet-link.js';
import { ConfigError } from '../errors.js';

/**
 * `redisFleet` in a browser build (bundlers swap it in for `redis-fleet.ts`, as the package.json
 * `browser` field says): a page cannot reach Redis, so it fails at once, naming the fleet a page can use.
 */
export function redisFleet(_redis?: unknown, _options?: unknown): FleetOption {
  throw new ConfigError('redisFleet', 'needs Node; in a browser the tabs of one origin share a stream with tabFleet');
}
