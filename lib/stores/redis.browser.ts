import type { FlagStore } from '../client/options.js';
import { ConfigError } from '../errors.js';

/**
 * `redisStore` in a browser build (bundlers swap it in for `redis.ts`, as the package.json `browser`
 * field says): a page cannot reach Redis, so it fails at once, naming the stores a page can use.
 */
export function redisStore(_redis?: unknown, _options?: unknown): FlagStore {
  throw new ConfigError('redisStore', 'needs Node; in a browser use webStorageStore or memoryStore');
}
