/**
 * flagstream/stores: where a client keeps its last good flags for cold starts with the server down.
 *
 * @module flagstream/stores
 */
export { memoryStore } from './memory.js';
export { fileStore, type FileStoreOptions } from './file.js';
export { webStorageStore, type WebStorageLike, type WebStorageStoreOptions } from './web-storage.js';
export { redisStore, type RedisLike, type RedisStoreOptions } from './redis.js';
export {
  RedisCommandError,
  type RedisClientLike,
  type NodeRedisClientLike,
  type NodeRedisClusterLike,
  type NodeRedisSubscriber,
  type IoRedisLike,
  type IoRedisSubscriber,
} from './redis-connection.js';
export { storeScope } from '../client/features/store-scope.js';
export { StoreError } from '../errors.js';
export type { FlagStore, StoredFlags } from '../client/options.js';
export { redisFleet, type RedisFleetOptions, type FleetRedisClient, type FleetRedisSubscriber } from './redis-fleet.js';
export type { FleetOption } from '../client/features/fleet-link.js';
export type { FleetRole } from '../types.js';
export { tabFleet, type TabFleetOptions } from './tab-fleet.js';
